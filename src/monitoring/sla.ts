/**
 * Monthly SLA per tenant: request availability (non-5xx / all requests) over a calendar
 * month in UTC, measured from Prometheus, compared with the tier's promise, and the service
 * credit the tier's policy grants. Counted as one increase() per day and summed, so no
 * single query looks back more than a day, and every query goes through the namespace
 * fence like a tenant's own.
 */
import { InputError } from "../errors.js";
import type { PrometheusQueryConfig, TierSlo } from "../spec/monitoring-schema.js";
import { queryTenantMetrics } from "./tenant-metrics.js";

export interface MonthWindow {
  readonly month: string;
  /** Unix seconds, inclusive start and exclusive end (first instants of this and the next month, UTC). */
  readonly start: number;
  readonly end: number;
}

export function parseMonth(month: string): MonthWindow {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new InputError([{ path: "--month", message: `'${month}' is not a month`, fix: "write YYYY-MM, e.g. 2026-10" }]);
  const [y, mo] = [Number(m[1]), Number(m[2])];
  return { month, start: Date.UTC(y, mo - 1, 1) / 1000, end: Date.UTC(y, mo, 1) / 1000 };
}

export interface SlaCounts {
  readonly requests: number;
  readonly failed: number;
}

export interface SlaReport {
  readonly tenant: string;
  readonly tier: string;
  readonly month: string;
  readonly requests: number;
  readonly failed: number;
  /** Percent; null when no request was recorded (nothing to judge). */
  readonly availability: number | null;
  readonly promise: number | null;
  readonly status: "met" | "missed" | "no-data" | "no-sla";
  readonly creditPercent: number;
  /** Minor units of billing.currency, of the tier's monthly price. */
  readonly credit: number;
  readonly currency: string;
}

/** Pure: counts and policy in, the report out. The largest credit whose threshold is missed applies. */
export function slaReport(
  base: { tenant: string; tier: string; month: string; currency: string; monthlyPrice: number },
  slo: TierSlo | undefined,
  counts: SlaCounts,
): SlaReport {
  const availability = counts.requests > 0 ? 100 * (1 - counts.failed / counts.requests) : null;
  const sla = slo?.sla;
  const creditPercent =
    availability === null || !sla ? 0 : Math.max(0, ...sla.credits.filter((c) => availability < c.below).map((c) => c.percent));
  const status: SlaReport["status"] = !sla ? "no-sla" : availability === null ? "no-data" : availability >= sla.availability ? "met" : "missed";
  return {
    ...base,
    requests: counts.requests,
    failed: counts.failed,
    availability,
    promise: sla?.availability ?? null,
    status,
    creditPercent,
    credit: Math.round((base.monthlyPrice * creditPercent) / 100),
    currency: base.currency,
  };
}

/** One UTC day of a month: its counts, and its availability in percent (null without requests). */
export interface SlaDay {
  /** YYYY-MM-DD (UTC). */
  readonly date: string;
  readonly requests: number;
  readonly failed: number;
  readonly availability: number | null;
}

type Points = readonly { readonly values: readonly (readonly [number, string])[] }[];

/** Sums the finite values of every series per timestamp (a sum() answer has one series, but be safe). */
function byTime(series: Points): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of series) {
    for (const [t, raw] of s.values) {
      const v = Number(raw);
      if (Number.isFinite(v)) out.set(t, (out.get(t) ?? 0) + v);
    }
  }
  return out;
}

/**
 * Pure: the days of the month from the two daily increase() answers. A point at instant t
 * counts the day that ends at t (see monthDays), so it belongs to the date of t - 1 day.
 * Every day of the month is listed; a day without a point has no requests and so no
 * availability (null), never 100 %.
 */
export function daysOf(win: MonthWindow, requests: Points, failed: Points): SlaDay[] {
  const [req, bad] = [byTime(requests), byTime(failed)];
  const days: SlaDay[] = [];
  for (let day = win.start; day < win.end; day += 86400) {
    const r = req.get(day + 86400) ?? 0;
    const f = bad.get(day + 86400) ?? 0;
    days.push({ date: new Date(day * 1000).toISOString().slice(0, 10), requests: r, failed: f, availability: r > 0 ? 100 * (1 - f / r) : null });
  }
  return days;
}

/** Pure: the month's totals are the sum of its days. */
export function countsOf(days: readonly SlaDay[]): SlaCounts {
  return days.reduce((a, d) => ({ requests: a.requests + d.requests, failed: a.failed + d.failed }), { requests: 0, failed: 0 });
}

/** Requests and 5xx responses of a namespace on each day of the month, from Prometheus. */
export async function monthDays(config: PrometheusQueryConfig, namespace: string, win: MonthWindow, fetchImpl: typeof fetch = fetch): Promise<SlaDay[]> {
  // Daily windows ending at each midnight of the month; a month is at most 31 points.
  const when = { start: win.start + 86400, end: win.end, step: 86400 };
  const limits = { ...config, maxLookbackSeconds: Math.max(config.maxLookbackSeconds, 86400), minStepSeconds: Math.min(config.minStepSeconds, 86400) };
  const daily = async (selector: string) => (await queryTenantMetrics(limits, namespace, `sum(increase(${selector}[1d]))`, when, fetchImpl)).series;
  const [requests, failed] = await Promise.all([daily("http_requests_total"), daily('http_requests_total{code=~"5.."}')]);
  return daysOf(win, requests, failed);
}

/** Requests and 5xx responses of a namespace over the month, from Prometheus. */
export async function monthCounts(config: PrometheusQueryConfig, namespace: string, win: MonthWindow, fetchImpl: typeof fetch = fetch): Promise<SlaCounts> {
  return countsOf(await monthDays(config, namespace, win, fetchImpl));
}
