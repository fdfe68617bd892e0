// "Save as PDF": where it went, and — when the record has characters the PDF's
// font cannot draw (say, a name in Chinese) — which ones will show as boxes.
import { fireEvent, render, screen } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import PrintDialog from "./PrintDialog.svelte";

afterEach(() => clearMocks());

function mockPrint(unprintable: string[]) {
  const calls: Record<string, unknown>[] = [];
  mockIPC((command, args) => {
    if (command === "print_pdf") {
      calls.push(args as Record<string, unknown>);
      return { path: "/home/dana/Documents/C-0001-chart.pdf", unprintable };
    }
    throw new Error(command);
  });
  return calls;
}

async function savePdf() {
  render(PrintDialog, { clientCode: "C-0001", onclose: () => {} });
  // No path to type: Rust asks where to save in the system's save dialog.
  expect(document.querySelectorAll("input").length).toBe(0);
  await fireEvent.click(screen.getByText("Save PDF…"));
  return screen.findByTestId("print-done");
}

describe("PrintDialog", () => {
  it("says where the PDF went and that it is not encrypted", async () => {
    const calls = mockPrint([]);
    const done = await savePdf();
    expect(done.textContent).toContain("/home/dana/Documents/C-0001-chart.pdf");
    expect(screen.getByText(/not encrypted/)).toBeTruthy();
    expect(screen.queryByTestId("print-unprintable")).toBeNull();
    expect(calls).toEqual([{ clientCode: "C-0001", noteId: null }]);
  });

  it("names the characters that print as empty boxes", async () => {
    mockPrint(["王", "芳"]);
    await savePdf();
    const warning = await screen.findByTestId("print-unprintable");
    expect(warning.textContent).toMatch(/show as empty boxes/);
    expect(warning.textContent).toContain("王 芳");
    expect(warning.textContent).toMatch(/Export/);
  });
});
