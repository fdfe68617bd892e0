// Backups in the real app: choose a folder, back up now, see the status; the
// note's words are nowhere in the backup folder; restore the backup over the
// vault from Settings (the note written afterwards goes away, a safety copy
// stays); and, with vault.keys lost, the lock screen takes the key file back
// from the backup and the vault opens.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { By, until } from "selenium-webdriver";
import { lockWithShortcut, openSettings, openWorkspace, PASSPHRASE, startNote, unlock, vaultWithOneClient, waitUntilSaved } from "./flows.mjs";
import { launchApp } from "./harness.mjs";

const MARKER = "Quokkafestival";

async function writeNote(app, text) {
  const field = await startNote(app);
  await field.sendKeys(text);
  await waitUntilSaved(app);
}

function filesIn(folder) {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

test("back up to a chosen folder, then restore the backup over the vault from Settings", async (t) => {
  const app = await launchApp(t);
  const backups = join(app.dataDir, "usb-drive");
  mkdirSync(backups);
  await vaultWithOneClient(app);
  await writeNote(app, `First session, ${MARKER} mentioned.`);

  await openSettings(app);
  const status = await app.find("[data-testid=backup-status]");
  assert.match(await status.getText(), /Backups are off/);
  // The folder is picked in the system's folder dialog; the first backup follows at once.
  app.answerDialog(backups);
  await app.click("Choose another folder…");
  await app.driver.wait(until.elementTextIs(await app.find("[data-testid=backup-folder]"), backups), 20_000);
  assert.equal(filesIn(backups).length, 1, "the first backup is made as soon as the folder is chosen");
  await app.click("Back up now");
  await app.driver.wait(until.elementLocated(By.xpath("//*[@role='status'][contains(., 'Backed up and verified')]")), 30_000);
  const backupStatus = await app.find("[data-testid=backup-status]");
  assert.match(await backupStatus.getText(), /Last backup: .*verified/);
  await app.driver.executeScript("arguments[0].scrollIntoView({ block: 'center' })", backupStatus);
  await app.screenshot("backup-settings");

  const written = filesIn(backups);
  assert.equal(written.length, 2, "the first backup and the one made now");
  // Two backups in the same second: the second gets "-2".
  for (const file of written) assert.match(file, /confidant-[0-9a-f]{8}-\d{8}T\d{6}Z(-\d+)?\.cbak$/);
  for (const file of written) {
    assert.ok(!readFileSync(file).includes(MARKER), `${file} holds note text in the clear`);
  }

  // A note written after the backup, then the backup restored over the vault.
  await app.click("Back to clients");
  await openWorkspace(app);
  await app.driver.wait(until.elementLocated(By.xpath("//*[@data-testid='client-list']//button")), 10_000).click();
  await writeNote(app, "Written after the backup.");
  await openSettings(app);
  await app.click("Restore a backup…");
  await app.find("[data-testid=backup-restore]");
  await app.type("backup-passphrase", PASSPHRASE);
  await app.click("Check this backup");
  const preview = await app.find("[data-testid=backup-preview]", 30_000);
  assert.match(await preview.getText(), /1 client, 1 note \(0 signed\)/);
  await app.driver.executeScript("arguments[0].scrollIntoView({ block: 'end' })", preview);
  await app.screenshot("backup-restore-preview");
  await app.click("Replace my vault with this backup");
  await app.driver.wait(until.elementLocated(By.xpath("//*[@role='status'][contains(., 'previous vault files were copied')]")), 30_000);
  const safety = readdirSync(join(app.dataDir, "vault")).filter((name) => name.startsWith("before-restore-"));
  assert.equal(safety.length, 1, "a safety copy of the replaced vault");

  await app.click("Back to clients");
  await openWorkspace(app);
  await app.driver.wait(until.elementLocated(By.xpath("//*[@data-testid='client-list']//button")), 10_000).click();
  const timeline = await app.find("[data-testid=timeline]");
  await app.driver.wait(async () => (await timeline.findElements(By.css("button"))).length > 0, 10_000);
  const entries = await timeline.findElements(By.xpath(".//li"));
  assert.equal(entries.length, 1, "the note written after the backup is not in the restored vault");
});

test("a lost key file: the lock screen says so and takes it back from the backup", async (t) => {
  const app = await launchApp(t);
  const backups = join(app.dataDir, "usb-drive");
  mkdirSync(backups);
  await vaultWithOneClient(app);
  await openSettings(app);
  app.answerDialog(backups);
  await app.click("Choose another folder…");
  await app.driver.wait(until.elementTextIs(await app.find("[data-testid=backup-folder]"), backups), 20_000);
  assert.equal(filesIn(backups).length, 1, "a backup was made when the folder was chosen");
  await lockWithShortcut(app);

  rmSync(join(app.dataDir, "vault", "vault.keys"));
  await app.driver.navigate().refresh();
  const problem = await app.alertText(20_000);
  assert.match(problem, /key file \(vault\.keys\) is missing/);
  await app.click("Vault damaged or key file lost? Restore from a backup");
  await app.find("[data-testid=backup-restore]");
  await app.screenshot("restore-lost-key-file");
  await app.click("Use its key file");
  await app.heading("Confidant is locked");
  await unlock(app, PASSPHRASE);
  await openWorkspace(app);
});
