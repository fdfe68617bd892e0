// The window opens on the first screen, rendered by Svelte from data Rust sent.
import assert from "node:assert/strict";
import { test } from "node:test";
import { confirmKitAndSkipBinding, createVault, lockWithShortcut, openWorkspace, PASSPHRASE, unlock } from "./flows.mjs";
import { launchApp } from "./harness.mjs";

test("the window opens titled Confidant and shows the SQLCipher version from Rust", async (t) => {
  const app = await launchApp(t);
  const version = await app.find("[data-testid=sqlcipher-version]");
  await app.heading("Create your vault");
  await app.screenshot("first-screen");
  assert.equal(await app.driver.getTitle(), "Confidant");
  assert.match(await version.getText(), /^Encrypted with SQLCipher 4\.\d+/);
});

test("as shipped (accelerated compositing off) the app creates a vault, locks and unlocks", async (t) => {
  const app = await launchApp(t, { compositing: false });
  const groups = await createVault(app);
  await confirmKitAndSkipBinding(app, groups);
  await app.click("New client");
  await app.click("Add client");
  await app.find("[data-testid=chart-code]");
  await lockWithShortcut(app);
  await unlock(app, PASSPHRASE);
  await openWorkspace(app);
});
