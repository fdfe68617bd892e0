// Discreet mode as a therapist keeps it on: names hidden in lists, headers and
// search, one press away; what she writes is never blurred; when she switches to
// another window, a privacy screen covers Confidant until she comes back, and the
// key she presses to come back never lands in the note.
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { By, Key, until } from "selenium-webdriver";
import { vaultWithOneClient, waitUntilSaved } from "./flows.mjs";
import { launchApp } from "./harness.mjs";

const run = promisify(execFile);

/** Gives the X input focus to a window named `name` on the app's display. */
function focusWindow(app, name) {
  const env = { ...process.env, DISPLAY: app.display };
  const ids = execFileSync("xdotool", ["search", "--onlyvisible", "--name", name], { env, encoding: "utf8" }).trim().split("\n");
  execFileSync("xdotool", ["windowfocus", "--sync", ids[ids.length - 1]], { env });
}

test("the privacy screen covers the window when another one takes focus, and a key only uncovers it", async (t) => {
  const app = await launchApp(t);
  await vaultWithOneClient(app);
  await app.click("New note");
  const area = await app.find("#section-subjective");
  await area.sendKeys("Words nobody else should read.");
  // Nothing is blurred while she writes: the text has no filter, and is its own colour.
  const look = await app.driver.executeScript(
    `const area = document.getElementById("section-subjective"); const style = getComputedStyle(area);
     return [style.filter, style.color === "rgba(0, 0, 0, 0)", style.textShadow];`,
  );
  assert.deepEqual(look, ["none", false, "none"]);

  const other = spawn("xmessage", ["-geometry", "+20+20", "Another program"], {
    env: { ...process.env, DISPLAY: app.display },
    stdio: "ignore",
  });
  t.after(() => other.kill());
  await app.driver.wait(async () => {
    try {
      focusWindow(app, "xmessage");
      return true;
    } catch {
      return false;
    }
  }, 10_000, "the other window appears");
  const cover = await app.find("[data-testid=privacy-screen]", 10_000);
  assert.match(await cover.getText(), /Covered while you are away/);
  await app.screenshot("privacy-screen");

  focusWindow(app, "Confidant");
  await app.driver.actions().sendKeys("x").perform();
  await app.driver.wait(async () => (await app.driver.findElements(By.css("[data-testid=privacy-screen]"))).length === 0, 5_000);
  assert.equal(await area.getAttribute("value"), "Words nobody else should read.", "the key that uncovered never reached the note");
  await app.driver.wait(async () => (await app.driver.executeScript("return document.activeElement?.id")) === "section-subjective", 5_000, "back where she was");
});

test("names stay hidden in the list, the chart and search until Show names", async (t) => {
  const app = await launchApp(t);
  await vaultWithOneClient(app);
  await app.click("Edit details");
  await app.type("client-name", "Maria Gonzalez");
  await app.click("Save details");
  await app.click("New note");
  await (await app.find("#section-subjective")).sendKeys("Talked about the wedding.");
  await waitUntilSaved(app);
  assert.ok(!(await (await app.find("[data-testid=client-list]")).getText()).includes("Maria"), "not in the list");
  assert.ok(!(await (await app.find("[data-testid=chart-code]")).getText()).includes("Maria"), "not in the header");

  await app.driver.actions().keyDown(Key.CONTROL).sendKeys("k").keyUp(Key.CONTROL).perform();
  const box = await app.find("[role=combobox]");
  await box.sendKeys("Gonzalez");
  const results = await app.find("[data-testid=search-results] li", 10_000);
  const text = await results.getText();
  assert.ok(!text.includes("Maria") && !text.includes("Gonzalez"), `search shows the name: ${text}`);
  assert.match(text, /code or name matches/);
  await box.sendKeys(Key.ESCAPE);

  await app.driver.actions().keyDown(Key.ALT).sendKeys("n").keyUp(Key.ALT).perform();
  for (const where of ["client-list", "chart-code"]) {
    await app.driver.wait(
      async () => (await app.driver.executeScript(`return document.querySelector("[data-testid=${where}]")?.innerText ?? ""`)).includes("Maria Gonzalez"),
      5_000,
      `Show names shows the name in ${where}`,
    );
  }
  assert.equal(await app.driver.getTitle(), "Confidant", "the window title never names a client");
  // The title the desktop shows (taskbar, window switcher) is the X window's own.
  const x = { env: { ...process.env, DISPLAY: app.display } };
  const { stdout: windows } = await run("xdotool", ["search", "--name", "."], x);
  const titles = [];
  for (const id of windows.split("\n").filter(Boolean)) {
    titles.push((await run("xdotool", ["getwindowname", id], x).catch(() => ({ stdout: "" }))).stdout.trim());
  }
  assert.ok(titles.includes("Confidant"), `the app's window is titled Confidant: ${JSON.stringify(titles)}`);
  assert.ok(!titles.some((title) => /Maria|Gonzalez/.test(title)), `no window title names her: ${JSON.stringify(titles)}`);
});
