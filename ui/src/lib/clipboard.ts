// Copying: Rust puts the text on the clipboard and clears it after 30 s and on
// lock. A copy made with Ctrl+C inside the window is reported too, so Rust can
// clear that text in the same way.
import { commands } from "./bindings";
import { messageFor } from "./errors";

/** Copies `text`; returns a problem to show, or null. */
export async function copyText(text: string): Promise<string | null> {
  const result = await commands.clipboardCopy(text);
  return result.status === "ok" ? null : messageFor(result.error);
}

/** Reports every copy and cut in the page; returns the function that stops it. */
export function watchCopies(target: Document = document): () => void {
  // The copy event fires before the clipboard is written; Rust waits a moment.
  const onCopy = () => void commands.clipboardWatch();
  target.addEventListener("copy", onCopy);
  target.addEventListener("cut", onCopy);
  return () => {
    target.removeEventListener("copy", onCopy);
    target.removeEventListener("cut", onCopy);
  };
}
