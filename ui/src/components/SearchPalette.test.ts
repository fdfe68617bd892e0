// The search palette: results as you type, the match highlighted from text parts
// (never HTML), Enter opens the selected note, Escape closes.
import { fireEvent, render, screen } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import SearchPalette from "./SearchPalette.svelte";

afterEach(() => clearMocks());

const HIT = {
  note_id: 7,
  client_code: "C-0001",
  kind: "progress",
  session_date: "2026-11-20",
  status: "signed",
  snippet: [
    { text: "…sleeping ", matched: false },
    { text: "<b>better</b>", matched: true },
    { text: " since…", matched: false },
  ],
};

describe("SearchPalette", () => {
  it("searches as you type, marks the match as text, and opens the hit on Enter", async () => {
    const queries: unknown[] = [];
    mockIPC((command, args) => {
      if (command !== "search_notes") throw new Error(command);
      queries.push((args as { query: { text: string } }).query.text);
      return [HIT];
    });
    const onopen = vi.fn();
    render(SearchPalette, { onopen, onclose: vi.fn() });
    const input = screen.getByRole("combobox", { name: "Search notes" });
    await fireEvent.input(input, { target: { value: "bett" } });
    const mark = await screen.findByText("<b>better</b>");
    expect(mark.tagName).toBe("MARK");
    expect(document.querySelector("mark b")).toBeNull();
    expect(queries).toEqual(["bett"]);
    await fireEvent.keyDown(input, { key: "Enter" });
    expect(onopen).toHaveBeenCalledWith(expect.objectContaining({ note_id: 7 }));
  });

  it("says so when nothing matches, and closes on Escape", async () => {
    mockIPC(() => []);
    const onclose = vi.fn();
    render(SearchPalette, { onopen: vi.fn(), onclose });
    const input = screen.getByRole("combobox", { name: "Search notes" });
    await fireEvent.input(input, { target: { value: "zzz" } });
    expect(await screen.findByText(/No notes match/)).toBeTruthy();
    await fireEvent.keyDown(input, { key: "Escape" });
    expect(onclose).toHaveBeenCalled();
  });
});
