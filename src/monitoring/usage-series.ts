/**
 * A tenant's usage over time for plots: CPU, memory, requests per second and the share of
 * 5xx answers over the last 24 hours, 7 days or 30 days, each one query_range through the
 * namespace fence (queryTenantMetrics). The window plan is pure; a query that fails becomes
 * that series' error note so the other series still arrive, and a series without samples
 * is empty (no data), never a line at zero.
 */
import { InputError } from "../errors.js";
import type { PrometheusQueryConfig } from "../spec/monitoring-schema.js";
import { queryTenantMetrics, type Sample } from "./tenant-metrics.js";

export const USAGE_WINDOWS = { "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400 } as const;
export type UsageWindow = keyof typeof USAGE_WINDOWS;

export function isUsageWindow(w: string): w is UsageWindow {
  return Object.hasOwn(USAGE_WINDOWS, w);
}

/** At most this many points per series: enough for a chart a page wide, cheap for Prometheus. */
export const MAX_POINTS = 200;
/** Steps a person reads easily on a time axis; the first one large enough is taken. */
const STEPS = [15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
/** rate() needs two samples in its range; five minutes covers a 1-2 minute scrape interval. */
const MIN_RANGE = 300;

export interface UsagePlan {
  readonly window: UsageWindow;
  /** Unix seconds; end is aligned to the step so that the points do not shift on every reload. */
  readonly start: number;
  readonly end: number;
  readonly step: number;
  /** Seconds each point averages over (the step, at least MIN_RANGE), so no spike between points is skipped. */
  readonly range: number;
  readonly notes: readonly string[];
}

type Limits = Pick<PrometheusQueryConfig, "minStepSeconds" | "maxQueryRangeSeconds" | "maxLookbackSeconds">;

/** Pure: the query_range window for `window` ending at `now` (unix seconds) within the configured limits. */
export function planWindow(window: UsageWindow, now: number, limits: Limits): UsagePlan {
  const notes: string[] = [];
  let span = USAGE_WINDOWS[window];
  if (span > limits.maxQueryRangeSeconds) {
    span = limits.maxQueryRangeSeconds;
    notes.push(
      `the window is shortened to the last ${String(span)}s: integrations.monitoring.prometheus.maxQueryRangeSeconds is ${String(limits.maxQueryRangeSeconds)}; raise it to see all of ${window}`,
    );
  }
  // MAX_POINTS - 1 intervals give MAX_POINTS points, both ends included.
  const wanted = Math.max(limits.minStepSeconds, Math.ceil(span / (MAX_POINTS - 1)));
  const step = STEPS.find((s) => s >= wanted) ?? wanted;
  const range = Math.min(Math.max(step, MIN_RANGE), limits.maxLookbackSeconds);
  const end = Math.floor(now / step) * step;
  return { window, start: end - span, end, step, range, notes };
}

export interface UsageMetric {
  readonly id: "cpu" | "memory" | "requests" | "errors";
  readonly title: string;
  readonly unit: "cores" | "bytes" | "requests/s" | "percent";
  promql(range: string): string;
}

// The same container filters as the cost code (src/cost/prometheus-usage.ts): the pod-level
// cgroup ("POD", "") would count every container twice.
const CONTAINERS = 'container!="", container!="POD"';

export const USAGE_METRICS: readonly UsageMetric[] = [
  { id: "cpu", title: "CPU", unit: "cores", promql: (r) => `sum(rate(container_cpu_usage_seconds_total{${CONTAINERS}}[${r}]))` },
  { id: "memory", title: "Memory", unit: "bytes", promql: (r) => `sum(avg_over_time(container_memory_working_set_bytes{${CONTAINERS}}[${r}]))` },
  { id: "requests", title: "Requests per second", unit: "requests/s", promql: (r) => `sum(rate(http_requests_total[${r}]))` },
  {
    id: "errors",
    title: "5xx share",
    unit: "percent",
    // No 5xx series at all means no failures (0 %), but no request at all means no data:
    // `or vector(0)` fills only the numerator, so an empty denominator still yields nothing.
    promql: (r) => `100 * (sum(rate(http_requests_total{code=~"5.."}[${r}])) or vector(0)) / sum(rate(http_requests_total[${r}]))`,
  },
];

export interface UsagePoint {
  /** Unix seconds. */
  readonly at: number;
  readonly value: number;
}

export interface UsageSeries {
  readonly id: UsageMetric["id"];
  readonly title: string;
  readonly unit: UsageMetric["unit"];
  /** The query as Prometheus ran it, with the namespace fence; null when it was not run. */
  readonly query: string | null;
  /** Empty when Prometheus has no samples in the window. */
  readonly points: readonly UsagePoint[];
  /** Why this series could not be read; null when it was. */
  readonly error: string | null;
}

/** Pure: the finite values of an answer in time order; NaN (0/0: no requests) and ±Inf are gaps, not zeros. */
export function pointsOf(series: readonly Sample[]): UsagePoint[] {
  const byTime = new Map<number, number>();
  for (const s of series) {
    for (const [at, raw] of s.values) {
      const value = Number(raw);
      if (Number.isFinite(value)) byTime.set(at, (byTime.get(at) ?? 0) + value);
    }
  }
  return [...byTime.entries()].sort(([a], [b]) => a - b).map(([at, value]) => ({ at, value }));
}

function reason(err: unknown): string {
  if (err instanceof InputError) return err.problems.map((p) => `${p.path}: ${p.message} (${p.fix})`).join("; ");
  return err instanceof Error ? err.message : String(err);
}

/** Every usage series of a namespace over the plan's window; never throws for one failed query. */
export async function usageSeries(config: PrometheusQueryConfig, namespace: string, plan: UsagePlan, fetchImpl: typeof fetch = fetch): Promise<UsageSeries[]> {
  const when = { start: plan.start, end: plan.end, step: plan.step };
  return Promise.all(
    USAGE_METRICS.map(async (m): Promise<UsageSeries> => {
      const base = { id: m.id, title: m.title, unit: m.unit };
      try {
        const r = await queryTenantMetrics(config, namespace, m.promql(`${String(plan.range)}s`), when, fetchImpl);
        return { ...base, query: r.query, points: pointsOf(r.series), error: null };
      } catch (err) {
        return { ...base, query: null, points: [], error: `${m.title} could not be read from Prometheus: ${reason(err)}` };
      }
    }),
  );
}
