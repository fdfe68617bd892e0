// Dates as the vault stores them (local calendar dates, YYYY-MM-DD) and as the
// app shows them: one format everywhere, "2 Dec 2026" and "2 Dec 2026, 14:05",
// the same whatever the system locale (and as the sign dialog's warnings, which
// come from Rust, write them).
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function today(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}

/** "2026-12-02" → "2 Dec 2026"; anything else as it is (or "—" when empty). */
export function formatDate(date: string | null | undefined): string {
  if (!date) return "—";
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!match) return date;
  const [, year, month, day] = match;
  return `${Number(day)} ${MONTHS[Number(month) - 1] ?? month} ${year}`;
}

/** An RFC 3339 time → "2 Dec 2026, 14:05" in local time. */
export function formatDateTime(moment: string | null | undefined): string {
  if (!moment) return "—";
  const time = new Date(moment);
  if (Number.isNaN(time.getTime())) return moment;
  const date = `${time.getDate()} ${MONTHS[time.getMonth()]} ${time.getFullYear()}`;
  return `${date}, ${String(time.getHours()).padStart(2, "0")}:${String(time.getMinutes()).padStart(2, "0")}`;
}

/** "1 note", "2 notes"; `plural` when it is not just an added s ("addenda"). */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
