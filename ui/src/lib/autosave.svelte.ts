// Autosave for a draft: waits for a pause in typing, saves, and says so
// ("Saving…", "Saved · 3 s ago", "Not saved: the disk is full…"), retrying a
// failed save. A save never fails because of what was typed: field problems come
// back with the saved note. What fails is the disk, and then Confidant keeps the
// text (in Rust, sealed on lock) and keeps trying.
export type SaveState =
  | { kind: "idle" }
  | { kind: "saving" }
  | { kind: "saved"; at: number }
  | { kind: "failed"; message: string };

export class Autosave {
  state = $state<SaveState>({ kind: "idle" });
  now = $state(Date.now());
  /** Edits since the last successful save. */
  dirty = $state(false);
  #timer: ReturnType<typeof setTimeout> | undefined;
  #clock: ReturnType<typeof setInterval>;
  #save: () => Promise<string | null>;
  #delayMs: number;
  #retryMs: number;
  /** Edits made while a save was under way: save again when it ends. */
  #editedDuringSave = false;
  #inFlight: Promise<string | null> | null = null;
  #stopped = false;

  /** `save` resolves to null on success or to a message for the therapist. */
  constructor(save: () => Promise<string | null>, delayMs = 800, retryMs = 5000) {
    this.#save = save;
    this.#delayMs = delayMs;
    this.#retryMs = retryMs;
    this.#clock = setInterval(() => (this.now = Date.now()), 1000);
  }

  /** Call on every edit: saves once typing pauses. */
  changed(): void {
    this.dirty = true;
    if (this.#inFlight) this.#editedDuringSave = true;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), this.#delayMs);
  }

  /** Saves now if anything changed (before a lock, a switch, signing). Resolves
   * to whether everything typed is saved. */
  async flushIfDirty(): Promise<boolean> {
    if (this.#inFlight) await this.#inFlight;
    return this.dirty ? this.flush() : true;
  }

  /** Saves now. Resolves to whether it saved. */
  async flush(): Promise<boolean> {
    clearTimeout(this.#timer);
    if (this.#inFlight) {
      // One save at a time; the newest text goes in the next one.
      this.#editedDuringSave = true;
      await this.#inFlight;
      return this.dirty ? this.flush() : true;
    }
    this.state = { kind: "saving" };
    this.#editedDuringSave = false;
    this.#inFlight = this.#save();
    let problem: string | null;
    try {
      problem = await this.#inFlight;
    } finally {
      this.#inFlight = null;
    }
    if (problem === null) {
      this.dirty = this.#editedDuringSave;
      this.state = { kind: "saved", at: Date.now() };
      if (this.dirty && !this.#stopped) this.#timer = setTimeout(() => void this.flush(), this.#delayMs);
      return !this.dirty;
    }
    this.state = { kind: "failed", message: problem };
    if (!this.#stopped) this.#timer = setTimeout(() => void this.flush(), this.#retryMs);
    return false;
  }

  /** The indicator's words. */
  get label(): string {
    switch (this.state.kind) {
      case "idle":
        return "";
      case "saving":
        return "Saving…";
      case "saved": {
        // `now` ticks every second so the label re-renders; the clock is read fresh.
        const now = Math.max(this.now, Date.now());
        return `Saved · ${Math.max(0, Math.floor((now - this.state.at) / 1000))} s ago`;
      }
      case "failed":
        return `Not saved yet: ${this.state.message} Confidant keeps what you typed and tries again.`;
    }
  }

  /** The editor closed: no more timers (a save already started still finishes). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#clock);
  }
}
