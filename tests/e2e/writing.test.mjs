// Never lose a word, in the real app: a draft with an invalid code survives
// Ctrl+L, the idle lock, a screen lock a moment after typing, switching client,
// and a full disk during the lock; the sign dialog checks the note before it is
// locked for good, and the signed note shows every field that was signed.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { By, Key, until } from "selenium-webdriver";
import {
  PASSPHRASE,
  confirmKitAndSkipBinding,
  createVault,
  lockTheScreen,
  lockWithShortcut,
  openWorkspace,
  startNote,
  unlock,
  vaultWithOneClient,
  waitUntilSaved,
} from "./flows.mjs";
import { launchApp, sendSignal } from "./harness.mjs";

const TEXT = "Reports the panic attacks came back after the move; slept four hours most nights";

/** Types into an editor field by id (the field must be on screen). */
async function typeInto(app, id, text) {
  const field = await app.find(`#${id}`);
  await field.sendKeys(text);
  return field;
}


/** The value of an input or textarea by id, read fresh (the page may have re-rendered). */
async function valueOf(app, id) {
  return app.driver.wait(async () => {
    try {
      return await app.driver.executeScript(`return document.getElementById(arguments[0])?.value ?? null`, id);
    } catch {
      return null;
    }
  }, 15_000);
}

/** Waits until the input's value is `expected` (the editor reopens after an unlock). */
async function waitForValue(app, id, expected) {
  await app.driver.wait(async () => (await valueOf(app, id)) === expected, 15_000, `#${id} holds ${expected}`);
}

async function invalid(app, id) {
  return app.driver.executeScript(`return document.getElementById(arguments[0])?.getAttribute("aria-invalid")`, id);
}

/** A draft with Subjective typed and an invalid CPT (letter O for a zero), typed
 * in the order a therapist would, ending in the section. */
async function draftWithTypo(app) {
  await startNote(app);
  await typeInto(app, "field-service_code", "9O834");
  await typeInto(app, "section-subjective", TEXT);
}

async function afterUnlock(app) {
  await unlock(app, PASSPHRASE);
  await openWorkspace(app);
  // The unlock returns to the note that was open: no clicking around to find it.
  await waitForValue(app, "section-subjective", TEXT);
  assert.equal(await valueOf(app, "field-service_code"), "9O834", "the invalid code is kept as typed");
  await app.driver.wait(async () => (await invalid(app, "field-service_code")) === "true", 10_000, "the CPT field is marked");
  const problem = await app.find("#field-service_code-problem");
  assert.match(await problem.getText(), /A CPT code is five characters/);
}

test("an invalid CPT never stops the save: Ctrl+L, unlock, and the text and the marked field are there", async (t) => {
  const app = await launchApp(t);
  await vaultWithOneClient(app);
  await draftWithTypo(app);
  await typeInto(app, "field-diagnosis_codes", "F41.1, banana");
  // Locked at once, before the autosave's pause: the lock saves first.
  await lockWithShortcut(app);
  const lockedPage = await app.driver.getPageSource();
  assert.ok(!lockedPage.includes("panic attacks"), "nothing of the note is left in the locked page");
  await afterUnlock(app);
  assert.equal(await valueOf(app, "field-diagnosis_codes"), "F41.1, banana");
  assert.equal(await invalid(app, "field-diagnosis_codes"), "true");
  assert.match(await (await app.find("[data-testid=to-fix]")).getText(), /2 fields to check before signing/);
  await app.screenshot("draft-invalid-code-kept");

  // Signing is what the problem blocks: the dialog names it and leads to the field.
  await app.click("Sign…");
  const problems = await app.find("[data-testid=sign-problems]");
  assert.match(await problems.getText(), /A CPT code is five characters/);
  await app.click("Show me");
  await app.driver.wait(
    async () => (await app.driver.executeScript("return document.activeElement?.id")) === "field-service_code",
    5_000,
    "focus goes to the first field to fix",
  );
});

test("the idle lock saves the draft first and the warning says so", async (t) => {
  const app = await launchApp(t, { env: { CONFIDANT_IDLE_LOCK_SECONDS: "35" } });
  await vaultWithOneClient(app);
  await draftWithTypo(app);
  const warning = await app.find("[data-testid=lock-warning]", 40_000);
  await app.driver.wait(until.elementTextContains(warning, "Your draft is saved."), 10_000);
  await app.screenshot("lock-warning-draft");
  await app.heading("Confidant is locked", 40_000);
  await afterUnlock(app);
});

test("a screen lock a moment after typing: the last words are saved before the vault locks", async (t) => {
  const app = await launchApp(t, { sessionBus: true });
  await vaultWithOneClient(app);
  // The screen-lock watcher subscribes in the background: signal until it locks
  // once, so the signal below is heard at once.
  await lockTheScreen(app);
  await unlock(app, PASSPHRASE);
  await openWorkspace(app);
  await app.click("New note");
  await typeInto(app, "field-service_code", "9O834");
  await typeInto(app, "section-subjective", TEXT);
  // Well inside the autosave's pause: only the lock's own save can keep this.
  // (The watcher is known to listen: the first lock above came from a signal.)
  await sendSignal(app.busAddress, "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver.ActiveChanged", "boolean:true");
  await app.heading("Confidant is locked", 15_000);
  await afterUnlock(app);
});

test("switching to another client saves first; coming back, the draft is as it was", async (t) => {
  const app = await launchApp(t);
  await vaultWithOneClient(app);
  await app.click("New client");
  await app.type("new-client-code", "C-0002");
  await app.click("Add client");
  await app.driver.wait(until.elementTextIs(await app.find("[data-testid=chart-code]"), "C-0002"), 10_000);
  await app.driver.findElement(By.xpath("//*[@data-testid='client-list']//button[contains(., 'C-0001')]")).click();
  await app.driver.wait(until.elementTextIs(await app.find("[data-testid=chart-code]"), "C-0001"), 10_000);
  await draftWithTypo(app);
  // Straight to the other client, before the autosave's pause.
  await app.driver.findElement(By.xpath("//*[@data-testid='client-list']//button[contains(., 'C-0002')]")).click();
  await app.driver.wait(until.elementTextIs(await app.find("[data-testid=chart-code]"), "C-0002"), 10_000);
  await app.driver.findElement(By.xpath("//*[@data-testid='client-list']//button[contains(., 'C-0001')]")).click();
  const entry = await app.driver.wait(
    until.elementLocated(By.xpath("//*[@data-testid='timeline']//button[contains(., 'Draft')]")),
    10_000,
  );
  assert.match(await entry.getText(), /Progress note · SOAP/);
  await entry.click();
  await waitForValue(app, "section-subjective", TEXT);
  assert.equal(await valueOf(app, "field-service_code"), "9O834");
});

/** A small tmpfs of its own for the vault, so the disk can really fill up. */
function smallDisk(t, megabytes) {
  const mountPoint = join("/tmp", `confidant-e2e-full-${process.pid}-${Date.now()}`);
  mkdirSync(mountPoint);
  // Fails loudly where a tmpfs cannot be mounted (not root): this test must run in CI.
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${megabytes}m`, "tmpfs", mountPoint]);
  t.after(() => {
    try {
      execFileSync("umount", ["-l", mountPoint]);
    } catch {
      // Already gone.
    }
    rmSync(mountPoint, { recursive: true, force: true });
  });
  return mountPoint;
}

/** Fills the disk at `folder` to the last byte with a file; returns its path. */
function fill(folder) {
  const filler = join(folder, "filler.bin");
  try {
    execFileSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=64k"], { stdio: "ignore" });
  } catch {
    // dd stops with "No space left on device": that is the point.
  }
  // Whatever is left below a block.
  for (let attempt = 0; attempt < 64; attempt += 1) {
    try {
      writeFileSync(join(folder, `crumb-${attempt}`), Buffer.alloc(512));
    } catch {
      break;
    }
  }
  return filler;
}

test("a full disk during the lock: the text is kept encrypted and offered back at the next unlock", async (t) => {
  const disk = smallDisk(t, 24);
  const vault = join(disk, "vault");
  const app = await launchApp(t, { env: { CONFIDANT_VAULT: vault } });
  const groups = await createVault(app);
  await confirmKitAndSkipBinding(app, groups);
  await app.click("New client");
  await app.click("Add client");
  await app.click("New note");
  await typeInto(app, "section-subjective", "Before the disk filled up. ");
  await waitUntilSaved(app);

  const filler = fill(disk);
  // A long paste: more than the database's journal can take without growing.
  const pasted = `${TEXT}. `.repeat(3000);
  await app.driver.executeScript(
    `const area = document.getElementById("section-subjective");
     area.value += arguments[0];
     area.dispatchEvent(new Event("input", { bubbles: true }));`,
    pasted,
  );
  await app.driver.wait(
    until.elementTextMatches(await app.find("[data-testid=save-state]"), /Not saved yet: the disk is full/),
    20_000,
  );
  await app.screenshot("draft-disk-full");
  await lockWithShortcut(app);

  // Nothing readable reached the disk: the vault folder holds no word of it.
  for (const name of execFileSync("ls", ["-A", vault], { encoding: "utf8" }).split("\n").filter(Boolean)) {
    const bytes = execFileSync("cat", [join(vault, name)]);
    assert.ok(!bytes.includes("panic attacks"), `${name} holds the note's text in the clear`);
  }
  rmSync(filler);
  execFileSync("sh", ["-c", `rm -f ${disk}/crumb-*`]);

  await unlock(app, PASSPHRASE);
  await openWorkspace(app);
  const rescued = await app.find("[data-testid=rescued]", 15_000);
  assert.match(await rescued.getText(), /1 draft had text that could not be saved before the last lock/);
  await waitForValue(app, "section-subjective", `Before the disk filled up. ${pasted}`);
  await app.screenshot("draft-rescued-after-unlock");
});

test("the sign dialog: a SOAP note with only Subjective and 90834 at 20 minutes shows the warnings", async (t) => {
  const app = await launchApp(t);
  await vaultWithOneClient(app);
  await app.click("New note");
  await typeInto(app, "field-duration_minutes", "20");
  await typeInto(app, "field-service_code", "90834");
  await typeInto(app, "section-subjective", TEXT);
  await app.driver.actions().keyDown(Key.CONTROL).sendKeys("s").keyUp(Key.CONTROL).perform();
  const warnings = await app.find("[data-testid=sign-warnings]");
  const text = await warnings.getText();
  for (const expected of [
    "Objective is empty.",
    "Assessment is empty.",
    "Plan is empty.",
    "90834 is for sessions of 38–52 minutes; this one lasted 20. For 20 minutes the code is 90832.",
    "The risk screening is unanswered.",
  ]) {
    assert.ok(text.includes(expected), `missing warning: ${expected}\n${text}`);
  }
  await app.type("signer-name", "Dana Reyes");
  await app.type("signer-credentials", "PsyD");
  await app.screenshot("sign-dialog-warnings");
  await app.click("Go back to the note");
  await app.driver.wait(async () => (await app.driver.findElements(By.css("[data-testid=sign-dialog]"))).length === 0, 5_000);

  // Completed, the same note signs without a warning, and shows what was signed.
  await typeInto(app, "section-objective", "Alert, anxious affect.");
  await typeInto(app, "section-assessment", "Panic symptoms returning with the move.");
  await typeInto(app, "section-plan", "Weekly sessions; interoceptive exposure.");
  const minutes = await app.find("#field-duration_minutes");
  await minutes.clear();
  await minutes.sendKeys("45");
  await app.driver.executeScript(
    `const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
     const start = document.getElementById("field-start_time");
     set.call(start, "14:00");
     start.dispatchEvent(new Event("input", { bubbles: true }));
     start.dispatchEvent(new Event("change", { bubbles: true }));`,
  );
  await typeInto(app, "field-diagnosis_codes", "f41.0");
  await app.driver.findElement(By.css("#field-modality option[value=video]")).click();
  // Open the risk screening. "Go back to the note" may open it too, a moment
  // later: a click on the summary would toggle it shut again, so set it open.
  for (const field of ["suicidal_ideation", "homicidal_ideation", "self_harm", "substance_use", "abuse_or_neglect", "safety_plan"]) {
    await app.driver.executeScript(`document.querySelector("details.risk").open = true`);
    await app.driver.wait(until.elementIsVisible(await app.find(`#risk-${field}`)), 5_000);
    await typeInto(app, `risk-${field}`, field === "safety_plan" ? "not needed" : "denied");
  }
  await app.click("Sign…");
  await app.click("Sign and lock");
  const signed = await app.find("[data-testid=signed-fields]");
  const fields = (await signed.getText()).replace(/\s+/g, " ");
  for (const expected of ["Start 14:00", "Minutes 45", "Modality Video", "CPT 90834", "ICD-10 F41.0"]) {
    assert.ok(fields.includes(expected), `the signed note shows ${JSON.stringify(expected)}: ${fields}`);
  }
  assert.match(await (await app.find("[data-testid=signed-risk]")).getText(), /Safety plan: not needed/);
  assert.match(await (await app.find("[data-testid=signature]")).getText(), /^Signed by Dana Reyes, PsyD at /);
  await app.screenshot("note-signed-all-fields");
});
