/**
 * Maintenance windows (pure): is a tenant's window open now, and when does it open next.
 * A window is days of the week, a start time and a length, in the tenant's time zone; a
 * window that starts late on one day and runs past midnight stays open into the next day.
 * The zone must have passed timeZoneProblem (src/spec/time-zones.ts), the rule validation
 * and the fleet Alertmanager use: Intl alone would also take 'europe/paris', which
 * Alertmanager refuses, and would throw on an unknown zone.
 */
export interface MaintenanceWindow {
  readonly days: readonly string[];
  /** HH:MM, 24h. */
  readonly start: string;
  readonly durationMinutes: number;
  readonly timezone: string;
}

const WEEKDAY_INDEX: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const MINUTE = 60_000;
const DAY = 86_400_000;

interface LocalParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

function localParts(at: Date, timeZone: string): LocalParts {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", hourCycle: "h23" }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? "0");
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour"), minute: get("minute") };
}

/** Offset of `timeZone` from UTC at `at`, in ms. */
function offsetMs(at: Date, timeZone: string): number {
  const p = localParts(at, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  return asUtc - Math.floor(at.getTime() / MINUTE) * MINUTE;
}

/** The instant at which the local wall clock in `timeZone` reads y-m-d h:mi. */
function instantOf(y: number, m: number, d: number, h: number, mi: number, timeZone: string): number {
  const guess = Date.UTC(y, m - 1, d, h, mi);
  const first = guess - offsetMs(new Date(guess), timeZone);
  return guess - offsetMs(new Date(first), timeZone);
}

/** Window starts from one day before `from` up to eight days after, oldest first. */
function starts(w: MaintenanceWindow, from: Date): number[] {
  const [hh, mm] = w.start.split(":").map(Number);
  const out: number[] = [];
  for (let offset = -2; offset <= 8; offset++) {
    const p = localParts(new Date(from.getTime() + offset * DAY), w.timezone);
    const weekday = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay();
    if (!w.days.some((d) => WEEKDAY_INDEX[d] === weekday)) continue;
    out.push(instantOf(p.year, p.month, p.day, hh ?? 0, mm ?? 0, w.timezone));
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

export type WindowState = { readonly open: true; readonly closesAt: Date } | { readonly open: false; readonly opensAt: Date | undefined };

export function windowState(w: MaintenanceWindow, now: Date): WindowState {
  const t = now.getTime();
  const all = starts(w, now);
  const current = all.filter((s) => s <= t && t < s + w.durationMinutes * MINUTE).at(-1);
  if (current !== undefined) return { open: true, closesAt: new Date(current + w.durationMinutes * MINUTE) };
  const next = all.find((s) => s > t);
  return { open: false, opensAt: next === undefined ? undefined : new Date(next) };
}
