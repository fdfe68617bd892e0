// WCAG AA contrast in both themes, computed from the palette in app.css: body
// text 4.5:1 on every background it sits on, control edges and the focus ring
// 3:1 (WCAG 1.4.3 and 1.4.11). Changing a colour that breaks this fails here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// Vitest runs from ui/.
const css = readFileSync(join(process.cwd(), "src", "app.css"), "utf8");

function palette(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  expect(start, `${selector} block in app.css`).toBeGreaterThanOrEqual(0);
  const block = css.slice(start, css.indexOf("}", start));
  return Object.fromEntries([...block.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6});/gi)].map((match) => [match[1], match[2]]));
}

function channels(hex: string): number[] {
  return [1, 3, 5].map((offset) => parseInt(hex.slice(offset, offset + 2), 16));
}

function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((value) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/** `color-mix(in srgb, top p%, transparent)` drawn over `base`. */
function mix(top: string, base: string, share: number): string {
  const t = channels(top);
  const b = channels(base);
  return `#${t.map((value, i) => Math.round(value * share + b[i]! * (1 - share)).toString(16).padStart(2, "0")).join("")}`;
}

const light = palette(":root");
const dark = { ...light, ...palette(':root[data-theme="dark"]') };

describe.each([
  ["light", light],
  ["dark", dark],
])("%s theme", (_name, colours) => {
  const c = (name: string) => {
    const value = colours[name];
    expect(value, `--${name}`).toMatch(/^#[0-9a-f]{6}$/i);
    return value!;
  };
  const backgrounds = ["bg", "surface"];

  it.each(["text", "muted", "accent", "danger"])("%s text reaches 4.5:1 on both backgrounds", (foreground) => {
    for (const background of backgrounds) expect(contrast(c(foreground), c(background))).toBeGreaterThanOrEqual(4.5);
  });

  it("primary buttons' label reaches 4.5:1 on the accent", () => {
    expect(contrast(c("accent-text"), c("accent"))).toBeGreaterThanOrEqual(4.5);
  });

  it("text stays readable on highlighted rows, search marks and error boxes", () => {
    expect(contrast(c("text"), mix(c("accent"), c("surface"), 0.14))).toBeGreaterThanOrEqual(4.5);
    expect(contrast(c("text"), mix(c("accent"), c("surface"), 0.35))).toBeGreaterThanOrEqual(4.5);
    expect(contrast(c("danger"), mix(c("danger"), c("bg"), 0.08))).toBeGreaterThanOrEqual(4.5);
  });

  it("control edges and the focus ring reach 3:1", () => {
    for (const background of backgrounds) {
      expect(contrast(c("control-border"), c(background))).toBeGreaterThanOrEqual(3);
      expect(contrast(c("focus"), c(background))).toBeGreaterThanOrEqual(3);
    }
  });
});

describe("contrast", () => {
  it("matches the WCAG reference values", () => {
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
  });
});
