// Autosave for a draft: waits for a pause in typing, saves, and says so
// ("Saving…", "Saved · 3 s ago", "Not saved — retrying"), retrying on failure.
export type SaveState = { kind: "idle" } | { kind: "saving" } | { kind: "saved"; at: number } | { kind: "failed"; message: string };

export class Autosave {
  state = $state<SaveState>({ kind: "idle" });
  now = $state(Date.now());
  #timer: ReturnType<typeof setTimeout> | undefined;
  #clock: ReturnType<typeof setInterval>;
  #save: () => Promise<string | null>;
  #delayMs: number;

  /** `save` resolves to null on success or to a message for the therapist. */
  constructor(save: () => Promise<string | null>, delayMs = 800) {
    this.#save = save;
    this.#delayMs = delayMs;
    this.#clock = setInterval(() => (this.now = Date.now()), 1000);
  }

  /** Call on every edit: saves once typing pauses. */
  changed(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), this.#delayMs);
  }

  /** Saves now (e.g. before signing). Resolves to whether it saved. */
  async flush(): Promise<boolean> {
    clearTimeout(this.#timer);
    this.state = { kind: "saving" };
    const problem = await this.#save();
    if (problem === null) {
      this.state = { kind: "saved", at: Date.now() };
      return true;
    }
    this.state = { kind: "failed", message: problem };
    this.#timer = setTimeout(() => void this.flush(), 3000);
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
        return `Not saved — retrying. ${this.state.message}`;
    }
  }

  stop(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#clock);
  }
}
