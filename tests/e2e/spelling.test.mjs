// Spell check while writing: a misspelt word is underlined, corrected from the
// bar below the section; a word added to the dictionary is kept inside the vault
// — the home folder (WebKit's data included) holds it nowhere, in UTF-8 or UTF-16.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { By, until } from "selenium-webdriver";
import { lockWithShortcut, vaultWithOneClient, waitUntilSaved } from "./flows.mjs";
import { launchApp } from "./harness.mjs";

const NAME = "Zorblattine";

/** Files under `folder` whose bytes hold `marker` as UTF-8 or UTF-16 (either byte order). */
function filesHolding(folder, marker) {
  const needles = [Buffer.from(marker, "utf8"), Buffer.from(marker, "utf16le"), Buffer.from(marker, "utf16le").swap16()];
  const found = [];
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    let bytes;
    try {
      bytes = readFileSync(path);
    } catch {
      continue;
    }
    if (needles.some((needle) => bytes.includes(needle))) found.push(path);
  }
  return found;
}

/** The words drawn underlined (really: the computed style says so) in Subjective. */
async function underlined(app) {
  return app.driver.executeScript(
    `return [...document.querySelectorAll("#section-subjective")].flatMap((area) =>
       [...area.parentElement.querySelectorAll("[data-testid=spelling-layer]:not(.stale) mark")]
         .filter((mark) => getComputedStyle(mark).textDecorationLine.includes("underline"))
         .map((mark) => mark.textContent));`,
  );
}

/** Puts the cursor inside `word` in the Subjective section. */
async function caretInto(app, word) {
  await app.driver.executeScript(
    `const area = document.getElementById("section-subjective");
     const at = area.value.indexOf(arguments[0]) + 2;
     area.focus();
     area.setSelectionRange(at, at);
     area.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));`,
    word,
  );
}

test("the scan finds the marker where it is written in the clear (the control)", () => {
  const folder = mkdtempSync(join(tmpdir(), "confidant-scan-control-"));
  writeFileSync(join(folder, "utf16.bin"), Buffer.from(`…${NAME}…`, "utf16le"));
  writeFileSync(join(folder, "utf8.txt"), `x ${NAME} y`);
  writeFileSync(join(folder, "other.txt"), "nothing here");
  assert.equal(filesHolding(folder, NAME).length, 2);
  rmSync(folder, { recursive: true, force: true });
});

test("spell check underlines, corrects, and keeps added words inside the vault", async (t) => {
  const app = await launchApp(t);
  await vaultWithOneClient(app);
  await app.click("New note");
  const area = await app.find("#section-subjective");
  await area.sendKeys(`Client reports anxeity at work; her partner ${NAME} came along. Discussed psychoeducation and sertraline.`);
  await app.driver.wait(async () => (await underlined(app)).length === 2, 15_000, "two words underlined");
  assert.deepEqual(await underlined(app), ["anxeity", NAME], "clinical and medical words are not flagged");
  await caretInto(app, "anxeity");
  const bar = await app.find("[data-testid=spelling-bar]");
  await app.driver.wait(until.elementTextContains(bar, "anxiety"), 10_000);
  await app.screenshot("spell-check");
  await bar.findElement(By.xpath(".//button[normalize-space()='anxiety']")).click();
  await app.driver.wait(async () => (await area.getAttribute("value")).includes("reports anxiety at work"), 5_000);

  await caretInto(app, NAME);
  await app.click("Add to my dictionary");
  await app.driver.wait(async () => (await underlined(app)).length === 0, 15_000, "the added word is no longer underlined");
  await waitUntilSaved(app);
  await lockWithShortcut(app);

  // The word (a name) is in the vault's encrypted database only.
  assert.deepEqual(filesHolding(app.home, NAME), [], "a file in HOME holds the added word in the clear");
  assert.deepEqual(filesHolding(app.vaultDir, NAME), [], "a file in the vault folder holds it in the clear");
});
