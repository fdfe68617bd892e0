// Light, dark or the OS's choice. Only this word is kept in the web view's local
// storage (it is no record data), so the lock screen shows the chosen theme too.
export type Theme = "system" | "light" | "dark";

const KEY = "confidant-theme";

export function currentTheme(): Theme {
  const stored = globalThis.localStorage?.getItem(KEY);
  return stored === "light" || stored === "dark" ? stored : "system";
}

export function applyTheme(theme: Theme = currentTheme()): void {
  if (theme === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

export function chooseTheme(theme: Theme): void {
  if (theme === "system") globalThis.localStorage?.removeItem(KEY);
  else globalThis.localStorage?.setItem(KEY, theme);
  applyTheme(theme);
}
