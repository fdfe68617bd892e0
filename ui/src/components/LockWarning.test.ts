// The countdown before the idle lock appears when Rust warns, with the seconds left.
import { cleanup, render, screen } from "@testing-library/svelte";
import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import LockWarning from "./LockWarning.svelte";

afterEach(() => {
  // Unmount (and unlisten) while the mocked event plugin still exists.
  cleanup();
  clearMocks();
});

describe("LockWarning", () => {
  it("shows nothing until warned, then the countdown", async () => {
    mockIPC(() => null, { shouldMockEvents: true });
    render(LockWarning);
    expect(screen.queryByTestId("lock-warning")).toBeNull();
    await new Promise((done) => setTimeout(done, 0));
    await emit("lock-warning", { seconds_left: 27 });
    const warning = await screen.findByTestId("lock-warning");
    expect(warning.textContent).toContain("Locking in 27 s — move the mouse or press a key to stay.");
  });
});
