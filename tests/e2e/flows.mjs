// Steps many end-to-end tests share: onboarding, locking, unlocking, navigation.
import assert from "node:assert/strict";
import { By, Key, until } from "selenium-webdriver";
import { signalUntil } from "./harness.mjs";

export const PASSPHRASE = "lantern orbit pickle meadow";
export const NEW_PASSPHRASE = "quiet harbour violet engine";

/** Creates a vault through the onboarding screens; returns the recovery key groups. */
export async function createVault(app, { shots = false } = {}) {
  await app.heading("Create your vault");
  await app.type("new-passphrase", PASSPHRASE);
  await app.type("confirm-passphrase", PASSPHRASE);
  await app.driver.wait(until.elementTextContains(await app.find("[data-testid=strength]"), "good"), 10_000);
  if (shots) await app.screenshot("create-vault");
  await app.click("Create vault");
  await app.heading("Your recovery kit", 30_000);
  const groups = await Promise.all(
    (await app.driver.findElements(By.css("[data-testid=recovery-key] li"))).map((item) => item.getText()),
  );
  assert.equal(groups.length, 9, "nine groups of four");
  if (shots) await app.screenshot("recovery-kit");
  return groups;
}

/** Confirms the kit, skips device binding and (unless `backups`) the backup
 * folder: most tests need no backup on every lock. */
export async function confirmKitAndSkipBinding(app, groups, { backups = false } = {}) {
  await app.type("last-group", groups[8]);
  await app.click("I have saved it — continue");
  await app.heading("Bind the vault to this computer?");
  await app.click("Not now");
  await app.heading("Where should backups go?");
  if (backups) {
    await app.click("Use this folder");
    await app.find("[data-testid=backup-setup-done]", 30_000);
    await app.click("Continue to your clients");
  } else {
    await app.click("Not now — remind me");
  }
  await openWorkspace(app);
}

/** Waits for the unlocked workspace (clients, chart, note). */
export async function openWorkspace(app) {
  await app.find("[data-testid=client-list]", 30_000);
}

/** Opens Settings and activity from the workspace. */
export async function openSettings(app) {
  await app.click("Settings");
  await app.heading("Settings and activity");
}

export async function lockWithShortcut(app) {
  await app.driver.actions().keyDown(Key.CONTROL).sendKeys("l").keyUp(Key.CONTROL).perform();
  await app.heading("Confidant is locked");
}

export async function unlock(app, passphrase) {
  await app.type("passphrase", passphrase);
  await app.click("Unlock");
}


/** A new vault, onboarding done, and one client added: resolves to its code. */
export async function vaultWithOneClient(app) {
  const groups = await createVault(app);
  await confirmKitAndSkipBinding(app, groups);
  await app.click("New client");
  await app.click("Add client");
  return (await app.find("[data-testid=chart-code]")).getText();
}

/**
 * Starts a new note and resolves to its first section once the new draft is on
 * screen: a note opened before (it stays open when coming back from Settings)
 * is replaced, so wait for an empty Subjective, not just any.
 */
export async function startNote(app) {
  const before = await app.driver.executeScript(`return document.querySelector("[data-testid=note]")?.dataset.noteId ?? null`);
  await app.click("New note");
  await app.driver.wait(
    async () =>
      app.driver.executeScript(
        `const note = document.querySelector("[data-testid=note]");
         return !!note && note.dataset.noteId !== arguments[0] && document.getElementById("section-subjective")?.value === "";`,
        before,
      ),
    15_000,
    "the new draft is open",
  );
  return app.find("#section-subjective");
}

/**
 * Waits until everything typed in the open draft is saved. "Saved · N s ago"
 * stays up while newer words wait for the pause in typing, so the indicator's
 * text alone would pass too early: its data-unsaved-edits must be "false" too.
 */
export async function waitUntilSaved(app, timeout = 15_000) {
  await app.driver.wait(
    async () =>
      app.driver.executeScript(`const state = document.querySelector("[data-testid=save-state]");
        return /^Saved · \\d+ s ago$/.test(state?.textContent ?? "") && state.dataset.unsavedEdits === "false";`),
    timeout,
    "everything typed is saved",
  );
}

/** Whether the lock screen shows. */
export async function isLocked(app) {
  return (await app.driver.findElements(By.xpath("//h1[normalize-space()='Confidant is locked']"))).length > 0;
}

/**
 * Sends a D-Bus signal on the bus at `address` until the vault locks (the app
 * subscribes in the background, so the first may come before it listens).
 */
export async function signalUntilLocked(app, address, path, member) {
  await signalUntil(address, path, member, ["boolean:true"], () => isLocked(app));
}

/** The desktop's screen locker says the screen locked; resolves once the vault is locked. */
export async function lockTheScreen(app) {
  await signalUntilLocked(app, app.busAddress, "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver.ActiveChanged");
}
