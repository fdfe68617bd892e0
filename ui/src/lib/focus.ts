// Keeps keyboard focus inside a modal dialog: Tab and Shift+Tab wrap around,
// focus starts on the first field (or the element marked `data-autofocus`) and
// goes back where it was when the dialog closes.
import type { Action } from "svelte/action";

const FOCUSABLE = [
  "a[href]",
  "button:not([disabled])",
  "input:not([disabled]):not([type=hidden])",
  "select:not([disabled])",
  "textarea:not([disabled])",
  "summary",
  "[tabindex]:not([tabindex='-1'])",
].join(",");

/** The elements Tab visits inside `root`, in order. */
export function focusableIn(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((element) => !element.closest("[inert]"));
}

export const trapFocus: Action<HTMLElement> = (node) => {
  const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const start = node.querySelector<HTMLElement>("[data-autofocus]") ?? focusableIn(node)[0] ?? node;
  if (start === node && !node.hasAttribute("tabindex")) node.tabIndex = -1;
  start.focus();

  function onkeydown(event: KeyboardEvent) {
    if (event.key !== "Tab") return;
    const focusable = focusableIn(node);
    if (focusable.length === 0) {
      event.preventDefault();
      return;
    }
    const first = focusable[0]!;
    const last = focusable[focusable.length - 1]!;
    const active = document.activeElement;
    if (event.shiftKey && (active === first || !node.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !node.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }

  node.addEventListener("keydown", onkeydown);
  return {
    destroy() {
      node.removeEventListener("keydown", onkeydown);
      if (previous?.isConnected) previous.focus();
    },
  };
};
