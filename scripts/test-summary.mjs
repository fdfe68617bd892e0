#!/usr/bin/env node
// Reads the log of `make test` and prints how many tests each runner ran and how
// many it skipped (cargo's "ignored", Vitest's "skipped"/"todo", node's test
// runner's "skipped"/"todo"). Exits 1 when any test was skipped or a runner
// reported none at all: a test that does not run proves nothing.
import { readFileSync } from "node:fs";

const log = readFileSync(process.argv[2], "utf8").split("\n");
const counts = { rust: { ran: 0, skipped: 0, suites: 0 }, vitest: { ran: 0, skipped: 0, suites: 0 }, e2e: { ran: 0, skipped: 0, suites: 0 } };
const skippedNames = [];

for (const raw of log) {
  // Vitest colours its summary even into a pipe.
  const line = raw.replace(/\x1b\[[0-9;]*m/g, "");
  // cargo test: "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 3 filtered out; finished in 0.2s"
  const cargo = /test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored;/.exec(line);
  if (cargo) {
    counts.rust.ran += Number(cargo[1]) + Number(cargo[2]);
    counts.rust.skipped += Number(cargo[3]);
    counts.rust.suites += 1;
    continue;
  }
  const ignoredTest = /^test (\S+) \.\.\. ignored/.exec(line);
  if (ignoredTest) skippedNames.push(ignoredTest[1]);
  // Vitest: "      Tests  55 passed (55)" or "Tests  2 failed | 50 passed | 3 skipped (55)"
  const vitest = /^\s*Tests\s+(.*)\((\d+)\)\s*$/.exec(line);
  if (vitest) {
    const part = (name) => Number(new RegExp(`(\\d+) ${name}`).exec(vitest[1])?.[1] ?? 0);
    counts.vitest.ran += part("passed") + part("failed");
    counts.vitest.skipped += part("skipped") + part("todo");
    counts.vitest.suites += 1;
    continue;
  }
  // node --test (spec reporter): "ℹ tests 32", "ℹ skipped 0", "ℹ todo 0"
  const node = /^ℹ (tests|skipped|todo) (\d+)$/.exec(line.trim());
  if (node) {
    if (node[1] === "tests") {
      counts.e2e.ran += Number(node[2]);
      counts.e2e.suites += 1;
    } else {
      counts.e2e.skipped += Number(node[2]);
    }
  }
}

const skipped = counts.rust.skipped + counts.vitest.skipped + counts.e2e.skipped;
console.log(
  `make test: ${counts.rust.ran} Rust, ${counts.vitest.ran} Vitest and ${counts.e2e.ran} end-to-end tests ran; ${skipped} skipped`,
);
const problems = [];
if (skipped > 0) problems.push(`${skipped} tests were skipped${skippedNames.length ? ": " + skippedNames.join(", ") : ""}`);
for (const [runner, count] of Object.entries(counts)) {
  if (count.ran === 0) problems.push(`the ${runner} runner reported no tests (did its output change?)`);
}
if (problems.length > 0) {
  for (const problem of problems) console.error(`make test: ${problem}`);
  process.exit(1);
}
