// Handing a file over in the real app: export a client's record as an encrypted
// file with a generated passphrase, save the chart as PDF, then import the file
// back (its code is taken, so under a new one) — and a damaged file is refused.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { By, until } from "selenium-webdriver";
import { vaultWithOneClient } from "./flows.mjs";
import { launchApp } from "./harness.mjs";

const run = promisify(execFile);
const NOTE_TEXT = "Agreed on a gradual return to work";

async function setField(app, id, text) {
  const input = await app.find(`#${id}`);
  await input.clear();
  await input.sendKeys(text);
}

test("export with a generated passphrase, save the chart as PDF, import it back; a damaged file is refused", async (t) => {
  const app = await launchApp(t);
  await vaultWithOneClient(app);
  await app.click("New note");
  await app.find("#section-subjective");
  await app.driver.findElement(By.id("section-subjective")).sendKeys(NOTE_TEXT);
  await app.click("Sign…");
  await app.type("signer-name", "Dana Reyes");
  // Only Subjective is written: the dialog warns, and this note is signed anyway.
  await app.click("Sign anyway");
  await app.find("[data-testid=signature]");

  // Export.
  await app.click("Export…");
  await app.find("[data-testid=export-dialog]");
  const exportPath = join(app.dataDir, "C-0001.confidant");
  await setField(app, "export-recipient", "Dr. Sam Lee");
  await app.driver.findElement(By.xpath("//fieldset[@data-testid='client-informed']//label[contains(., 'Yes')]/input")).click();
  await app.screenshot("export-dialog");
  // Export asks where to save in the system's save dialog, with a name for the file.
  app.answerDialog(exportPath);
  await app.click("Encrypt and save…");
  await app.find("[data-testid=export-done]", 30_000);
  const words = (await (await app.find("[data-testid=generated-passphrase]")).getText()).trim();
  assert.equal(words.split(" ").length, 7, "a seven-word passphrase to send separately");
  await app.screenshot("export-done");
  assert.deepEqual(app.lastDialog(), {
    kind: "save_file",
    title: "Save the encrypted file",
    file_name: `C-0001-${new Date().toLocaleDateString("sv")}.confidant`,
  });
  const file = readFileSync(exportPath);
  assert.ok(file.subarray(0, 19).toString() === "age-encryption.org/", "an age file");
  assert.ok(!file.includes(Buffer.from(NOTE_TEXT)), "no plaintext in it");
  await app.click("Done");
  // The export is a disclosure in the chart.
  await app.driver.wait(until.elementLocated(By.xpath("//*[contains(., 'Dr. Sam Lee')]")), 10_000);

  // Save the chart as PDF (not encrypted, where the therapist chose).
  await app.click("Save chart as PDF…");
  const pdfPath = join(app.dataDir, "chart.pdf");
  await app.find("[data-testid=print-dialog]");
  await app.screenshot("print-dialog");
  app.answerDialog(pdfPath);
  await app.click("Save PDF…");
  const printed = await app.find("[data-testid=print-done]", 20_000);
  assert.match(await printed.getText(), new RegExp(`Saved ${pdfPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  assert.equal((await app.driver.findElements(By.css("[data-testid=print-unprintable]"))).length, 0, "all of it prints");
  assert.ok(existsSync(pdfPath));
  const { stdout } = await run("pdftotext", [pdfPath, "-"]);
  assert.match(stdout, new RegExp(NOTE_TEXT));
  await app.click("Done");

  // A damaged copy is refused with a plain message.
  const damaged = Buffer.from(file);
  damaged[damaged.length - 30] ^= 1;
  const damagedPath = join(app.dataDir, "damaged.confidant");
  writeFileSync(damagedPath, damaged);
  await app.click("Import…");
  app.answerDialog(damagedPath);
  await app.click("Choose the file…");
  // The file says how it opens: with a passphrase (typed here with stray spaces, as read out over the phone).
  await app.driver.wait(until.elementTextContains(await app.find("[data-testid=import-dialog]"), "opens with the passphrase"), 10_000);
  await setField(app, "import-passphrase", ` ${words.split(" ").join("  ")} `);
  await app.click("Open and check");
  const alert = await app.find("[data-testid=import-dialog] [role=alert]", 20_000);
  assert.match(await alert.getText(), /damaged or incomplete/);

  // The real file: previewed, then imported under a new code (C-0001 is taken).
  app.answerDialog(exportPath);
  await app.click("Choose another file…");
  await app.driver.wait(until.elementTextContains(await app.find("[data-testid=import-file]"), "C-0001.confidant"), 10_000);
  await app.click("Open and check");
  const preview = await app.find("[data-testid=import-preview]", 20_000);
  assert.match(await preview.getText(), /C-0001/);
  assert.match(await preview.getText(), /1 \(1 signed, 0 drafts\)/);
  await setField(app, "import-code", "T-0001");
  await app.screenshot("import-preview");
  await app.click("Import as T-0001");
  await app.driver.wait(until.elementTextIs(await app.find("[data-testid=chart-code]"), "T-0001"), 20_000);
  const entry = await app.driver.wait(
    until.elementLocated(By.xpath("//*[@data-testid='timeline']//button[contains(., 'Signed')]")),
    10_000,
  );
  // The timeline and the note say where it came from; the original signature stands.
  assert.match(await entry.getText(), /Imported/);
  await entry.click();
  const note = await app.find("[data-testid=note]");
  await app.driver.wait(until.elementTextContains(note, NOTE_TEXT), 10_000);
  assert.match(await note.getText(), /Signed by Dana Reyes/);
  assert.match(
    await (await app.find("[data-testid=imported-from]")).getText(),
    /Imported with a transfer file from another vault \(C-0001, exported \d{4}-\d\d-\d\d \d\d:\d\d UTC by Confidant [\d.]+\): signed there/,
  );
  await app.screenshot("imported-note");
});
