// Spelling in a section: the misspelt words Rust finds are underlined once typing
// pauses (never while the text is ahead of the check), the bar below offers the
// corrections for the word under the cursor, and a correction edits the text.
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import SpellTextarea from "./SpellTextarea.svelte";

afterEach(() => clearMocks());

describe("SpellTextarea", () => {
  it("underlines what Rust found, offers corrections at the cursor, and applies one", async () => {
    const added: string[] = [];
    mockIPC((command, args) => {
      const { text, word } = (args ?? {}) as { text?: string; word?: string };
      if (command === "spelling_check") {
        const at = (text ?? "").indexOf("anxeity");
        return at < 0 ? [] : [{ start: at, end: at + 7 }];
      }
      if (command === "spelling_suggest") return word === "anxeity" ? ["anxiety", "anxiously"] : [];
      if (command === "spelling_add_word") {
        added.push(String(word));
        return null;
      }
      throw new Error(command);
    });
    let value = "Reports anxeity at work.";
    const { rerender } = render(SpellTextarea, {
      value,
      onedit: (next: string) => (value = next),
      "aria-label": "Subjective",
    });
    const layer = screen.getByTestId("spelling-layer");
    await waitFor(() => expect(layer.querySelector("mark")?.textContent).toBe("anxeity"), { timeout: 3000 });
    expect(layer.classList.contains("stale")).toBe(false);

    const area = screen.getByLabelText("Subjective") as HTMLTextAreaElement;
    area.setSelectionRange(10, 10);
    await fireEvent.keyUp(area);
    const bar = await screen.findByTestId("spelling-bar");
    await waitFor(() => expect(bar.textContent).toContain("anxiously"));
    await fireEvent.click(screen.getByText("anxiety"));
    expect(value).toBe("Reports anxiety at work.");

    // While the text is ahead of the last check, the underlines wait.
    await rerender({ value, onedit: (next: string) => (value = next), "aria-label": "Subjective" });
    expect(layer.classList.contains("stale")).toBe(true);
    await waitFor(() => expect(layer.querySelector("mark")).toBeNull(), { timeout: 3000 });
    expect(added).toEqual([]);
  });
});
