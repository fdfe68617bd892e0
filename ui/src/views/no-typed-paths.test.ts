// No screen asks the therapist to type a path: files and folders are chosen in
// the system's dialogs, opened from Rust. This reads every component's source
// and fails on any text field that looks like it wants a path.
import { describe, expect, it } from "vitest";

const sources = import.meta.glob("../**/*.svelte", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

/** Each `<input …>` with the 200 characters before it (its label). */
function inputs(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/<(input|DateInput)\b[^>]*>/g)) {
    const start = Math.max(0, (match.index ?? 0) - 200);
    found.push(source.slice(start, (match.index ?? 0) + match[0].length));
  }
  return found;
}

const PATH_WORDS = /\b(path|folder|file name|save as)\b|\.confidant|\.cbak|\.pdf|\/home\/|\/media\//i;

describe("file and folder choices", () => {
  it("the scan sees the components and would catch a path field", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(20);
    const planted = `<label for="export-path">Save as</label>\n<input id="export-path" bind:value={path} />`;
    expect(inputs(planted).some((context) => PATH_WORDS.test(context))).toBe(true);
  });

  it("no view has a text field for a path", () => {
    // Choices (radio buttons, check boxes), numbers and passwords are not typed paths.
    const typed = (context: string) => !/type="(radio|checkbox|number|password)"/.test(context.slice(context.lastIndexOf("<")));
    const offending = Object.entries(sources).flatMap(([file, source]) =>
      inputs(source)
        .filter(typed)
        .filter((context) => PATH_WORDS.test(context))
        .map((context) => `${file}: ${context.replace(/\s+/g, " ").slice(-240)}`),
    );
    expect(offending).toEqual([]);
  });
});
