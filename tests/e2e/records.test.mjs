// The therapist's day in the real app: a client, a SOAP note that autosaves, a
// signature, an addendum — and after locking, nothing of it left in the page.
import assert from "node:assert/strict";
import { test } from "node:test";
import { By, Key, until } from "selenium-webdriver";
import { PASSPHRASE, lockWithShortcut, openWorkspace, unlock, vaultWithOneClient, waitUntilSaved } from "./flows.mjs";
import { launchApp } from "./harness.mjs";

const NOTE_TEXT = "Reports sleeping better since starting the evening walks";
const ADDENDUM_TEXT = "Session length was 45 minutes, not 50";

test("write a SOAP note, sign it, add an addendum; the lock leaves none of it in the page", async (t) => {
  const app = await launchApp(t);
  const code = await vaultWithOneClient(app);
  assert.equal(code, "C-0001");

  await app.click("New note");
  await app.find("#section-subjective");
  await app.driver.findElement(By.id("section-subjective")).sendKeys(NOTE_TEXT);
  await app.driver.findElement(By.id("section-plan")).sendKeys("Continue weekly sessions.");
  await app.driver.findElement(By.css("details.risk summary")).click();
  await app.driver.findElement(By.id("risk-suicidal_ideation")).sendKeys("denied");
  await waitUntilSaved(app);
  await app.screenshot("note-draft-saved");
  await app.click("History");
  const versions = await app.driver.wait(until.elementsLocated(By.css("[data-testid=history] li")), 10_000);
  assert.ok(versions.length >= 2, `every save is a version (${versions.length})`);
  await app.click("Hide history");

  await app.click("Sign…");
  await app.find("#signer-name");
  await app.driver.actions().sendKeys(Key.ESCAPE).perform();
  await app.driver.wait(async () => (await app.driver.findElements(By.css("#signer-name"))).length === 0, 5_000);
  await app.click("Sign…");
  // Objective and Assessment are empty, no minutes, five risk items unanswered:
  // the dialog says so, and signing past it is one deliberate click.
  const warnings = await app.find("[data-testid=sign-warnings]");
  const warned = await warnings.getText();
  for (const expected of ["Objective is empty.", "Assessment is empty.", "The session length (minutes) is missing.", "5 of 6 items unanswered"]) {
    assert.ok(warned.includes(expected), `the sign dialog warns: ${expected} (got ${warned})`);
  }
  await app.type("signer-name", "Dana Reyes");
  await app.type("signer-credentials", "PsyD");
  await app.screenshot("sign-dialog");
  await app.click("Sign anyway");
  const signature = await app.find("[data-testid=signature]");
  assert.match(await signature.getText(), /^Signed by Dana Reyes, PsyD at \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} · SHA-256 [0-9a-f]{16}…$/);
  assert.match(await (await app.find("[data-testid=note]")).getText(), /Suicidal ideation: denied/);

  await app.type("addendum-reason", "Correction");
  await app.type("addendum-text", ADDENDUM_TEXT);
  await app.click("Add addendum");
  await app.driver.wait(until.elementLocated(By.css("[data-testid=addendum]")), 10_000);
  await app.screenshot("note-signed-with-addendum");

  // Ctrl+K finds the note by its words; Enter opens it.
  await app.click("Settings");
  await app.heading("Settings and activity");
  await app.click("Back to clients");
  await app.driver.actions().keyDown(Key.CONTROL).sendKeys("k").keyUp(Key.CONTROL).perform();
  const searchBox = await app.find("[role=combobox]");
  await searchBox.sendKeys("evening wal");
  const mark = await app.driver.wait(until.elementLocated(By.css("[data-testid=search-results] mark")), 10_000);
  assert.match(await mark.getText(), /evening|walks/i);
  await app.screenshot("search-palette");
  await searchBox.sendKeys(Key.ENTER);
  // The chart and the note re-render: look the note up afresh until it shows.
  await app.driver.wait(async () => {
    try {
      const opened = await app.driver.findElement(By.css("[data-testid=note]"));
      return (await opened.getText()).includes(NOTE_TEXT);
    } catch {
      return false;
    }
  }, 10_000);
  assert.equal((await app.driver.findElements(By.css("[role=dialog]"))).length, 0, "the palette closed");

  await lockWithShortcut(app);
  const lockedPage = await app.driver.getPageSource();
  assert.ok(!lockedPage.includes(NOTE_TEXT), "the note's text is gone from the page");
  assert.ok(!lockedPage.includes(ADDENDUM_TEXT), "the addendum is gone from the page");
  assert.ok(!lockedPage.includes(code), "even the client code is gone");

  await unlock(app, PASSPHRASE);
  await openWorkspace(app);
  await app.driver.wait(until.elementLocated(By.xpath("//*[@data-testid='client-list']//button")), 10_000).click();
  const timelineEntry = await app.driver.wait(
    until.elementLocated(By.xpath("//*[@data-testid='timeline']//button[contains(., 'Signed')]")),
    10_000,
  );
  assert.match(await timelineEntry.getText(), /1 addendum/);
  await timelineEntry.click();
  const note = await app.find("[data-testid=note]");
  await app.driver.wait(until.elementTextContains(note, NOTE_TEXT), 10_000);
  assert.match(await note.getText(), new RegExp(ADDENDUM_TEXT));
  await app.screenshot("workspace-after-unlock");
});

test("psychotherapy notes stay apart: hidden from the chart until the passphrase is entered again", async (t) => {
  const app = await launchApp(t);
  await vaultWithOneClient(app);

  await app.driver.findElement(By.css("select[aria-label='Kind of note'] option[value=psychotherapy]")).click();
  await app.click("New note");
  await app.type("reauth-passphrase", "not my passphrase at all");
  await app.click("Continue");
  assert.match(await app.alertText(), /That passphrase is not right/);
  await app.type("reauth-passphrase", PASSPHRASE);
  await app.click("Continue");
  const first = await app.driver.wait(until.elementLocated(By.css("textarea")), 10_000);
  await first.sendKeys("Process material about the dream.");
  await waitUntilSaved(app);

  await lockWithShortcut(app);
  await unlock(app, PASSPHRASE);
  await openWorkspace(app);
  await app.driver.wait(until.elementLocated(By.xpath("//*[@data-testid='client-list']//button")), 10_000).click();
  await app.find("[data-testid=chart-code]");
  const timeline = await app.find("[data-testid=timeline]");
  assert.match(await timeline.getText(), /No notes yet/, "the psychotherapy note is not in the chart");

  await app.click("Show psychotherapy notes");
  await app.type("reauth-passphrase", PASSPHRASE);
  await app.screenshot("psychotherapy-reauthenticate");
  await app.click("Continue");
  const entry = await app.driver.wait(
    until.elementLocated(By.xpath("//*[@data-testid='timeline']//button[contains(., 'Psychotherapy note')]")),
    10_000,
  );
  await entry.click();
  await app.driver.wait(until.elementLocated(By.css("[data-testid=note] textarea")), 10_000);
});

test("consents and disclosures: a release, a disclosure under it, and the accounting of disclosures", async (t) => {
  const app = await launchApp(t);
  await vaultWithOneClient(app);

  await app.click("Record a consent");
  await app.driver.findElement(By.css("select[aria-label=Consent] option[value=release_of_information]")).click();
  await app.driver.findElement(By.css("input[aria-label='Form version']")).sendKeys("2026-01");
  await app.driver.findElement(By.css("input[aria-label=Recipient]")).sendKeys("Dr. Lee, primary care");
  await app.click("Record consent");
  await app.driver.wait(until.elementTextContains(await app.find("[data-testid=consents]"), "Release of information"), 10_000);

  await app.click("New note");
  await app.find("#section-subjective");
  await app.click("Record a disclosure");
  await app.driver.findElement(By.css("fieldset.notes input[type=checkbox]")).click();
  await app.driver.findElement(By.css("input[aria-label='Recipient name']")).sendKeys("Dr. Lee");
  await app.driver.findElement(By.css("input[aria-label='What was disclosed']")).sendKeys("Treatment summary");
  await app.click("Record disclosure");
  assert.match(await app.alertText(), /consent/i, "a disclosure on the client's authorization needs the consent");
  await app.driver.findElement(By.xpath("//select[@aria-label='Authorizing consent']/option[contains(., 'Release of information')]")).click();
  await app.click("Record disclosure");
  await app.driver.wait(until.elementTextContains(await app.find("[data-testid=disclosures]"), "Dr. Lee"), 10_000);
  assert.match(await (await app.find("[data-testid=disclosures]")).getText(), /1 note/);

  await app.click("Revoke…");
  await app.click("Revoke it");
  await app.driver.wait(until.elementTextContains(await app.find("[data-testid=consents]"), "revoked"), 10_000);

  await app.click("Accounting of disclosures");
  const report = await app.find("[data-testid=accounting]");
  await app.driver.wait(until.elementTextContains(report, "Treatment summary"), 10_000);
  assert.match(await report.getText(), /Client authorization/);
  await app.screenshot("accounting-of-disclosures");
});

/** The client list's text, or "" while it is being re-rendered. */
async function listText(app) {
  try {
    return await (await app.find("[data-testid=client-list]")).getText();
  } catch {
    return "";
  }
}

test("a client's details can be corrected, and a record past retention destroyed after typing its code", async (t) => {
  const app = await launchApp(t);
  await vaultWithOneClient(app);

  await app.click("Edit details");
  await app.type("client-name", "Sam Doe");
  // Date inputs take their value from script reliably across WebKit locales.
  await app.driver.executeScript(
    `const intake = [...document.querySelectorAll("form[aria-label='Client details'] label")]
       .find((label) => label.textContent.startsWith("Intake date")).querySelector("input");
     intake.value = "2010-01-04";
     intake.dispatchEvent(new Event("input", { bubbles: true }));`,
  );
  await app.driver.findElement(By.css("#client-status option[value=discharged]")).click();
  await app.click("Save details");
  await app.driver.wait(async () => (await listText(app)).includes("No clients yet"), 10_000);
  await app.driver.findElement(By.xpath("//label[contains(., 'Show discharged')]/input")).click();
  // The list re-renders as it loads: read it afresh each time, never a stale node.
  await app.driver.wait(async () => (await listText(app)).includes("C-0001"), 10_000, "the discharged client is listed");
  assert.ok(!(await listText(app)).includes("Sam Doe"), "discreet mode shows the code, not the name");

  await app.click("Settings");
  await app.heading("Settings and activity");
  const due = await app.find("[data-testid=retention-due]");
  await app.driver.wait(until.elementTextContains(due, "C-0001 · discharged · keep until 4 Jan 2017"), 10_000);
  await app.click("Destroy…");
  await app.driver.findElement(By.css("input[aria-label='Type the client code']")).sendKeys("C-0001");
  await app.screenshot("destroy-confirmation");
  await app.click("Destroy record");
  await app.driver.wait(until.elementLocated(By.xpath("//*[@role='status'][contains(., 'C-0001 destroyed: 0 notes')]")), 10_000);
  await app.click("Back to clients");
  await app.driver.findElement(By.xpath("//label[contains(., 'Show discharged')]/input")).click();
  await app.driver.wait(async () => (await listText(app)).includes("No clients yet"), 10_000);
});
