// One date format everywhere, whatever the locale; counts that read right.
import { describe, expect, it } from "vitest";
import { count, formatDate, formatDateTime } from "./dates";

describe("dates and counts", () => {
  it("writes calendar dates as day, month, year", () => {
    expect(formatDate("2026-12-02")).toBe("2 Dec 2026");
    expect(formatDate("2026-01-31")).toBe("31 Jan 2026");
    expect(formatDate(null)).toBe("—");
  });

  it("writes moments in local time the same way", () => {
    const local = new Date(2026, 11, 2, 9, 5);
    expect(formatDateTime(local.toISOString())).toBe("2 Dec 2026, 09:05");
  });

  it("says 1 note and 2 notes, 1 addendum and 2 addenda", () => {
    expect(count(1, "note")).toBe("1 note");
    expect(count(2, "note")).toBe("2 notes");
    expect(count(1, "addendum", "addenda")).toBe("1 addendum");
    expect(count(0, "addendum", "addenda")).toBe("0 addenda");
    expect(count(1, "idle minute")).toBe("1 idle minute");
  });
});
