// The window opens on the first screen, rendered by Svelte from data Rust sent.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ancestors, exeOf, processTable } from "../../scripts/bench-desktop-lib.mjs";
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

/** The environment of each WebKit web process the app started for this test. */
function webProcessEnvironments() {
  const table = processTable();
  return table
    .filter((proc) => exeOf(proc.pid)?.endsWith("/WebKitWebProcess") && ancestors(proc.pid, table).includes(process.pid))
    .map((proc) => readFileSync(`/proc/${proc.pid}/environ`, "utf8").split("\0"));
}

test("as shipped (no accelerated compositing, no JavaScript JIT) the app creates a vault, locks and unlocks", async (t) => {
  const app = await launchApp(t, { compositing: false });
  // The web process runs the page's script interpreted and paints without GL layers
  // (confidant_hardening::disable_javascript_jit, disable_webkit_compositing).
  const environments = webProcessEnvironments();
  assert.ok(environments.length >= 1, "the app's web process was not found");
  for (const environment of environments) {
    assert.ok(environment.includes("JSC_useJIT=0"), "the web process runs with the JavaScript JIT");
    assert.ok(environment.includes("WEBKIT_DISABLE_COMPOSITING_MODE=1"), "the web process composites with GL");
  }
  const groups = await createVault(app);
  await confirmKitAndSkipBinding(app, groups);
  await app.click("New client");
  await app.click("Add client");
  await app.find("[data-testid=chart-code]");
  await lockWithShortcut(app);
  await unlock(app, PASSPHRASE);
  await openWorkspace(app);
});
