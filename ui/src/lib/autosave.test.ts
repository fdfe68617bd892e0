// The autosave indicator says what a therapist needs to know: saving, saved and
// how long ago, or not saved and retrying.
import { afterEach, describe, expect, it, vi } from "vitest";
import { Autosave } from "./autosave.svelte";

afterEach(() => vi.useRealTimers());

describe("Autosave", () => {
  it("waits for a pause in typing, saves once, then counts the seconds since", async () => {
    vi.useFakeTimers();
    const save = vi.fn(async () => null);
    const autosave = new Autosave(save, 800);
    autosave.changed();
    autosave.changed();
    expect(autosave.label).toBe("");
    await vi.advanceTimersByTimeAsync(800);
    expect(save).toHaveBeenCalledTimes(1);
    expect(autosave.label).toBe("Saved · 0 s ago");
    await vi.advanceTimersByTimeAsync(3000);
    expect(autosave.label).toBe("Saved · 3 s ago");
    autosave.stop();
  });

  it("says when a save failed and retries until it works", async () => {
    vi.useFakeTimers();
    let attempts = 0;
    const autosave = new Autosave(async () => (++attempts < 2 ? "Confidant could not write to the disk." : null), 800);
    autosave.changed();
    await vi.advanceTimersByTimeAsync(800);
    expect(autosave.label).toBe("Not saved — retrying. Confidant could not write to the disk.");
    await vi.advanceTimersByTimeAsync(3000);
    expect(attempts).toBe(2);
    expect(autosave.label).toMatch(/^Saved · \d s ago$/);
    autosave.stop();
  });

  it("shows Saving… while the save is under way", async () => {
    let finish: (value: string | null) => void = () => {};
    const autosave = new Autosave(() => new Promise((done) => (finish = done)), 0);
    const flushing = autosave.flush();
    expect(autosave.label).toBe("Saving…");
    finish(null);
    expect(await flushing).toBe(true);
    autosave.stop();
  });
});
