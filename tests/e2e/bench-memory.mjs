// Proportional memory (PSS) of Confidant with a 500-note chart open, against an
// empty Tauri window, both driven through tauri-driver + WebKitWebDriver with the
// end-to-end harness. Not a test (no `.test.mjs`): `make bench-desktop` runs it.
//
//   CONFIDANT_APP_BINARY=… TAURI_DRIVER=… node tests/e2e/bench-memory.mjs \
//     --app PATH --empty PATH --cli PATH [--repeats 3] [--notes 500] [--settle-ms 3000] [--quiet-budget-s 1800]
//
// PSS is summed over the app's process tree (the app, WebKitWebProcess,
// WebKitNetworkProcess), found as the process running the binary below our own
// tauri-driver; tauri-driver and WebKitWebDriver themselves are not counted.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { By } from "selenium-webdriver";
import {
  BENCH_PASSPHRASE,
  ancestors,
  copyVault,
  exeOf,
  foreignWebkitPids,
  makeBenchVault,
  median,
  mib,
  processTable,
  sleep,
  treeMemory,
  waitForQuietWebkit,
} from "../../scripts/bench-desktop-lib.mjs";
import { openWorkspace, unlock } from "./flows.mjs";
import { launchApp, repoRoot, standaloneContext } from "./harness.mjs";

const { values: options } = parseArgs({
  options: {
    app: { type: "string" },
    empty: { type: "string" },
    cli: { type: "string" },
    repeats: { type: "string", default: "3" },
    notes: { type: "string", default: "500" },
    "settle-ms": { type: "string", default: "3000" },
    // How long to wait for quiet moments (no other WebKit process) at most.
    "quiet-budget-s": { type: "string", default: "1800" },
    out: { type: "string", default: join(repoRoot, "target/bench-desktop/memory.json") },
  },
});
for (const name of ["app", "empty", "cli"]) {
  if (!options[name]) {
    console.error(`--${name} is required`);
    process.exit(2);
  }
}
const repeats = Number(options.repeats);
const notes = Number(options.notes);
const settleMs = Number(options["settle-ms"]);
const quietBudgetS = Number(options["quiet-budget-s"]);

/** The pid of the process running `binary` below this script (through tauri-driver). */
function appPid(binary) {
  const target = realpathSync(binary);
  const table = processTable();
  const mine = table.filter(
    (proc) => exeOf(proc.pid) === target && ancestors(proc.pid, table).includes(process.pid),
  );
  if (mine.length !== 1) throw new Error(`expected one ${target} below pid ${process.pid}, found ${mine.length}`);
  return mine[0].pid;
}

/** The app's tree memory after the settle time, and how many foreign WebKit processes ran then. */
async function measure(binary) {
  await sleep(settleMs);
  return { ...treeMemory(appPid(binary)), foreign: foreignWebkitPids().length };
}

async function emptyWindow() {
  process.env.CONFIDANT_APP_BINARY = options.empty;
  const t = standaloneContext();
  try {
    const app = await launchApp(t, { compositing: false });
    await app.heading("Empty window");
    return { idle: await measure(options.empty) };
  } finally {
    await t.cleanup();
  }
}

async function confidant(templateVault) {
  process.env.CONFIDANT_APP_BINARY = options.app;
  const t = standaloneContext();
  const dir = mkdtempSync(join(tmpdir(), "confidant-bench-memory-"));
  try {
    const vault = copyVault(templateVault, join(dir, "vault"));
    const app = await launchApp(t, { env: { CONFIDANT_VAULT: vault }, compositing: false });
    await app.heading("Confidant is locked");
    const locked = await measure(options.app);
    await unlock(app, BENCH_PASSPHRASE);
    await openWorkspace(app);
    await app.find("[data-testid=client-list] button.client");
    await app.driver.findElement(By.css("[data-testid=client-list] button.client")).click();
    await app.find("[data-testid=timeline] li button");
    // Wait until the whole chart is in the page (the list renders in one go, but be sure).
    let rows = 0;
    for (let tries = 0; tries < 100; tries++) {
      const now = (await app.driver.findElements(By.css("[data-testid=timeline] li button"))).length;
      if (now > 0 && now === rows) break;
      rows = now;
      await sleep(100);
    }
    const chart = await measure(options.app);
    return { locked, chart, rows };
  } finally {
    await t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

const work = mkdtempSync(join(tmpdir(), "confidant-bench-vault-"));
const templateVault = makeBenchVault(resolve(options.cli), join(work, "vault"), notes);
const results = { empty: [], app: [] };
const clock = () => new Date().toISOString().slice(11, 19);
// A launch counts when no other WebKit process ran at any of its measurements
// (they share library pages with ours and lower its PSS); launch, alternating,
// until each binary has `repeats` such launches or the time budget is spent.
const quiet = (result) => Object.values(result).every((value) => typeof value !== "object" || value.foreign === 0);
const quietCount = (which) => results[which].filter(quiet).length;
const deadline = Date.now() + quietBudgetS * 1000;
try {
  console.log(`memory through tauri-driver: ${repeats} quiet launches each, alternating, settle ${settleMs} ms [${clock()}]`);
  let which = "app";
  const wanted = (name) => results[name].length === 0 || (quietCount(name) < repeats && Date.now() < deadline);
  while (["empty", "app"].some(wanted)) {
    which = which === "app" ? "empty" : "app";
    if (!wanted(which)) continue;
    await waitForQuietWebkit(Math.max(0, deadline - Date.now()), (line) => console.log(`${line} [${clock()}]`));
    const result = which === "empty" ? await emptyWindow() : await confidant(templateVault);
    results[which].push(result);
    const line = Object.entries(result)
      .filter(([, value]) => typeof value === "object")
      .map(([state, memory]) => `${state} ${mib(memory.pss)} MiB${memory.foreign ? ` (${memory.foreign} other WebKit processes: not used)` : ""}`)
      .join(", ");
    console.log(`  ${which.padEnd(5)} ${line}${result.rows ? ` (${result.rows} notes in the chart)` : ""}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

// Medians over the samples taken with no other WebKit process running (they share
// library pages with ours and lower its PSS) when every state has such samples;
// otherwise over all samples, flagged as not quiet.
const states = [
  [results.empty, "idle"],
  [results.app, "locked"],
  [results.app, "chart"],
];
const quietAll = states.every(([list, state]) => list.some((result) => result[state].foreign === 0));

function summary(list, state) {
  const samples = (quietAll ? list.filter((result) => result[state].foreign === 0) : list).map((result) => result[state]);
  const names = new Set(samples.flatMap((sample) => Object.keys(sample.byName)));
  const byName = (field) =>
    Object.fromEntries([...names].map((name) => [name, median(samples.map((sample) => sample.byName[name]?.[field] ?? 0))]));
  return {
    samples: samples.length,
    quiet: quietAll,
    pssTotal: median(samples.map((sample) => sample.pss)),
    ussTotal: median(samples.map((sample) => sample.uss)),
    rssTotal: median(samples.map((sample) => sample.rss)),
    pssByName: byName("pss"),
    ussByName: byName("uss"),
    rssByName: byName("rss"),
  };
}

const report = {
  date: new Date().toISOString(),
  repeats,
  notes,
  settleMs,
  chartRows: results.app.map((result) => result.rows),
  empty: { idle: summary(results.empty, "idle") },
  app: { locked: summary(results.app, "locked"), chart: summary(results.app, "chart") },
  raw: results,
};
mkdirSync(dirname(options.out), { recursive: true });
writeFileSync(options.out, JSON.stringify(report, null, 2));

console.log("\nPSS through tauri-driver (median per process name, MiB):");
const show = (label, summaryOf) => {
  const parts = Object.entries(summaryOf.pssByName).map(([name, kib]) => `${name} ${mib(kib)}`);
  console.log(
    `  ${label.padEnd(30)} PSS ${mib(summaryOf.pssTotal)}  (${parts.join(", ")});  USS ${mib(summaryOf.ussTotal)}, RSS ${mib(summaryOf.rssTotal)}` +
      `  [${summaryOf.samples} ${summaryOf.quiet ? "quiet" : "NOT quiet"} samples]`,
  );
};
show("empty window, idle", report.empty.idle);
show("Confidant, lock screen", report.app.locked);
show(`Confidant, ${notes}-note chart open`, report.app.chart);
const base = report.empty.idle.pssTotal;
for (const [label, value] of [
  ["lock screen", report.app.locked.pssTotal],
  ["chart open", report.app.chart.pssTotal],
]) {
  const ratio = value / base;
  console.log(
    `  ratio ${label} / empty idle: ${ratio.toFixed(2)}×  — target ≤ 1.2×: ${ratio <= 1.2 ? "met" : "NOT met"}` +
      (quietAll ? "" : "  (not quiet: ratio unreliable)"),
  );
}
console.log(`\nraw numbers: ${options.out}`);
process.exit(0);
