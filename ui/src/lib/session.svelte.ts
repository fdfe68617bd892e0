// Which screen the app shows, and the few facts about the vault the screens share.
// Everything here is dropped on lock: the page reloads to the lock screen.
import { commands, events, type ErrorCode, type VaultStatusDto } from "./bindings";
import { drafts } from "./drafts.svelte";
import { messageFor } from "./errors";
import { panel } from "./panel.svelte";
import { records } from "./records.svelte";

export type Screen = "loading" | "create" | "kit" | "binding" | "backup-setup" | "unlock" | "recover" | "restore" | "home";

class SessionStore {
  screen = $state<Screen>("loading");
  status = $state<VaultStatusDto | null>(null);
  /** The recovery key groups, only between creation (or replacement) and confirmation. */
  kitGroups = $state<string[]>([]);
  /** Whether the kit on screen belongs to a vault created just now (then the binding step follows). */
  kitForNewVault = $state(false);
  loadError = $state<string | null>(null);
  /** Why the vault's status could not be read (a lost key file, another window). */
  loadErrorCode = $state<ErrorCode | null>(null);

  async refresh(): Promise<void> {
    const result = await commands.vaultStatus();
    if (result.status === "error") {
      this.loadError = messageFor(result.error);
      this.loadErrorCode = result.error.code;
      if (this.screen !== "restore") this.screen = "unlock";
      return;
    }
    this.loadError = null;
    this.loadErrorCode = null;
    this.status = result.data;
    if (!result.data.exists) this.screen = "create";
    else if (result.data.unlocked) this.screen = "home";
    else this.screen = "unlock";
  }

  /** Saves the open draft, locks and reloads, so no record data survives in the
   * page. A draft that cannot be saved (a full disk) is already with Rust, which
   * seals it on this lock and offers it back at the next unlock. */
  async lock(): Promise<void> {
    await drafts.flush();
    await commands.vaultLock();
    reloadToLockScreen();
  }
}

export const session = new SessionStore();

/** Drops every store and the whole page state: the lock screen starts from nothing. */
export function reloadToLockScreen(): void {
  session.kitGroups = [];
  session.status = null;
  records.clear();
  panel.close();
  window.location.reload();
}

/** Before Rust locks on its own (idle, sleep, screen lock, quit), save the
 * draft and say so; reload when the lock has happened. */
export async function listenForLocks(): Promise<() => void> {
  const stopPending = await events.lockPending.listen(async (event) => {
    await drafts.flush();
    await commands.lockReady(event.payload.ticket);
  });
  const stopLocked = await events.vaultLocked.listen(() => reloadToLockScreen());
  return () => {
    stopPending();
    stopLocked();
  };
}
