// Copied note text does not linger: the clipboard is cleared after the set time
// and at once on lock — unless the therapist has since copied something else.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { By, Key } from "selenium-webdriver";
import { lockWithShortcut, vaultWithOneClient } from "./flows.mjs";
import { launchApp } from "./harness.mjs";

const run = promisify(execFile);
const NOTE_TEXT = "Talked through the argument with her sister";

/**
 * The clipboard's text on the test's display: "" only when xclip says the
 * clipboard holds no text; any other failure (no display, no xclip, a hang) is
 * an error, never an empty clipboard that would pass as "cleared".
 */
async function clipboard(display) {
  try {
    const { stdout } = await run("xclip", ["-selection", "clipboard", "-o"], { env: { ...process.env, DISPLAY: display }, timeout: 5_000 });
    return stdout;
  } catch (problem) {
    if (problem.code === 1 && /target (STRING|UTF8_STRING) not available/.test(String(problem.stderr))) return "";
    throw new Error(`reading the clipboard failed: ${problem.message}`);
  }
}

/** The number in "Locking in N s", once the idle-lock warning shows. */
async function secondsLeft(app) {
  const text = await app.driver.executeScript(`return document.querySelector("[data-testid=lock-warning]")?.textContent ?? ""`);
  const match = /Locking in (\d+) s/.exec(text);
  return match ? Number(match[1]) : null;
}

/** Another program copies `text` (xclip forks to serve it until the display ends). */
async function setClipboard(display, text) {
  await new Promise((resolve, reject) => {
    const child = spawn("xclip", ["-selection", "clipboard", "-i"], {
      env: { ...process.env, DISPLAY: display },
      stdio: ["pipe", "ignore", "ignore"],
    });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`xclip exited with ${code}`))));
    child.stdin.end(text);
  });
}

async function clipboardBecomes(app, predicate, timeout) {
  await app.driver.wait(async () => predicate(await clipboard(app.display)), timeout, "clipboard never changed as expected");
}

async function signedNote(app) {
  await vaultWithOneClient(app);
  await app.click("New note");
  await app.find("#section-subjective");
  await app.driver.findElement(By.id("section-subjective")).sendKeys(NOTE_TEXT);
  await app.click("Sign…");
  await app.type("signer-name", "Dana Reyes");
  // Only Subjective is written: the dialog warns, and this note is signed anyway.
  await app.click("Sign anyway");
  await app.find("[data-testid=signature]");
}

test("copied note text is cleared after the set time, and text copied elsewhere later is left alone", async (t) => {
  // The idle-lock countdown (30 s, so it always shows) comes from the same
  // once-a-tick loop that clears the clipboard: it tells when a tick has run.
  const app = await launchApp(t, { env: { CONFIDANT_CLIPBOARD_CLEAR_SECONDS: "3", CONFIDANT_IDLE_LOCK_SECONDS: "30" } });
  await signedNote(app);

  await app.click("Copy text");
  await clipboardBecomes(app, (text) => text.includes(NOTE_TEXT), 5_000);
  await app.find("[role=status]");
  await app.screenshot("note-copied");
  await clipboardBecomes(app, (text) => !text.includes(NOTE_TEXT), 8_000);

  await app.click("Copy text");
  await clipboardBecomes(app, (text) => text.includes(NOTE_TEXT), 5_000);
  await setClipboard(app.display, "milk, eggs, bread");
  // Wait on the app, not the clock: once its countdown has moved on 5 s, its
  // clear (due 3 s after the copy) has been checked at least once.
  await app.driver.wait(async () => (await secondsLeft(app)) !== null, 10_000, "the countdown shows");
  const left = await secondsLeft(app);
  assert.ok(left > 6, `room before the idle lock (${left} s)`);
  await app.driver.wait(async () => ((await secondsLeft(app)) ?? 99) <= left - 5, 20_000, "the app's tick ran");
  assert.equal(await clipboard(app.display), "milk, eggs, bread", "the other program's text stays");
});

test("Ctrl+C inside the window is cleared too, and locking clears the clipboard at once", async (t) => {
  // The full 30 s: only the lock may clear it within this test.
  const app = await launchApp(t);
  await signedNote(app);

  const reason = await app.find("#addendum-reason");
  await reason.sendKeys("Clarification about her sister");
  await reason.sendKeys(Key.chord(Key.CONTROL, "a"));
  // WebDriver's synthetic keys do not reach the editing commands: press Ctrl+C on
  // the X server, as a real keyboard would (the pointer gives the window focus).
  const x = { env: { ...process.env, DISPLAY: app.display } };
  await run("xdotool", ["mousemove", "640", "400"], x);
  await run("xdotool", ["key", "ctrl+c"], x);
  await clipboardBecomes(app, (text) => text === "Clarification about her sister", 5_000);

  // Cleared on lock only because the app noticed the copy (nothing else arms it).
  await lockWithShortcut(app);
  await clipboardBecomes(app, (text) => text === "", 3_000);
});
