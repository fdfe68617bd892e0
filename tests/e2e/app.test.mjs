// The window opens on the first screen, rendered by Svelte from data Rust sent.
import assert from "node:assert/strict";
import { test } from "node:test";
import { By, until } from "selenium-webdriver";
import { launchApp } from "./harness.mjs";

test("the window opens titled Confidant and shows the SQLCipher version from Rust", async (t) => {
  const app = await launchApp(t);
  const { driver } = app;
  const version = await driver.wait(until.elementLocated(By.css("[data-testid=sqlcipher-version]")), 15_000);
  await app.screenshot("first-screen");
  assert.equal(await driver.getTitle(), "Confidant");
  assert.match(await version.getText(), /^Encrypted with SQLCipher 4\.\d+/);
  const heading = await driver.findElement(By.css("h1"));
  assert.equal(await heading.getText(), "Confidant");
});
