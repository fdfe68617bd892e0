// How long the UI takes to answer a click or a keystroke (script + layout + the
// next painted frame), with JavaScriptCore's JIT off (as shipped, ADR 0011) or on.
// Not a test: run by hand to compare, numbers in docs/benchmarks.md.
//
//   CONFIDANT_APP_BINARY=… TAURI_DRIVER=… node tests/e2e/bench-interaction.mjs APP CLI JIT(0|1) [LAUNCHES]
//
// Each measurement runs in the page: the action, then animation frames until the
// expected element is there, then one more frame; performance.now() around it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BENCH_PASSPHRASE, copyVault, makeBenchVault, median } from "../../scripts/bench-desktop-lib.mjs";
import { openWorkspace, unlock } from "./flows.mjs";
import { launchApp, standaloneContext } from "./harness.mjs";
const [app, cli, jit, rounds = "3"] = process.argv.slice(2);
if (!app || !cli || !["0", "1"].includes(jit)) {
  console.error("usage: bench-interaction.mjs APP CLI 0|1 [LAUNCHES]");
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), "probe-"));
const template = makeBenchVault(resolve(cli), join(work, "vault"), 500);
process.env.CONFIDANT_APP_BINARY = app;
const results = {};
const add = (k, v) => (results[k] ??= []).push(v);
const untilFrame = (action, ready) => `
  const done = arguments[arguments.length - 1];
  const t0 = performance.now();
  ${action};
  const check = () => ((${ready}) ? requestAnimationFrame(() => done(performance.now() - t0)) : requestAnimationFrame(check));
  check();`;
for (let round = 0; round < Number(rounds); round++) {
  const t = standaloneContext();
  try {
    const a = await launchApp(t, { env: { CONFIDANT_VAULT: copyVault(template, join(work, "v" + round)), JSC_useJIT: jit }, compositing: false });
    await a.heading("Confidant is locked");
    await unlock(a, BENCH_PASSPHRASE);
    await openWorkspace(a);
    await a.find("[data-testid=client-list] button.client");
    const run = (action, ready) => a.driver.executeAsyncScript(untilFrame(action, ready));
    add("open 500-note chart", await run(`document.querySelector("[data-testid=client-list] button.client").click()`, `document.querySelectorAll("[data-testid=timeline] li button").length >= 50`));
    let all = 0;
    for (let n = 100; n <= 500; n += 50) all += await run(`[...document.querySelectorAll("button.link")].find(b => b.textContent.startsWith("Show older")).click()`, `document.querySelectorAll("[data-testid=timeline] li button").length >= ${n}`);
    add("show all 500 rows (9 pages)", all);
    add("open a note", await run(`document.querySelector("[data-testid=timeline] li button").click()`, `document.querySelector("[data-testid=note]")`));
    await run(`document.getElementById("new-note").click()`, `document.querySelector("[data-testid=save-state]")`);
    const long = Array.from({ length: 5000 }, (_, i) => "word" + (i % 97)).join(" ");
    add("paste 5000 words", await run(`const t = document.querySelector("textarea"); t.value = ${JSON.stringify(long)}; t.dispatchEvent(new Event("input", { bubbles: true }))`, `true`));
    const keys = [];
    for (let i = 0; i < 20; i++) keys.push(await run(`const t = document.querySelector("textarea"); t.value += " x"; t.dispatchEvent(new Event("input", { bubbles: true }))`, `true`));
    add("keystroke in a 5000-word note (median of 20)", median(keys));
    await a.click("Search");
    await a.find("[role=dialog] input");
    add("search palette: type 'weekly' → results", await run(`const i = document.querySelector("[role=dialog] input"); i.value = "weekly"; i.dispatchEvent(new Event("input", { bubbles: true }))`, `document.querySelectorAll("[role=dialog] li").length > 0`));
  } finally { await t.cleanup(); }
}
rmSync(work, { recursive: true, force: true });
console.log(`JSC_useJIT=${jit}, ${rounds} launches, medians (ms, click → next frame painted):`);
for (const [k, v] of Object.entries(results)) console.log(`  ${k.padEnd(48)} ${median(v).toFixed(1).padStart(7)}   [${v.map((x) => x.toFixed(0)).join(", ")}]`);
process.exit(0);
