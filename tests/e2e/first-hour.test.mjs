// The first hour, as a new therapist lives it: create the vault, save the
// recovery kit where she chooses, and backups going from the first minute to a
// folder Confidant made — then the first client and the first note.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { until } from "selenium-webdriver";
import { createVault, openWorkspace } from "./flows.mjs";
import { launchApp } from "./harness.mjs";

test("first hour: the kit saved where she chose, and backups on from the first day in a folder Confidant made", async (t) => {
  const app = await launchApp(t);
  const groups = await createVault(app);

  // The recovery kit goes where she says, through the system's save dialog.
  const kit = join(app.home, "Desktop-kit.txt");
  app.answerDialog(kit);
  await app.click("Save as text file…");
  await app.driver.wait(until.elementLocated({ xpath: "//*[@role='status'][contains(., 'Saved to')]" }), 10_000);
  assert.deepEqual(app.lastDialog(), { kind: "save_file", title: "Save the recovery kit", file_name: "Confidant recovery kit.txt" });
  assert.ok(readFileSync(kit, "utf8").includes(groups.join("-")), "the kit holds the recovery key");
  assert.equal(statSync(kit).mode & 0o777, 0o600, "only she can read it");
  // Cancelling the dialog saves nothing and says nothing went wrong.
  app.answerDialog(null);
  await app.click("Save as text file…");
  assert.equal((await app.driver.findElements({ css: "[role=alert]" })).length, 0);

  await app.type("last-group", groups[8]);
  await app.click("I have saved it — continue");
  await app.heading("Bind the vault to this computer?");
  await app.click("Not now");

  // Backups: a folder proposed, made, and the first backup written and checked.
  await app.heading("Where should backups go?");
  const suggested = await (await app.find("[data-testid=suggested-folder]")).getText();
  assert.equal(suggested, join(app.home, "Confidant backups"), "no external drive here: the home folder");
  await app.screenshot("onboarding-backups");
  await app.click("Use this folder");
  const done = await app.find("[data-testid=backup-setup-done]", 30_000);
  assert.match(await done.getText(), /The first one is made and verified/);
  const backups = readdirSync(suggested).filter((name) => name.endsWith(".cbak"));
  assert.equal(backups.length, 1, "one verified backup from the first minute");
  await app.click("Continue to your clients");
  await openWorkspace(app);
  assert.equal((await app.driver.findElements({ css: "[data-testid=backup-reminder]" })).length, 0, "nothing to remind her of");

  await app.click("New client");
  await app.type("new-client-name", "Maria Gonzalez");
  await app.click("Add client");
  const code = await (await app.find("[data-testid=chart-code]")).getText();
  assert.equal(code, "C-0001", "discreet mode: the code, not the name, in the chart header");
  await app.click("Show names");
  await app.driver.wait(until.elementTextContains(await app.find("[data-testid=chart-code]"), "Maria Gonzalez"), 5_000);
  await app.screenshot("first-client-names-shown");
  await app.click("Hide names");
  await app.driver.wait(async () => !(await (await app.find("[data-testid=chart-code]")).getText()).includes("Maria"), 5_000);

  // A second guess through another door: the page itself calling Rust with a
  // path nobody picked in a dialog is refused (no file-system reach).
  for (const [command, args] of [
    ["transfer_import_preview", { path: "/etc/hostname", unlock: { kind: "identity" } }],
    ["backup_restore_key_file", { path: join(suggested, backups[0]) + ".copy" }],
    ["backup_folder_use_suggestion", { path: "/tmp" }],
  ]) {
    const outcome = await app.driver.executeAsyncScript(
      `const done = arguments[arguments.length - 1];
       window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(() => done("accepted"), (error) => done(error.code ?? String(error)));`,
      command,
      args,
    );
    assert.equal(outcome, "file_not_chosen", `${command} took a path nobody chose`);
  }
  // Nor can it open a file dialog through the dialog plugin Rust uses.
  const dialog = await app.driver.executeAsyncScript(
    `const done = arguments[arguments.length - 1];
     window.__TAURI_INTERNALS__.invoke("plugin:dialog|open", { options: {} }).then(() => done("accepted"), (error) => done(String(error)));`,
  );
  assert.notEqual(dialog, "accepted");
  assert.match(dialog, /not allowed/i);
});

test("without backups set up, the workspace keeps a calm reminder", async (t) => {
  const app = await launchApp(t);
  const groups = await createVault(app);
  await app.type("last-group", groups[8]);
  await app.click("I have saved it — continue");
  await app.heading("Bind the vault to this computer?");
  await app.click("Not now");
  await app.click("Not now — remind me");
  await openWorkspace(app);
  const reminder = await app.find("[data-testid=backup-reminder]");
  assert.match(await reminder.getText(), /Nothing is backed up yet/);
  await app.screenshot("backup-reminder");
  await app.click("Set up backups");
  await app.heading("Settings and activity");
  const folder = join(app.dataDir, "usb-drive");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(folder);
  app.answerDialog(folder);
  await app.click("Choose another folder…");
  await app.driver.wait(until.elementTextIs(await app.find("[data-testid=backup-folder]"), folder), 20_000);
  await app.click("Back to clients");
  await openWorkspace(app);
  assert.equal((await app.driver.findElements({ css: "[data-testid=backup-reminder]" })).length, 0, "the reminder is gone");
});
