// The promises docs/security.md and the user guide make, each checked on the
// real app the way it could break: activity keeps the vault open, sleep and quit
// lock it (quit backs up first), a kill -9 mid-note loses nothing that said
// "Saved", device binding works with a real Secret Service, core dumps are off
// in the app, and no record text is anywhere on disk outside encrypted files.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync, watch, writeFileSync, rmSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { By, Key, until } from "selenium-webdriver";
import {
  PASSPHRASE,
  confirmKitAndSkipBinding,
  createVault,
  isLocked,
  lockWithShortcut,
  openSettings,
  openWorkspace,
  signalUntilLocked,
  startNote,
  unlock,
  vaultWithOneClient,
  waitUntilSaved,
} from "./flows.mjs";
import { appPid, launchApp, repoRoot } from "./harness.mjs";

const run = promisify(execFile);

/** The number in "Locking in N s — …", or null while no warning shows. */
async function secondsLeft(app) {
  const text = await app.driver.executeScript(`return document.querySelector("[data-testid=lock-warning]")?.textContent ?? null`);
  const match = /Locking in (\d+) s/.exec(text ?? "");
  return match ? Number(match[1]) : null;
}

/** Marks the page's memory; `pageWasReloaded` then tells a reload from a re-render. */
async function markPage(app) {
  await app.driver.executeScript("window.__confidantMark = 'before the lock'");
}

async function pageWasReloaded(app) {
  return app.driver.executeScript("return window.__confidantMark === undefined");
}

/** Opens the first client's only note after an unlock; resolves to its Subjective. */
async function openOnlyNote(app) {
  await app.driver.wait(until.elementLocated(By.xpath("//*[@data-testid='client-list']//button")), 10_000).click();
  const entry = await app.driver.wait(until.elementLocated(By.xpath("//*[@data-testid='timeline']//button")), 10_000);
  await entry.click();
  return app.find("#section-subjective");
}

/** Waits until the app's process has ended (it saves, locks and backs up first). */
async function appQuits(app, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  while (appPid(app.vaultDir) !== null) {
    assert.ok(Date.now() < deadline, `the app did not quit within ${timeout} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function activityShows(app, text) {
  await app.driver.wait(
    until.elementLocated(By.xpath(`//*[@data-testid='activity']//span[text()='${text}']`)),
    10_000,
    `the activity list shows "${text}"`,
  );
}

test("moving the mouse or pressing a key keeps the vault open; idle, it locks and reloads the page", async (t) => {
  const app = await launchApp(t, { env: { CONFIDANT_IDLE_LOCK_SECONDS: "12" } });
  const code = await vaultWithOneClient(app);
  const x = { env: { ...process.env, DISPLAY: app.display } };

  // Wait until little is left, then the mouse moves (on the X server, as a hand would).
  await app.driver.wait(async () => ((await secondsLeft(app)) ?? 99) <= 5, 20_000, "the countdown runs");
  await run("xdotool", ["mousemove", "300", "300"], x);
  await run("xdotool", ["mousemove", "320", "340"], x);
  await app.driver.wait(async () => ((await secondsLeft(app)) ?? 0) >= 9, 5_000, "the mouse restarted the clock");

  // Again with a key, once the first deadline is long past.
  await app.driver.wait(async () => ((await secondsLeft(app)) ?? 99) <= 4, 20_000, "the countdown runs again");
  await app.driver.actions().sendKeys(Key.SHIFT).perform();
  await app.driver.wait(async () => ((await secondsLeft(app)) ?? 0) >= 9, 5_000, "the key restarted the clock");
  assert.ok(!(await isLocked(app)), "still unlocked");
  assert.ok((await app.driver.getPageSource()).includes(code), "still at work on the chart");

  // Left alone, it locks; the page is reloaded, so nothing of it stays in memory.
  await markPage(app);
  await app.heading("Confidant is locked", 30_000);
  assert.ok(await pageWasReloaded(app), "the lock reloaded the page (a re-render would keep its memory)");
  assert.ok(!(await app.driver.getPageSource()).includes(code));
});

test("the computer going to sleep locks the vault and reloads the page", async (t) => {
  const app = await launchApp(t, { systemBus: true });
  await vaultWithOneClient(app);
  await markPage(app);
  await signalUntilLocked(app, app.systemBusAddress, "/org/freedesktop/login1", "org.freedesktop.login1.Manager.PrepareForSleep");
  assert.ok(await pageWasReloaded(app), "the lock reloaded the page");
  await unlock(app, PASSPHRASE);
  await openWorkspace(app);
  await openSettings(app);
  await activityShows(app, "Vault locked when the computer slept");
});

test("quitting saves the note being typed, backs up and locks", async (t) => {
  const first = await launchApp(t);
  const groups = await createVault(first);
  await confirmKitAndSkipBinding(first, groups, { backups: true });
  await first.click("New client");
  await first.click("Add client");
  await first.find("[data-testid=chart-code]");
  const backups = join(first.home, "Confidant backups");
  const before = readdirSync(backups).length;
  const field = await startNote(first);
  await field.sendKeys("Typed just before closing the window");
  // Closed at once, before the autosave could run: quitting itself must save.
  await run("/usr/bin/python3", [join(repoRoot, "tests/e2e/close-window.py")], { env: { ...process.env, DISPLAY: first.display } });
  await appQuits(first);
  assert.equal(readdirSync(backups).filter((name) => name.endsWith(".cbak")).length, before + 1, "quitting made a backup");
  await first.stop({ keepData: true });

  const again = await launchApp(t, { reuse: first.dataDir });
  await unlock(again, PASSPHRASE);
  await openWorkspace(again);
  const kept = await openOnlyNote(again);
  assert.equal(await kept.getAttribute("value"), "Typed just before closing the window", "quitting saved the note");
  await openSettings(again);
  await activityShows(again, "Vault locked on quit");
});

test("kill -9 of the app while typing loses nothing that said Saved", async (t) => {
  const first = await launchApp(t);
  await vaultWithOneClient(first);
  const field = await startNote(first);
  let saved = "";
  for (let round = 1; round <= 4; round += 1) {
    await field.sendKeys(` round ${round} words`);
    await waitUntilSaved(first);
    saved = await field.getAttribute("value");
  }
  // More typing, and the app is killed while it may be saving it.
  await field.sendKeys(" and these last words may be lost");
  process.kill(first.pid(), "SIGKILL");
  await first.stop({ keepData: true });

  const again = await launchApp(t, { reuse: first.dataDir });
  await unlock(again, PASSPHRASE);
  await openWorkspace(again);
  const text = await (await openOnlyNote(again)).getAttribute("value");
  assert.ok(text.startsWith(saved), `everything that said Saved is back: ${JSON.stringify(text)} vs ${JSON.stringify(saved)}`);
});

test("with a real keychain, Bind to this computer works and the bound vault unlocks", async (t) => {
  const app = await launchApp(t, { keychain: true });
  const groups = await createVault(app);
  await app.type("last-group", groups[8]);
  await app.click("I have saved it — continue");
  await app.heading("Bind the vault to this computer?");
  await app.click("Bind to this computer (recommended)");
  await app.heading("Where should backups go?", 30_000);
  await app.click("Not now — remind me");
  await openWorkspace(app);
  await openSettings(app);
  await activityShows(app, "Device binding changed");
  const vaultKeys = JSON.parse(readFileSync(join(app.vaultDir, "vault.keys"), "utf8"));
  assert.ok(vaultKeys.slots.find((slot) => slot.kind === "passphrase").device_bound, "vault.keys says bound");
  await lockWithShortcut(app);
  await unlock(app, PASSPHRASE);
  await openWorkspace(app);
});

test("core dumps are off in the running app", async (t) => {
  const app = await launchApp(t);
  await app.heading("Create your vault");
  const limits = readFileSync(`/proc/${app.pid()}/limits`, "utf8");
  const core = limits.split("\n").find((line) => line.startsWith("Max core file size"));
  assert.match(core, /^Max core file size\s+0\s+0\s/, core);
});

// ---- no plaintext anywhere ----------------------------------------------------

/** Every encoding a marker might take on disk. */
function encodings(marker) {
  const utf8 = Buffer.from(marker, "utf8");
  const forms = [
    ["UTF-8", utf8],
    ["UTF-16LE", Buffer.from(marker, "utf16le")],
    ["UTF-16BE", Buffer.from(marker, "utf16le").swap16()],
  ];
  // base64 of the marker at each of the three alignments inside a longer text.
  for (let shift = 0; shift < 3; shift += 1) {
    const encoded = Buffer.concat([Buffer.alloc(shift, 0x20), utf8]).toString("base64");
    // Drop the characters that depend on the bytes before and after.
    const start = shift === 0 ? 0 : Math.ceil((shift * 4) / 3) + 1;
    forms.push([`base64+${shift}`, Buffer.from(encoded.slice(start, encoded.length - 4))]);
  }
  return forms;
}

function filesUnder(folder) {
  const files = [];
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.push(join(entry.parentPath ?? entry.path, entry.name));
  }
  return files;
}

/** Where each marker shows in any file under `folder`: ["file: marker (encoding)"]. */
function findMarkers(folder, markers) {
  const found = [];
  for (const file of filesUnder(folder)) {
    let bytes;
    try {
      bytes = readFileSync(file);
    } catch {
      continue; // a socket or a file removed meanwhile
    }
    for (const marker of markers) {
      for (const [name, form] of encodings(marker)) {
        if (form.length >= 8 && bytes.includes(form)) found.push(`${file}: ${marker} (${name})`);
      }
    }
  }
  return found;
}

test("after a full day's work, no record text is on disk outside encrypted files (the scan finds it in the clear)", async (t) => {
  const NAME = "Quillonwhisker";
  const NOTE = "Zephyrquandary";
  const ADDENDUM = "Marmaladecrux";
  const markers = [NAME, NOTE, ADDENDUM];
  const app = await launchApp(t);

  // The scan works: it finds each marker in each encoding in a control file.
  const control = join(app.dataDir, "control");
  mkdirSync(control);
  for (const [name, form] of encodings(NOTE)) writeFileSync(join(control, name), Buffer.concat([Buffer.from("xx"), form]));
  assert.equal(findMarkers(control, [NOTE]).length, encodings(NOTE).length, "every encoding found in the control");
  rmSync(control, { recursive: true });

  // Anything the app creates in its temp folder is recorded, however briefly it lives.
  const created = [];
  const watcher = watch(app.tempDir, { recursive: true }, (_event, name) => name && created.push(name));
  t.after(() => watcher.close());

  const groups = await createVault(app);
  await confirmKitAndSkipBinding(app, groups, { backups: true });
  await app.click("New client");
  await app.click("Add client");
  await app.find("[data-testid=chart-code]");
  await app.click("Edit details");
  await app.type("client-name", `Ada ${NAME}`);
  await app.click("Save details");
  const field = await startNote(app);
  await field.sendKeys(`Talked about the ${NOTE} at work.`);
  await app.click("Sign…");
  await app.type("signer-name", "Dana Reyes");
  await app.click("Sign anyway");
  await app.find("[data-testid=signature]");
  await app.type("addendum-reason", `Clarified the ${ADDENDUM}`);
  await app.type("addendum-text", `More on the ${ADDENDUM}.`);
  await app.click("Add addendum");
  await app.driver.wait(until.elementLocated(By.xpath(`//*[contains(text(), 'More on the ${ADDENDUM}')]`)), 10_000);
  await app.click("Copy text");
  // Search reads the index.
  await app.driver.actions().keyDown(Key.CONTROL).sendKeys("k").keyUp(Key.CONTROL).perform();
  await (await app.find("[role=combobox]")).sendKeys(NOTE);
  await app.find("[data-testid=search-results] li", 10_000);
  await app.driver.actions().sendKeys(Key.ESCAPE).perform();

  // An encrypted export, and a backup.
  await app.click("Export…");
  await app.find("[data-testid=export-dialog]");
  await app.type("export-recipient", "Dr. Sam Lee");
  await app.driver.findElement(By.xpath("//fieldset[@data-testid='client-informed']//label[contains(., 'Yes')]/input")).click();
  app.answerDialog(join(app.dataDir, "export.confidant"));
  await app.click("Encrypt and save…");
  await app.find("[data-testid=export-done]", 30_000);
  await app.click("Done");
  await openSettings(app);
  await app.click("Back up now");
  await app.driver.wait(until.elementLocated(By.xpath("//*[@role='status'][contains(., 'Backed up and verified')]")), 30_000);

  // The WAL holds the day's writes until a checkpoint: scan with the app still open...
  assert.ok(statSync(join(app.vaultDir, "vault.db-wal")).size > 0, "the scan sees a live WAL");
  assert.deepEqual(findMarkers(app.dataDir, markers), [], "record text in the clear while the app runs");
  // ...and after it locks and quits.
  await lockWithShortcut(app);
  await run("/usr/bin/python3", [join(repoRoot, "tests/e2e/close-window.py")], { env: { ...process.env, DISPLAY: app.display } });
  await appQuits(app);
  const everything = filesUnder(app.dataDir);
  assert.ok(everything.some((file) => file.includes("/.local/share/")), "WebKit's data folders are part of the scan");
  assert.ok(everything.some((file) => file.endsWith(".cbak")) && everything.some((file) => file.endsWith(".confidant")));
  assert.deepEqual(findMarkers(app.dataDir, markers), [], "record text in the clear after quitting");
  assert.deepEqual(created, [], "the app wrote nothing to its temp folder");
});
