// The desktop as a whole: a keyboard-only session, every control named for screen
// readers and reachable with Tab, and the three panes at 1280×800 and 1920×1080.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { By, Key, until } from "selenium-webdriver";
import { PASSPHRASE, lockWithShortcut, openSettings, openWorkspace, vaultWithOneClient } from "./flows.mjs";
import { launchApp } from "./harness.mjs";

const run = promisify(execFile);

/** What has keyboard focus: "tag#id|text" (text trimmed to 40 characters). */
async function focused(app) {
  return app.driver.executeScript(`
    const element = document.activeElement;
    if (!element || element === document.body) return "body";
    const label = element.getAttribute("aria-label") || element.textContent.trim() || element.getAttribute("placeholder") || "";
    return element.tagName.toLowerCase() + (element.id ? "#" + element.id : "") + "|" + label.slice(0, 40);`);
}

async function press(app, ...keys) {
  await app.driver.actions().sendKeys(...keys).perform();
}

async function chord(app, key) {
  await app.driver.actions().keyDown(Key.CONTROL).sendKeys(key).keyUp(Key.CONTROL).perform();
}

/** Presses Tab until focus is on an element whose description matches, at most 40 times. */
async function tabTo(app, pattern) {
  for (let presses = 0; presses < 40; presses += 1) {
    if (pattern.test(await focused(app))) return;
    await press(app, Key.TAB);
  }
  assert.fail(`Tab never reached ${pattern} (last: ${await focused(app)})`);
}

/**
 * Controls on the page that a screen reader could not name or Tab could not
 * reach: returns their descriptions (empty when all is well).
 */
async function unnamedOrUnreachable(app) {
  return app.driver.executeScript(`
    const problems = [];
    const controls = document.querySelectorAll("button, input, select, textarea, a[href], summary, [role=button]");
    for (const control of controls) {
      if (control.type === "hidden" || control.closest("[hidden], [inert]")) continue;
      const style = getComputedStyle(control);
      if (style.display === "none" || style.visibility === "hidden") continue;
      const labelledBy = (control.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean)
        .map((id) => document.getElementById(id)?.textContent ?? "").join(" ");
      const name = [
        control.getAttribute("aria-label"),
        labelledBy,
        ...(control.labels ? [...control.labels].map((label) => label.textContent) : []),
        ["button", "a", "summary"].includes(control.tagName.toLowerCase()) ? control.textContent : "",
        control.getAttribute("title"),
      ].map((part) => (part || "").trim()).find(Boolean);
      const describe = control.tagName.toLowerCase() + (control.id ? "#" + control.id : "") + " " + (control.outerHTML.slice(0, 80));
      if (!name) problems.push("no accessible name: " + describe);
    }
    return problems;`).then(async (problems) => [...problems, ...(await unreachableByTab(app))]);
}

/**
 * Presses Tab through the whole page, as a keyboard user would, and returns the
 * visible, enabled controls focus never reached (a radio group counts once).
 */
async function unreachableByTab(app) {
  const count = await app.driver.executeScript(`
    window.__tabbed = new Set();
    document.activeElement?.blur();
    return document.querySelectorAll("button, input, select, textarea, a[href], summary, [role=button]").length;`);
  // What has focus after each press (a date field's parts focus the field
  // itself), until focus comes round to where it started, or three presses per
  // control (date and time fields take a Tab per part).
  await press(app, Key.TAB);
  await app.driver.executeScript(
    "window.__firstTabbed = document.activeElement; window.__leftFirst = false; window.__tabbed.add(document.activeElement)",
  );
  for (let presses = 0; presses < 3 * count + 10; presses += 1) {
    await press(app, Key.TAB);
    // Round again once focus has been elsewhere and is back on the first control.
    const wrapped = await app.driver.executeScript(`
      const here = document.activeElement;
      window.__tabbed.add(here);
      if (here !== window.__firstTabbed) window.__leftFirst = true;
      return window.__leftFirst && here === window.__firstTabbed;`);
    if (wrapped) break;
  }
  return app.driver.executeScript(`
    const reached = window.__tabbed;
    const groups = new Set([...reached].filter((element) => element.type === "radio").map((element) => element.name));
    const missed = [];
    // With a dialog open, focus stays inside it (a focus trap): only its controls count.
    const scope = document.querySelector("[role=dialog]") ?? document;
    for (const control of scope.querySelectorAll("button, input, select, textarea, a[href], summary, [role=button]")) {
      if (control.type === "hidden" || control.disabled || control.closest("[hidden], [inert]")) continue;
      if (control.getClientRects().length === 0 || getComputedStyle(control).visibility === "hidden") continue;
      if (reached.has(control) || (control.type === "radio" && groups.has(control.name))) continue;
      missed.push("not reachable with Tab: " + control.tagName.toLowerCase() + (control.id ? "#" + control.id : "") + " " + control.outerHTML.slice(0, 80));
    }
    return missed;`);
}

test("a keyboard-only session: unlock, open a client, write, sign, search, lock", async (t) => {
  const app = await launchApp(t);
  const code = await vaultWithOneClient(app);
  await lockWithShortcut(app);

  // From here on, only keys.
  await app.driver.wait(async () => /input#passphrase/.test(await focused(app)), 10_000, "the passphrase field has focus");
  await press(app, PASSPHRASE, Key.ENTER);
  await openWorkspace(app);
  await tabTo(app, new RegExp(`button.*\\|${code}`));
  await press(app, Key.ENTER);
  await app.find("[data-testid=chart-code]");
  await chord(app, "n");
  await app.find("#section-subjective");
  await app.driver.wait(async () => /textarea#section-subjective/.test(await focused(app)), 5_000, "the new draft has the cursor");
  await press(app, "Keyboard only, from unlock to signature.");
  await press(app, Key.TAB);
  assert.match(await focused(app), /textarea#section-objective/, "Tab moves to the next section");

  await chord(app, Key.ENTER);
  const dialog = await app.find("[role=dialog][aria-label='Sign this note']");
  assert.match(await focused(app), /input#signer-name/, "the sign dialog opens with focus inside");
  await press(app, "Dana Reyes");
  // Tab cycles inside the dialog: never out to the note behind it.
  for (let presses = 0; presses < 6; presses += 1) {
    await press(app, Key.TAB);
    const inside = await app.driver.executeScript("return arguments[0].contains(document.activeElement)", dialog);
    assert.ok(inside, `focus left the dialog after ${presses + 1} Tabs: ${await focused(app)}`);
  }
  await tabTo(app, /button\|Sign anyway/);
  await app.screenshot("keyboard-sign-dialog");
  await press(app, Key.ENTER);
  await app.find("[data-testid=signature]");
  await app.driver.wait(async () => /^h2\|Progress note · SOAP · /.test(await focused(app)), 5_000, "after signing, focus is on the signed note, not the top of the page");

  await chord(app, "k");
  await app.driver.wait(async () => /input\|Search notes/.test(await focused(app)), 5_000, "the palette has focus");
  await press(app, "keyboard only");
  await app.driver.wait(until.elementLocated(By.css("[data-testid=search-results] mark")), 10_000);
  await press(app, Key.ENTER);
  await app.driver.wait(async () => (await app.driver.findElements(By.css("[role=dialog]"))).length === 0, 5_000);
  await press(app, Key.ESCAPE);
  await chord(app, "l");
  await app.heading("Confidant is locked");
});

test("every control has a name for screen readers and can be reached with Tab", async (t) => {
  const app = await launchApp(t);
  await app.heading("Create your vault");
  // The audit sees a nameless button when there is one.
  await app.driver.executeScript("document.body.append(Object.assign(document.createElement('button'), { id: 'nameless' }))");
  assert.match((await unnamedOrUnreachable(app)).join("\n"), /no accessible name: button#nameless/);
  await app.driver.executeScript("document.getElementById('nameless').remove()");
  // And a control Tab skips.
  await app.driver.executeScript(
    "document.body.append(Object.assign(document.createElement('button'), { id: 'skipped', textContent: 'Skipped', tabIndex: -1 }))",
  );
  assert.match((await unnamedOrUnreachable(app)).join("\n"), /not reachable with Tab: button#skipped/);
  await app.driver.executeScript("document.getElementById('skipped').remove()");
  assert.deepEqual(await unnamedOrUnreachable(app), [], "create vault");
  await vaultWithOneClient(app);
  await app.click("New note");
  await app.find("#section-subjective");
  await app.driver.findElement(By.css("details.risk summary")).click();
  assert.deepEqual(await unnamedOrUnreachable(app), [], "workspace with a draft");
  await app.click("Record a consent");
  await app.click("Record a disclosure");
  assert.deepEqual(await unnamedOrUnreachable(app), [], "consent and disclosure forms");
  await chord(app, "k");
  await app.find("[role=combobox]");
  assert.deepEqual(await unnamedOrUnreachable(app), [], "search palette");
  await press(app, Key.ESCAPE);
  await openSettings(app);
  assert.deepEqual(await unnamedOrUnreachable(app), [], "settings");
  await app.click("Back to clients");
  await lockWithShortcut(app);
  assert.deepEqual(await unnamedOrUnreachable(app), [], "lock screen");
});

/** The three panes' boxes and whether the page scrolls sideways. */
async function layout(app) {
  return app.driver.executeScript(`
    const panes = [...document.querySelector(".panes").children].map((pane) => {
      const box = pane.getBoundingClientRect();
      return { left: Math.round(box.left), right: Math.round(box.right), width: Math.round(box.width) };
    });
    return { panes, viewport: window.innerWidth, overflow: document.documentElement.scrollWidth - window.innerWidth };`);
}

test("the three panes fit side by side at 1280×800 and at 1920×1080", async (t) => {
  const app = await launchApp(t, { screen: "1920x1080x24" });
  await vaultWithOneClient(app);
  await app.click("New note");
  await app.find("#section-subjective");

  for (const [width, height] of [
    [1280, 800],
    [1920, 1080],
  ]) {
    // No window manager under Xvfb: resize the X window directly.
    const x = { env: { ...process.env, DISPLAY: app.display } };
    const { stdout } = await run("xdotool", ["search", "--onlyvisible", "--name", "^Confidant$"], x);
    for (const window of stdout.split("\n").filter(Boolean)) {
      await run("xdotool", ["windowsize", window, String(width), String(height)], x);
    }
    await app.driver.wait(async () => (await layout(app)).viewport === width, 10_000, `the window became ${width} wide`);
    const { panes, overflow } = await layout(app);
    assert.equal(panes.length, 3, "clients, chart and note");
    assert.ok(overflow <= 0, `no sideways scrolling at ${width}×${height} (${overflow} px)`);
    for (let index = 1; index < panes.length; index += 1) {
      assert.ok(panes[index].left >= panes[index - 1].right - 1, `pane ${index + 1} sits right of pane ${index}`);
    }
    assert.ok(panes[2].width >= 0.35 * width, `the note gets room to write at ${width} (${panes[2].width} px)`);
    await app.screenshot(`workspace-${width}x${height}`);
  }
});
