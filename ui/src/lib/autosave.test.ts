// The autosave indicator says what a therapist needs to know: saving, saved and
// how long ago, or not saved and retrying — and a flush before a lock or a switch
// sends the newest text, even when a save is already under way.
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

  it("says when a save failed, that the text is kept, and retries until it works", async () => {
    vi.useFakeTimers();
    let attempts = 0;
    const autosave = new Autosave(async () => (++attempts < 2 ? "The disk is full." : null), 800, 5000);
    autosave.changed();
    await vi.advanceTimersByTimeAsync(800);
    expect(autosave.label).toBe("Not saved yet: The disk is full. Confidant keeps what you typed and tries again.");
    expect(autosave.dirty).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(attempts).toBe(2);
    expect(autosave.label).toMatch(/^Saved · \d s ago$/);
    expect(autosave.dirty).toBe(false);
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

  it("flushes only when something changed, and at once (not after the pause)", async () => {
    vi.useFakeTimers();
    const save = vi.fn(async () => null);
    const autosave = new Autosave(save, 800);
    expect(await autosave.flushIfDirty()).toBe(true);
    expect(save).not.toHaveBeenCalled();
    autosave.changed();
    expect(await autosave.flushIfDirty()).toBe(true);
    expect(save).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(save).toHaveBeenCalledTimes(1);
    autosave.stop();
  });

  it("typing during a save is saved too, before a flush says everything is saved", async () => {
    const finishers: ((value: string | null) => void)[] = [];
    const save = vi.fn(() => new Promise<string | null>((done) => finishers.push(done)));
    const autosave = new Autosave(save, 10_000);
    const first = autosave.flush();
    autosave.changed(); // typed while the first save is on its way
    const flushing = autosave.flushIfDirty();
    finishers[0]?.(null);
    expect(await first).toBe(false);
    await vi.waitFor(() => expect(save).toHaveBeenCalledTimes(2));
    finishers[1]?.(null);
    expect(await flushing).toBe(true);
    expect(autosave.dirty).toBe(false);
    autosave.stop();
  });

  it("schedules nothing once the editor closed", async () => {
    vi.useFakeTimers();
    const save = vi.fn(async () => "The disk is full.");
    const autosave = new Autosave(save, 800, 1000);
    autosave.changed();
    autosave.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(save).not.toHaveBeenCalled();
  });
});
