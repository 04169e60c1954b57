/**
 * The platform's success metrics as one report: onboarding time (p50, p95, max) from the
 * workflow records, cost per customer by tier from the month's cost report, and what is
 * not measured here said plainly rather than shown as zero. Pure.
 */
import type { MonthReport } from "./month-report.js";
import type { Micros } from "./money.js";

export interface FinishedWorkflow {
  readonly kind: string;
  readonly status: string;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

export interface Durations {
  readonly count: number;
  readonly p50Ms?: number;
  readonly p95Ms?: number;
  readonly maxMs?: number;
}

/** Nearest-rank percentile: a value that really occurred, never an interpolation. */
export function percentile(sortedMs: readonly number[], p: number): number | undefined {
  if (sortedMs.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedMs.length));
  return sortedMs[rank - 1];
}

/** Time from request to a live tenant: successful onboard workflows, created to finished. */
export function onboardingTimes(workflows: readonly FinishedWorkflow[], month?: string): Durations {
  const ms = workflows
    .filter((w) => w.kind === "onboard" && w.status === "Succeeded" && w.finishedAt !== null)
    .filter((w) => month === undefined || w.createdAt.toISOString().startsWith(month))
    .map((w) => (w.finishedAt?.getTime() ?? 0) - w.createdAt.getTime())
    .sort((a, b) => a - b);
  const p50 = percentile(ms, 50);
  const p95 = percentile(ms, 95);
  const max = ms.at(-1);
  return { count: ms.length, ...(p50 === undefined ? {} : { p50Ms: p50 }), ...(p95 === undefined ? {} : { p95Ms: p95 }), ...(max === undefined ? {} : { maxMs: max }) };
}

export interface TierCost {
  readonly tier: string;
  readonly tenants: number;
  readonly averageCost: Micros;
  readonly averagePrice: Micros;
}

export function costPerCustomerByTier(report: MonthReport): TierCost[] {
  const by = new Map<string, { n: number; cost: Micros; price: Micros }>();
  for (const t of report.tenants) {
    const e = by.get(t.tier) ?? { n: 0, cost: 0n, price: 0n };
    e.n += 1;
    e.cost += t.cost;
    e.price += t.price;
    by.set(t.tier, e);
  }
  return [...by]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([tier, e]) => ({ tier, tenants: e.n, averageCost: e.cost / BigInt(e.n), averagePrice: e.price / BigInt(e.n) }));
}
