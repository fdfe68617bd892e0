// Dialogs keep keyboard focus inside: Tab from the last control wraps to the
// first, Shift+Tab from the first to the last, and focus returns on close.
import { afterEach, describe, expect, it } from "vitest";
import { trapFocus } from "./focus";

afterEach(() => {
  document.body.innerHTML = "";
});

function dialog(): { opener: HTMLButtonElement; node: HTMLElement; controls: HTMLElement[] } {
  document.body.innerHTML = `
    <button id="opener">Open</button>
    <form id="dialog"><input id="name" /><button id="ok">OK</button><button id="cancel">Cancel</button></form>`;
  const opener = document.getElementById("opener") as HTMLButtonElement;
  opener.focus();
  const node = document.getElementById("dialog")!;
  return { opener, node, controls: ["name", "ok", "cancel"].map((id) => document.getElementById(id)!) };
}

function tab(node: HTMLElement, shiftKey = false): void {
  node.dispatchEvent(new KeyboardEvent("keydown", { key: "Tab", shiftKey, bubbles: true, cancelable: true }));
}

describe("trapFocus", () => {
  it("starts on the first field and wraps both ways", () => {
    const { node, controls } = dialog();
    const action = trapFocus(node);
    expect(document.activeElement).toBe(controls[0]);
    tab(node, true);
    expect(document.activeElement).toBe(controls[2]);
    tab(node);
    expect(document.activeElement).toBe(controls[0]);
    action?.destroy?.();
  });

  it("gives focus back to what opened the dialog", () => {
    const { opener, node } = dialog();
    const action = trapFocus(node);
    expect(document.activeElement).not.toBe(opener);
    action?.destroy?.();
    expect(document.activeElement).toBe(opener);
  });
});
