// Shared pieces of the desktop benchmark (scripts/bench-desktop.mjs and
// tests/e2e/bench-memory.mjs): process trees, proportional memory, statistics.
// Linux only: everything is read from /proc.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/** Every process on the machine as { pid, ppid, comm }. */
export function processTable() {
  const table = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // comm is in parentheses and may hold spaces or parentheses: split after the last ")".
      const open = stat.indexOf("(");
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      table.push({ pid: Number(entry), comm: stat.slice(open + 1, close), ppid: Number(fields[1]) });
    } catch {
      // The process ended while we looked.
    }
  }
  return table;
}

/** The pid and all its descendants (pid first). */
export function processTree(rootPid, table = processTable()) {
  const children = new Map();
  for (const proc of table) {
    if (!children.has(proc.ppid)) children.set(proc.ppid, []);
    children.get(proc.ppid).push(proc);
  }
  const root = table.find((proc) => proc.pid === rootPid);
  if (!root) return [];
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i].pid) ?? []));
  return tree;
}

/** The ancestors of a pid, nearest first. */
export function ancestors(pid, table = processTable()) {
  const byPid = new Map(table.map((proc) => [proc.pid, proc]));
  const chain = [];
  let current = byPid.get(pid);
  while (current && current.ppid > 0 && chain.length < 64) {
    chain.push(current.ppid);
    current = byPid.get(current.ppid);
  }
  return chain;
}

/** The executable of a process, or null. */
export function exeOf(pid) {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

/** A readable name: the executable's base name (comm is cut at 15 characters). */
function nameOf(proc) {
  const exe = exeOf(proc.pid);
  return exe ? exe.split("/").pop().replace(/ \(deleted\)$/, "") : proc.comm;
}

/** { pss, rss, uss } in KiB from /proc/<pid>/smaps_rollup, or null if the process is gone. */
export function memoryOf(pid) {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? 0);
    return { pss: field("Pss"), rss: field("Rss"), uss: field("Private_Clean") + field("Private_Dirty") };
  } catch {
    return null;
  }
}

/**
 * Memory of a process tree: per process (name, pid, PSS, RSS, USS = private pages,
 * in KiB) and the totals. Processes are grouped by name in `byName`.
 */
export function treeMemory(rootPid) {
  const processes = [];
  for (const proc of processTree(rootPid)) {
    const memory = memoryOf(proc.pid);
    if (memory) processes.push({ pid: proc.pid, name: nameOf(proc), ...memory });
  }
  const byName = {};
  for (const proc of processes) {
    byName[proc.name] ??= { pss: 0, rss: 0, uss: 0, count: 0 };
    byName[proc.name].pss += proc.pss;
    byName[proc.name].rss += proc.rss;
    byName[proc.name].uss += proc.uss;
    byName[proc.name].count += 1;
  }
  const total = (field) => processes.reduce((sum, proc) => sum + proc[field], 0);
  return { processes, byName, pss: total("pss"), uss: total("uss"), rss: total("rss") };
}

export function median(values) {
  return quantile(values, 0.5);
}

/** Linear-interpolated quantile (q in 0..1) of a list of numbers. */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

export const mib = (kib) => (kib / 1024).toFixed(1);

/** The passphrase of the benchmark vault (synthetic data only). */
export const BENCH_PASSPHRASE = "lantern orbit pickle meadow";

/**
 * Creates, once, an encrypted vault (SQLCipher; Argon2id at its 64 MiB floor) with
 * `notes` demo notes for one client (C-0001) through the `confidant` CLI, in `dir`.
 */
export function makeBenchVault(cli, dir, notes) {
  const env = { ...process.env, CONFIDANT_PASSPHRASE: BENCH_PASSPHRASE, CONFIDANT_VAULT: dir };
  // No keychain: the vault is not device-bound, like the app without a Secret Service.
  env.DBUS_SESSION_BUS_ADDRESS = "unix:path=/nonexistent/confidant-bench-bus";
  const run = (...args) => {
    const result = spawnSync(cli, ["--vault", dir, ...args], { env, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`confidant ${args.join(" ")} failed: ${result.stderr}`);
    return result.stdout;
  };
  mkdirSync(dir, { recursive: true });
  run("init", "--no-device-binding", "--kdf-target-ms", "100");
  if (notes > 0) run("demo", "--clients", "1", "--notes", String(notes), "--seed", "42");
  return dir;
}

/** A fresh copy of a vault folder (the app takes an exclusive lock on its vault). */
export function copyVault(from, to) {
  cpSync(from, to, { recursive: true });
  return to;
}

export { join };

/**
 * Pids of WebKit users outside this script's own process tree: processes that map
 * libwebkit2gtk or libjavascriptcoregtk (other apps, another engineer's tests).
 * They share library pages with ours, which lowers our PSS: measure without them.
 */
export function foreignWebkitPids() {
  const table = processTable();
  const mine = new Set(processTree(process.pid, table).map((proc) => proc.pid));
  const foreign = [];
  for (const proc of table) {
    if (mine.has(proc.pid)) continue;
    try {
      const maps = readFileSync(`/proc/${proc.pid}/maps`, "utf8");
      if (maps.includes("libwebkit2gtk") || maps.includes("libjavascriptcoregtk")) foreign.push(proc.pid);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return foreign;
}

/** Waits (up to `maxMs`) until no foreign WebKit process runs; resolves to how many are left. */
export async function waitForQuietWebkit(maxMs, log = () => {}) {
  const deadline = Date.now() + maxMs;
  let foreign = foreignWebkitPids();
  if (foreign.length > 0) log(`  waiting for ${foreign.length} other WebKit process(es) to end (up to ${maxMs / 1000} s)…`);
  while (foreign.length > 0 && Date.now() < deadline) {
    await sleep(1000);
    foreign = foreignWebkitPids();
  }
  return foreign.length;
}

/** The share of CPU time spent idle over the next `ms` milliseconds (all cores, /proc/stat). */
export async function cpuIdleFraction(ms = 1000) {
  const read = () => {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: idle = idle + iowait.
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return { idle: fields[3] + fields[4], total };
  };
  const before = read();
  await sleep(ms);
  const after = read();
  return (after.idle - before.idle) / Math.max(1, after.total - before.total);
}

/**
 * Waits (up to `maxMs`) until the machine is mostly idle (`minIdle` of CPU time idle
 * over one second); resolves to the last idle fraction seen.
 */
export async function waitForIdleCpu(minIdle, maxMs, log = () => {}) {
  const deadline = Date.now() + maxMs;
  let idle = await cpuIdleFraction();
  if (idle < minIdle) log(`  waiting for the CPU to calm down (${(idle * 100).toFixed(0)}% idle, want ${(minIdle * 100).toFixed(0)}%)…`);
  while (idle < minIdle && Date.now() < deadline) idle = await cpuIdleFraction();
  return idle;
}
