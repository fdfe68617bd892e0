// End-to-end harness: runs the real Confidant binary under Xvfb through
// tauri-driver + WebKitWebDriver, one app (and one data folder) per test, and
// stops every process it started by process group, also when a test fails.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Builder, By, Condition, error as webdriverError, until } from "selenium-webdriver";
import { ancestors, exeOf, processTable } from "../../scripts/bench-desktop-lib.mjs";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const shotsDir = process.env.CONFIDANT_E2E_SHOTS ?? join(repoRoot, "target/e2e-shots");
const nativeDriver = process.env.WEBKIT_WEBDRIVER ?? "/usr/bin/WebKitWebDriver";

/**
 * Launches still running per data folder, and the folders to remove once none
 * is: a relaunch (`reuse`) shares its folder with the first launch.
 */
const folderUsers = new Map();
const removeWhenUnused = new Set();

/** One launch on `dataDir` has stopped; `remove` asks for the folder to go. */
function releaseFolder(dataDir, { stopped, remove }) {
  if (stopped) folderUsers.set(dataDir, (folderUsers.get(dataDir) ?? 1) - 1);
  if (remove) removeWhenUnused.add(dataDir);
  if ((folderUsers.get(dataDir) ?? 0) <= 0 && removeWhenUnused.has(dataDir)) {
    folderUsers.delete(dataDir);
    removeWhenUnused.delete(dataDir);
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 });
  }
}

/** Every child we started, by pid; each leads its own process group. */
const children = new Set();

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

process.on("exit", () => {
  for (const child of children) killGroup(child, "SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => process.exit(130));
}

function startChild(command, args, options = {}) {
  const child = spawn(command, args, { detached: true, ...options });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

async function stopChild(child) {
  if (!children.has(child)) return;
  const exited = new Promise((done) => child.once("exit", done));
  killGroup(child, "SIGTERM");
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

function appBinary() {
  const binary = process.env.CONFIDANT_APP_BINARY;
  if (!binary || !existsSync(binary)) {
    throw new Error(
      `CONFIDANT_APP_BINARY must point at the built app (got ${binary ?? "nothing"}); run the suite through \`make test\``,
    );
  }
  return resolve(binary);
}

async function freePort() {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Starts a private X server and resolves with its display, e.g. ":7". */
async function startXvfb(screen = "1280x800x24") {
  const xvfb = startChild("Xvfb", ["-displayfd", "3", "-screen", "0", screen, "-nolisten", "tcp"], {
    stdio: ["ignore", "ignore", "pipe", "pipe"],
  });
  let stderr = "";
  xvfb.stderr.on("data", (chunk) => (stderr += chunk));
  const display = await new Promise((done, fail) => {
    let buffer = "";
    xvfb.stdio[3].on("data", (chunk) => {
      buffer += chunk;
      if (buffer.includes("\n")) done(`:${buffer.trim()}`);
    });
    xvfb.once("exit", (code) => fail(new Error(`Xvfb exited with ${code}: ${stderr}`)));
    setTimeout(() => fail(new Error("Xvfb did not report a display within 10 s")), 10_000);
  });
  return { xvfb, display };
}

async function waitForDriver(port, driverProcess, log) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (driverProcess.exitCode !== null) throw new Error(`tauri-driver exited early:\n${log()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/status`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`tauri-driver did not listen on ${port} within 15 s:\n${log()}`);
}

/** Starts a private D-Bus session bus and resolves with its address. */
async function startSessionBus() {
  const bus = startChild("dbus-daemon", ["--session", "--nofork", "--nopidfile", "--print-address=1"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const address = await new Promise((done, fail) => {
    let buffer = "";
    bus.stdout.on("data", (chunk) => {
      buffer += chunk;
      if (buffer.includes("\n")) done(buffer.trim());
    });
    bus.once("exit", (code) => fail(new Error(`dbus-daemon exited with ${code}`)));
    setTimeout(() => fail(new Error("dbus-daemon did not print its address within 10 s")), 10_000);
  });
  return { bus, address };
}

/** Sends a D-Bus signal on the bus at `address`, as a screen saver or logind would. */
export async function sendSignal(address, path, member, ...args) {
  const sender = spawn("dbus-send", [`--bus=${address}`, "--type=signal", path, member, ...args], {
    stdio: "ignore",
  });
  const code = await new Promise((done) => sender.once("exit", done));
  if (code !== 0) throw new Error(`dbus-send ${member} exited with ${code}`);
}

/**
 * Sends the signal until `done()` holds, every 250 ms for at most `timeout` ms:
 * the app subscribes to its buses in the background, so the first signal may
 * come before it listens. Waits on the outcome instead of guessing a delay.
 */
export async function signalUntil(address, path, member, args, done, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    await sendSignal(address, path, member, ...args);
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${member} was sent for ${timeout} ms and the app never reacted`);
}

/**
 * A throw-away Secret Service on the bus at `address`: gnome-keyring-daemon,
 * unlocked, keeping its files under `folder`. Resolves once it owns the
 * org.freedesktop.secrets name.
 */
async function startKeyring(address, folder) {
  mkdirSync(folder, { recursive: true });
  const daemon = startChild("gnome-keyring-daemon", ["--foreground", "--unlock", "--components=secrets"], {
    stdio: ["pipe", "ignore", "ignore"],
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address, XDG_DATA_HOME: folder, XDG_RUNTIME_DIR: folder },
  });
  daemon.stdin.end("confidant-test-keyring");
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (daemon.exitCode !== null) throw new Error(`gnome-keyring-daemon exited with ${daemon.exitCode}`);
    const owner = spawn("dbus-send", [`--bus=${address}`, "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
      "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"], { stdio: ["ignore", "pipe", "ignore"] });
    let reply = "";
    owner.stdout.on("data", (chunk) => (reply += chunk));
    await new Promise((done) => owner.once("exit", done));
    if (/boolean true/.test(reply)) return daemon;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error("gnome-keyring-daemon did not take the org.freedesktop.secrets name within 15 s");
}

/** The pid of the app process started for `vaultDir` (null when none runs). */
export function appPid(vaultDir) {
  const binary = realpathSync(appBinary());
  const table = processTable();
  for (const proc of table) {
    // (A binary rebuilt while the app runs reads "… (deleted)".)
    if (exeOf(proc.pid)?.replace(/ \(deleted\)$/, "") !== binary || !ancestors(proc.pid, table).includes(process.pid)) continue;
    try {
      if (readFileSync(`/proc/${proc.pid}/environ`, "utf8").split("\0").includes(`CONFIDANT_VAULT=${vaultDir}`)) return proc.pid;
    } catch {
      // It ended while we looked.
    }
  }
  return null;
}

/**
 * Launches the real app for one test with its own data folder and X display.
 * With `sessionBus: true` the app gets a private D-Bus session bus (its address
 * is returned as `busAddress`), so a test can play the desktop's screen locker.
 * `screen` sets the X screen (default "1280x800x24").
 * Registers clean-up on the test context, so processes stop even if the test fails.
 */
/**
 * Stands in for node:test's context outside a test (the benchmark scripts):
 * `launchApp` registers its clean-up with `after`; call `cleanup()` when done.
 */
export function standaloneContext() {
  const cleanups = [];
  return { after: (fn) => cleanups.push(fn), cleanup: async () => Promise.all(cleanups.map((fn) => fn())) };
}

/**
 * Starts the app under its own Xvfb and WebDriver session.
 *
 * `compositing`: the app ships with WebKitGTK's accelerated compositing off
 * (confidant_hardening::disable_webkit_compositing). WebKitWebDriver (WebKitGTK
 * 2.50) never returns a screenshot in that mode, so the suite runs with it on
 * (`WEBKIT_DISABLE_COMPOSITING_MODE=0`, which the app respects) and takes its
 * screenshots; `compositing: false` runs the app exactly as shipped, without
 * screenshots (app.test.mjs has such a test; bench-memory.mjs measures that way).
 */
export async function launchApp(
  t,
  { env = {}, sessionBus = false, systemBus = false, keychain = false, screen, compositing = true, reuse = null } = {},
) {
  // `reuse`: the data folder of an earlier launch (its vault, home and temp
  // folder), for a test that restarts the app; the first launch keeps it.
  const dataDir = reuse ?? mkdtempSync(join(tmpdir(), "confidant-e2e-"));
  const ownsData = !reuse;
  folderUsers.set(dataDir, (folderUsers.get(dataDir) ?? 0) + 1);
  const bus = sessionBus || keychain ? await startSessionBus() : null;
  const system = systemBus ? await startSessionBus() : null;
  const keyring = keychain ? await startKeyring(bus.address, join(dataDir, "keyring")) : null;
  const home = join(dataDir, "home");
  // The app's own temp folder, so a test can see what it writes there.
  const temp = join(dataDir, "tmp");
  // File dialogs are answered through this folder (the app is built with the
  // test-dialogs feature for the suite; the shipped binary has no such hook).
  const dialogs = join(dataDir, "dialogs");
  for (const folder of [home, temp, dialogs]) mkdirSync(folder, { recursive: true });
  const { xvfb, display } = await startXvfb(screen);
  const port = await freePort();
  const nativePort = await freePort();
  const driverLog = [];
  const tauriDriver = process.env.TAURI_DRIVER ?? "tauri-driver";
  const inherited = { ...process.env };
  delete inherited.WEBKIT_DISABLE_COMPOSITING_MODE;
  delete inherited.JSC_useJIT; // the app decides (off), as shipped
  const driverProcess = startChild(
    tauriDriver,
    ["--port", String(port), "--native-port", String(nativePort), "--native-driver", nativeDriver],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...inherited,
        ...(compositing ? { WEBKIT_DISABLE_COMPOSITING_MODE: "0" } : {}),
        DISPLAY: display,
        HOME: home,
        XDG_DATA_HOME: join(home, ".local/share"),
        XDG_CONFIG_HOME: join(home, ".config"),
        XDG_CACHE_HOME: join(home, ".cache"),
        CONFIDANT_VAULT: join(dataDir, "vault"),
        CONFIDANT_TEST_DIALOG_DIR: dialogs,
        TMPDIR: temp,
        // No keychain reachable unless asked for: tests see the app's behaviour without one.
        DBUS_SESSION_BUS_ADDRESS: bus?.address ?? "unix:path=/nonexistent/confidant-e2e-bus",
        // Nor the machine's system bus (logind's sleep signal): a private one when asked.
        DBUS_SYSTEM_BUS_ADDRESS: system?.address ?? "unix:path=/nonexistent/confidant-e2e-system-bus",
        // New vaults use the Argon2id floor (64 MiB, t = 3) so tests stay quick.
        CONFIDANT_KDF_TARGET_MS: "100",
        ...env,
      },
    },
  );
  driverProcess.stdout.on("data", (chunk) => driverLog.push(String(chunk)));
  driverProcess.stderr.on("data", (chunk) => driverLog.push(String(chunk)));

  let driver = null;
  /** Stops everything; `keepData` leaves the data folder for a relaunch (`reuse`). */
  let stopped = false;
  const stop = async ({ keepData = false } = {}) => {
    if (stopped) {
      // Stopped before (a relaunch test); the end of the test still removes the folder.
      releaseFolder(dataDir, { stopped: false, remove: ownsData && !keepData });
      return;
    }
    stopped = true;
    if (driver) await driver.quit().catch(() => {});
    driver = null;
    await stopChild(driverProcess);
    await stopChild(xvfb);
    if (keyring) await stopChild(keyring);
    if (bus) await stopChild(bus.bus);
    if (system) await stopChild(system.bus);
    releaseFolder(dataDir, { stopped: true, remove: ownsData && !keepData });
  };
  t.after(() => stop());

  await waitForDriver(port, driverProcess, () => driverLog.join(""));
  driver = await new Builder()
    .usingServer(`http://127.0.0.1:${port}/`)
    .withCapabilities({ browserName: "wry", "tauri:options": { application: appBinary() } })
    .build();

  return {
    driver,
    dataDir,
    busAddress: bus?.address ?? null,
    /** The private system bus (with `systemBus: true`), for logind's signals. */
    systemBusAddress: system?.address ?? null,
    tempDir: temp,
    /** The app's process id (it runs under WebKitWebDriver). */
    pid() {
      const pid = appPid(join(dataDir, "vault"));
      if (pid === null) throw new Error("the app's process was not found");
      return pid;
    },
    /** The test's own X display (for reading its clipboard). */
    display,
    vaultDir: join(dataDir, "vault"),
    home,
    /**
     * Answers the next file dialog the app opens: a path (the file or folder the
     * therapist picks) or null (Cancel). Call before the click that opens it.
     */
    answerDialog(path) {
      writeFileSync(join(dialogs, "answer"), path ?? "");
    },
    /** What the last file dialog asked for: { kind, title, file_name }. */
    lastDialog() {
      return JSON.parse(readFileSync(join(dialogs, "asked.json"), "utf8"));
    },
    /** Saves what the therapist would see as target/e2e-shots/<name>.png. */
    async screenshot(name) {
      if (!compositing) throw new Error("WebKitWebDriver takes no screenshots with compositing off (see launchApp)");
      // Let fonts, images and the last DOM change reach the screen first. A page
      // that reloads meanwhile (a lock) ends the script early; the shot still counts.
      await driver.executeAsyncScript(`
        const done = arguments[arguments.length - 1];
        const images = [...document.images].map((image) => image.decode().catch(() => {}));
        Promise.all([document.fonts.ready, ...images]).then(() =>
          requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 50))));`).catch(() => {});
      mkdirSync(shotsDir, { recursive: true });
      const path = join(shotsDir, `${name}.png`);
      writeFileSync(path, Buffer.from(await driver.takeScreenshot(), "base64"));
      return path;
    },
    /** Waits for an element matching `css`. */
    async find(css, timeout = 15_000) {
      return driver.wait(located(By.css(css)), timeout);
    },
    /** Waits for a heading with exactly this text. */
    async heading(text, timeout = 15_000) {
      return driver.wait(located(By.xpath(`//h1[normalize-space()=${xpathString(text)}]`)), timeout);
    },
    /** Clicks the button with exactly this text, once it is enabled. */
    async click(text, timeout = 15_000) {
      const button = await driver.wait(
        located(By.xpath(`//button[normalize-space()=${xpathString(text)}]`)),
        timeout,
      );
      await driver.wait(until.elementIsEnabled(button), timeout);
      await button.click();
    },
    /** Replaces the text of the input with this id. */
    async type(id, text) {
      const input = await driver.wait(located(By.id(id)), 15_000);
      await input.clear();
      await input.sendKeys(text);
    },
    /** The text of the first alert, once one shows. */
    async alertText(timeout = 15_000) {
      const alert = await driver.wait(located(By.css("[role=alert]")), timeout);
      return alert.getText();
    },
    stop,
  };
}

/**
 * Like `until.elementLocated`, but a page that is reloading (a lock reloads the
 * web view) is "not there yet" rather than an error: WebKitWebDriver fails a
 * lookup that straddles the unload with NoSuchFrameError.
 */
export function located(locator) {
  return new Condition(`element located by ${locator}`, async (driver) => {
    try {
      const [element] = await driver.findElements(locator);
      return element ?? null;
    } catch (problem) {
      if (isNavigationRace(problem)) return null;
      throw problem;
    }
  });
}

function isNavigationRace(problem) {
  return (
    problem instanceof webdriverError.NoSuchFrameError ||
    problem instanceof webdriverError.StaleElementReferenceError ||
    /unload/i.test(String(problem?.message))
  );
}

function xpathString(text) {
  return text.includes("'") ? `"${text}"` : `'${text}'`;
}
