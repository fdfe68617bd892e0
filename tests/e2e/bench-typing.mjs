// Keystroke to paint in a 5,000-word note, with autosave and spell checking
// running, in the app as shipped (no accelerated compositing, no JIT). Not a test:
// run by hand, numbers in docs/benchmarks.md.
//
//   CONFIDANT_APP_BINARY=… TAURI_DRIVER=… node tests/e2e/bench-typing.mjs [KEYS] [LAUNCHES]
//
// Real key presses through WebDriver, one at a time; the page times each from its
// keydown to the second animation frame after the input (the frame that shows the
// character), and notes whether a save or a spelling check was under way.
import { vaultWithOneClient } from "./flows.mjs";
import { launchApp, standaloneContext } from "./harness.mjs";

const [keys = "200", launches = "3"] = process.argv.slice(2);
const WORDS =
  "client reports anxiety sleep work partner session plan discussed coping strategies grounding exposure homework weekly mood affect appropriate engaged insight improving".split(
    " ",
  );
const note = Array.from({ length: 5000 }, (_, index) => WORDS[(index * 7) % WORDS.length] + (index % 97 === 0 ? "e" : "")).join(" ");

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

const all = [];
const busy = [];
const bare = [];
for (let launch = 0; launch < Number(launches); launch++) {
  const t = standaloneContext();
  try {
    const app = await launchApp(t, { compositing: false });
    await vaultWithOneClient(app);
    await app.click("New note");
    const area = await app.find("#section-subjective");
    await app.driver.executeScript(
      `const area = document.getElementById("section-subjective");
       area.value = arguments[0];
       area.dispatchEvent(new Event("input", { bubbles: true }));
       area.focus();
       area.setSelectionRange(area.value.length, area.value.length);
       window.__samples = [];
       let started = 0;
       let saving = false;
       area.addEventListener("keydown", () => {
         started = performance.now();
         saving = /Saving/.test(document.querySelector("[data-testid=save-state]")?.textContent ?? "");
       }, true);
       area.addEventListener("input", () => {
         const at = started;
         const during = saving;
         requestAnimationFrame(() => requestAnimationFrame(() => window.__samples.push([performance.now() - at, during])));
       });`,
      note,
    );
    // Let the first save and spelling check of the pasted text settle.
    await new Promise((done) => setTimeout(done, 3000));
    for (let key = 0; key < Number(keys); key++) {
      await area.sendKeys(key % 6 === 5 ? " " : "x");
      // A typist's pace (about 100 words a minute); every 20 keys a pause just
      // long enough for the autosave to start, so the next keys land during it.
      await new Promise((done) => setTimeout(done, key % 20 === 19 ? 805 : 80));
    }
    await new Promise((done) => setTimeout(done, 500));
    const samples = await app.driver.executeScript("return window.__samples");
    for (const [ms, during] of samples) {
      all.push(ms);
      if (during) busy.push(ms);
    }
    // The floor: a bare textarea of the same size and text, no handlers at all.
    await app.driver.executeScript(
      `const source = document.getElementById("section-subjective");
       const control = document.createElement("textarea");
       control.id = "bench-control";
       control.style.cssText = "position:fixed;top:0;left:0;z-index:100";
       control.style.width = source.offsetWidth + "px";
       control.style.height = source.offsetHeight + "px";
       control.value = source.value;
       document.body.append(control);
       control.focus();
       window.__bare = [];
       let started = 0;
       control.addEventListener("keydown", () => (started = performance.now()), true);
       control.addEventListener("input", () => {
         const at = started;
         requestAnimationFrame(() => requestAnimationFrame(() => window.__bare.push(performance.now() - at)));
       });`,
    );
    const control = await app.find("#bench-control");
    for (let key = 0; key < Number(keys) / 2; key++) {
      await control.sendKeys(key % 6 === 5 ? " " : "x");
      await new Promise((done) => setTimeout(done, 80));
    }
    await new Promise((done) => setTimeout(done, 500));
    bare.push(...(await app.driver.executeScript("return window.__bare")));
  } finally {
    await t.cleanup();
  }
}
const line = (label, values) =>
  `  ${label.padEnd(46)} n=${String(values.length).padStart(4)}  p50 ${percentile(values, 50).toFixed(1).padStart(6)} ms  p95 ${percentile(values, 95).toFixed(1).padStart(6)} ms  max ${Math.max(...values).toFixed(1).padStart(6)} ms`;
console.log(`keystroke → painted, 5,000-word note, ${launches} launches × ${keys} keys (as shipped: no compositing, no JIT):`);
console.log(line("every keystroke", all));
if (busy.length > 0) console.log(line("pressed while an autosave was under way", busy));
console.log(line("a bare textarea, same size and text (floor)", bare));
process.exit(0);
