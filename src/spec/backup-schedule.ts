/**
 * How often a six-field cron schedule (seconds first, as CloudNativePG reads it) can fire.
 * The schema has already checked the syntax; this only expands the time-of-day fields.
 */

const DAY = 86_400;

/** The platform-wide floor: no layer may schedule base backups more often than this. */
export const MIN_BACKUP_INTERVAL_SECONDS = 3600;

/** The values one cron field selects within [min, max]: lists, ranges and steps. */
function values(field: string, min: number, max: number): number[] {
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const [range = "*", stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    const [lo, hi] = range === "*" || range === "?" ? [min, max] : ((b) => [b[0] ?? min, b[1] ?? (stepText === undefined ? b[0] ?? min : max)])(range.split("-").map(Number));
    // Never trust the syntax here: a zero step or a huge range must not loop.
    if (!Number.isInteger(step) || step < 1 || !Number.isInteger(lo) || !Number.isInteger(hi)) continue;
    for (let v = Math.max(lo, min); v <= Math.min(hi, max); v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * The shortest gap between two runs, in seconds. Runs on consecutive days are assumed
 * (the worst case), so a schedule limited to some days is judged by its busiest ones.
 */
export function shortestIntervalSeconds(schedule: string): number {
  const [sec = "0", min = "0", hour = "0"] = schedule.trim().split(/\s+/);
  const times: number[] = [];
  for (const h of values(hour, 0, 23)) for (const m of values(min, 0, 59)) for (const s of values(sec, 0, 59)) times.push(h * 3600 + m * 60 + s);
  times.sort((a, b) => a - b);
  const first = times[0];
  const last = times.at(-1);
  if (first === undefined || last === undefined) return DAY;
  let shortest = first + DAY - last;
  for (let i = 1; i < times.length; i++) shortest = Math.min(shortest, (times[i] ?? 0) - (times[i - 1] ?? 0));
  return shortest;
}

/** "1h", "30m", "1d" for messages. */
export function formatInterval(seconds: number): string {
  if (seconds % DAY === 0) return `${String(seconds / DAY)}d`;
  if (seconds % 3600 === 0) return `${String(seconds / 3600)}h`;
  if (seconds % 60 === 0) return `${String(seconds / 60)}m`;
  return `${String(seconds)}s`;
}
