// Light, dark or the OS's choice. Only this word is kept in the web view's local
// storage (it is no record data), so the lock screen shows the chosen theme too.
export type Theme = "system" | "light" | "dark";

const KEY = "confidant-theme";

export function currentTheme(): Theme {
  const stored = globalThis.localStorage?.getItem(KEY);
  return stored === "light" || stored === "dark" ? stored : "system";
}

const systemDark = globalThis.matchMedia?.("(prefers-color-scheme: dark)");

/** Sets the page's `data-theme` to light or dark; "system" follows the OS, live. */
export function applyTheme(theme: Theme = currentTheme()): void {
  const dark = theme === "dark" || (theme === "system" && (systemDark?.matches ?? false));
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}

systemDark?.addEventListener?.("change", () => applyTheme());

export function chooseTheme(theme: Theme): void {
  if (theme === "system") globalThis.localStorage?.removeItem(KEY);
  else globalThis.localStorage?.setItem(KEY, theme);
  applyTheme(theme);
}
