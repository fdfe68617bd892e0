// The vault as a therapist meets it: create, recovery kit, lock, unlock,
// auto-lock, recovery key. Each test drives the real app with its own vault.
import assert from "node:assert/strict";
import { test } from "node:test";
import { By, Key, until } from "selenium-webdriver";
import {
  NEW_PASSPHRASE,
  PASSPHRASE,
  confirmKitAndSkipBinding,
  createVault,
  lockTheScreen,
  lockWithShortcut,
  openSettings,
  openWorkspace,
  unlock,
} from "./flows.mjs";
import { launchApp } from "./harness.mjs";

test("first run: create a vault, confirm the recovery kit, lock with Ctrl+L and unlock again", async (t) => {
  const app = await launchApp(t);
  const groups = await createVault(app, { shots: true });

  await app.type("last-group", "0000");
  await app.click("I have saved it — continue");
  assert.match(await app.alertText(), /does not match the last group/);
  await app.type("last-group", groups[8].toLowerCase());
  await app.click("I have saved it — continue");

  await app.heading("Bind the vault to this computer?");
  await app.click("Bind to this computer (recommended)");
  assert.match(await app.alertText(), /keychain is not available/);
  await app.screenshot("device-binding-without-keychain");
  await app.click("Not now");
  await app.heading("Where should backups go?");
  await app.click("Not now — remind me");

  await openWorkspace(app);
  await openSettings(app);
  await app.driver.wait(
    until.elementLocated(By.xpath("//*[@data-testid='activity']//span[text()='Vault created']")),
    5_000,
  );
  await app.driver.wait(
    until.elementLocated(By.xpath("//*[@data-testid='activity']//span[text()='Recovery kit confirmed']")),
    5_000,
  );
  await app.screenshot("home");

  await lockWithShortcut(app);
  const lockedPage = await app.driver.getPageSource();
  assert.ok(!lockedPage.includes("Recent activity"), "no vault data left in the page after locking");
  assert.ok(!lockedPage.includes("Vault created"));
  for (const group of groups) assert.ok(!lockedPage.includes(group), "no recovery key left in the page");

  await unlock(app, "lantern orbit pickle meadoW");
  assert.match(await app.alertText(), /That passphrase is not right/);
  await app.screenshot("wrong-passphrase");

  await unlock(app, PASSPHRASE);
  await openWorkspace(app);
  await openSettings(app);
  await app.driver.wait(
    until.elementLocated(By.xpath("//*[@data-testid='activity']//span[text()='Wrong passphrase or recovery key tried']")),
    5_000,
  );
});

test("an idle vault warns, then locks itself and leaves no record data in the page", async (t) => {
  const app = await launchApp(t, { env: { CONFIDANT_IDLE_LOCK_SECONDS: "12" } });
  const groups = await createVault(app);
  await confirmKitAndSkipBinding(app, groups);
  await app.click("New client");
  await app.type("new-client-code", "C-IDLE7");
  await app.click("Add client");
  await app.find("[data-testid=chart-code]");
  assert.ok((await app.driver.getPageSource()).includes("C-IDLE7"));

  const warning = await app.find("[data-testid=lock-warning]", 20_000);
  assert.match(await warning.getText(), /^Locking in \d+ s — move the mouse or press a key to stay\.$/);
  await app.screenshot("lock-warning");

  await app.heading("Confidant is locked", 30_000);
  await app.screenshot("auto-locked");
  const lockedPage = await app.driver.getPageSource();
  assert.ok(!lockedPage.includes("C-IDLE7"), "the lock reloaded the page: no client left in it");
});

test("the recovery key opens the vault with a new passphrase; the old passphrase stops working", async (t) => {
  const app = await launchApp(t);
  const groups = await createVault(app);
  await confirmKitAndSkipBinding(app, groups);
  await app.click("Lock");
  await app.heading("Confidant is locked");

  await app.click("Forgot your passphrase? Use your recovery key");
  await app.heading("Use your recovery key");
  const typo = [...groups];
  typo[3] = typo[3][0] === "A" ? `B${typo[3].slice(1)}` : `A${typo[3].slice(1)}`;
  await app.type("recovery-key", typo.join(" "));
  await app.type("new-passphrase", NEW_PASSPHRASE);
  await app.type("confirm-passphrase", NEW_PASSPHRASE);
  await app.click("Open vault and set passphrase");
  assert.match(await app.alertText(), /has a typo/);
  await app.screenshot("recovery-typo");

  await app.type("recovery-key", groups.join("-"));
  await app.click("Open vault and set passphrase");
  await openWorkspace(app);

  await lockWithShortcut(app);
  await unlock(app, PASSPHRASE);
  assert.match(await app.alertText(), /That passphrase is not right/);
  await unlock(app, NEW_PASSPHRASE);
  await openWorkspace(app);
});

test("settings: the passphrase can be changed and the auto-lock time saved", async (t) => {
  const app = await launchApp(t);
  const groups = await createVault(app);
  await confirmKitAndSkipBinding(app, groups);
  await openSettings(app);

  // Theme: dark on request (the page's root carries the choice).
  await app.driver.findElement(By.css("#theme option[value=dark]")).click();
  assert.equal(await app.driver.executeScript("return document.documentElement.dataset.theme"), "dark");
  await app.screenshot("settings-dark");
  await app.driver.findElement(By.css("#theme option[value=system]")).click();

  await app.type("auto-lock", "15");
  await app.click("Save");
  await app.driver.wait(
    until.elementLocated(By.xpath("//*[@role='status'][contains(., 'locks after 15 idle minutes')]")),
    5_000,
  );

  await app.type("settings-signer-name", "Dana Reyes");
  await app.type("settings-signer-credentials", "LCSW");
  await app.driver.findElement(By.css("form[aria-label=Signature] button[type=submit]")).click();
  await app.driver.wait(until.elementLocated(By.xpath("//*[@role='status'][contains(., 'Signature details saved')]")), 5_000);

  await app.click("Change passphrase…");
  await app.type("current-passphrase", "not my passphrase at all");
  await app.type("new-passphrase", NEW_PASSPHRASE);
  await app.type("confirm-passphrase", NEW_PASSPHRASE);
  await app.click("Change passphrase");
  assert.match(await app.alertText(), /That passphrase is not right/);
  await app.type("current-passphrase", PASSPHRASE);
  await app.click("Change passphrase");
  await app.driver.wait(until.elementLocated(By.xpath("//*[@role='status'][contains(., 'Passphrase changed')]")), 10_000);
  await app.screenshot("settings");

  await lockWithShortcut(app);
  await unlock(app, PASSPHRASE);
  assert.match(await app.alertText(), /That passphrase is not right/);
  await unlock(app, NEW_PASSPHRASE);
  await openWorkspace(app);
  await openSettings(app);
  assert.equal(await (await app.find("#auto-lock")).getAttribute("value"), "15");
  await app.driver.wait(async () => (await (await app.find("#settings-signer-name")).getAttribute("value")) === "Dana Reyes", 5_000);
});

test("a recovery kit left unconfirmed is flagged after unlock and can be replaced", async (t) => {
  const app = await launchApp(t);
  const oldGroups = await createVault(app);
  // The therapist walks away from the kit screen: Ctrl+L locks before confirming.
  await lockWithShortcut(app);
  await unlock(app, PASSPHRASE);
  await openWorkspace(app);
  const banner = await app.find("[data-testid=kit-missing]");
  assert.match(await banner.getText(), /never confirmed/);
  await app.screenshot("kit-never-confirmed");

  await app.click("Make a new recovery kit");
  await app.click("Make the new key");
  await app.heading("Your recovery kit");
  const newGroups = await Promise.all(
    (await app.driver.findElements(By.css("[data-testid=recovery-key] li"))).map((item) => item.getText()),
  );
  assert.notDeepEqual(newGroups, oldGroups);
  await app.type("last-group", newGroups[8]);
  await app.click("I have saved it — continue");
  await openWorkspace(app);
  assert.equal((await app.driver.findElements(By.css("[data-testid=kit-missing]"))).length, 0);
});

test("locking the screen locks the vault", async (t) => {
  const app = await launchApp(t, { sessionBus: true });
  const groups = await createVault(app);
  await confirmKitAndSkipBinding(app, groups);
  // The watcher subscribes in the background: signal until the vault locks.
  await app.driver.executeScript("window.__confidantMark = 'before the lock'");
  await lockTheScreen(app);
  assert.equal(await app.driver.executeScript("return window.__confidantMark"), null, "the lock reloaded the page");
  assert.ok(!(await app.driver.getPageSource()).includes("client-list"));
  await unlock(app, PASSPHRASE);
  await openWorkspace(app);
  await openSettings(app);
  await app.driver.wait(
    until.elementLocated(By.xpath("//*[@data-testid='activity']//span[text()='Vault locked when the screen locked']")),
    5_000,
  );
});
