// The draft open in the editor, as the rest of the app needs to know it: saved
// or not, and a way to save it now. Everything that takes the editor away — a
// lock, another client or note, Settings — saves first.
export type DraftStatus = "none" | "saved" | "pending" | "failed";

type Editor = { flush: () => Promise<boolean>; status: () => DraftStatus };

class DraftsStore {
  #editor: Editor | null = null;
  /** Bumped when the editor's status may have changed, so readers re-render. */
  version = $state(0);

  /** The editor registers itself; the returned function unregisters it. */
  register(editor: Editor): () => void {
    this.#editor = editor;
    this.version += 1;
    return () => {
      if (this.#editor === editor) this.#editor = null;
      this.version += 1;
    };
  }

  /** Whether the open draft is saved, waiting to be saved, or failing to save. */
  get status(): DraftStatus {
    void this.version;
    return this.#editor?.status() ?? "none";
  }

  /** Saves the open draft now. Resolves to whether everything typed is saved;
   * when it is not (a full disk), the text is with Rust and a lock seals it. */
  async flush(): Promise<boolean> {
    return (await this.#editor?.flush()) ?? true;
  }
}

export const drafts = new DraftsStore();
