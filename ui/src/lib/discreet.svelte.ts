// Discreet mode as the screens need it: names hidden where others might see
// them (lists, headers — the window title never names anyone), one press away
// ("Show names"), and a privacy screen over the workspace when the window loses
// focus or nobody has touched it for a little while. Text is never blurred
// while the therapist writes or reads it.
import { session } from "./session.svelte";

/** Seconds without a key or the mouse before the privacy screen covers the workspace. */
export const PRIVACY_IDLE_SECONDS = 60;

class DiscreetStore {
  /** The therapist pressed "Show names" (until the privacy screen or a lock). */
  revealed = $state(false);
  /** The privacy screen is up. */
  covered = $state(false);

  /** Whether discreet mode is on (it is until the vault says otherwise). */
  get on(): boolean {
    return session.status?.discreet_mode ?? true;
  }

  /** Whether client names may be shown now. */
  get showNames(): boolean {
    return !this.on || this.revealed;
  }

  /** Covers the workspace (window left, or idle) and hides names again. */
  cover(): void {
    if (!this.on) return;
    this.covered = true;
    this.revealed = false;
  }

  uncover(): void {
    this.covered = false;
  }
}

export const discreet = new DiscreetStore();
