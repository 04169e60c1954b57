/**
 * What each customer cost and pays for one month: its allocated cluster cost (own and its
 * share of the platform), its tagged cloud cost, the tier's price, the margin, and whether
 * its requests fit what it uses. Pure: allocations and imported rows in, a report out.
 */
import { emptyTenantCost, tenantTotals, totalCost, type ClusterAllocation, type TenantCost } from "./allocation.js";
import type { CostTenant } from "./fleet-pricing.js";
import { fromMinor, type Micros } from "./money.js";
import { markupBasisPoints, NO_USAGE, overageCharges, overageMinor, type OverageCharge, type TierPlan, type UsageQuantities } from "./overage.js";

export type Sizing = "fits" | "over-provisioned" | "under-provisioned" | "no-requests" | "no-data";

export interface TenantMonth {
  readonly tenant: string;
  readonly tier: string;
  readonly cluster: TenantCost;
  readonly cloud: Micros;
  readonly cost: Micros;
  readonly price: Micros;
  readonly margin: Micros;
  readonly cpuRequestMillis: bigint;
  readonly cpuUsageMillis: bigint;
  readonly memoryRequestBytes: bigint;
  readonly memoryUsageBytes: bigint;
  /** The busiest hour's memory use. */
  readonly memoryUsagePeakBytes: bigint;
  /** CPU sizing (the request against the average use). */
  readonly sizing: Sizing;
  /** A CPU request that would fit the average use with 25% headroom, in millicores (multiple of 50m). */
  readonly suggestedCpuMillis?: bigint;
  /** Memory sizing (the request against the busiest hour's use). */
  readonly memorySizing: Sizing;
  /** A memory request that would fit the busiest hour with 25% headroom, in bytes (multiple of 64 MiB). */
  readonly suggestedMemoryBytes?: bigint;
  /** What the month's allocation charged it for, in base units (what allowances are measured against). */
  readonly usage: UsageQuantities;
  /** Billed above the tier's allowance: each charge with its invoice line amount (markup included). */
  readonly overage: readonly { readonly charge: OverageCharge; readonly amountMinor: bigint }[];
}

export interface MonthReport {
  readonly month: string;
  readonly currency: string;
  readonly tenants: readonly TenantMonth[];
  readonly clusters: readonly { cluster: string; total: Micros; idle: Micros; idleCpu: Micros; idleRam: Micros; shared: Micros; unspread: Micros }[];
  /** Cloud rows without a tenant tag (platform resources or strays), never dropped. */
  readonly cloudUntagged: Micros;
  /** Node VM rows of the export, left out because the allocation already costs those nodes. */
  readonly cloudCompute: Micros;
  /** Cloud rows tagged with a tenant the fleet does not have. */
  readonly cloudUnknownTenants: ReadonlyMap<string, Micros>;
  readonly totals: { readonly cost: Micros; readonly price: Micros; readonly margin: Micros };
}

export interface MonthReportInput {
  readonly month: string;
  readonly currency: string;
  readonly tenants: readonly CostTenant[];
  readonly allocations: Iterable<ClusterAllocation>;
  readonly cloud: { readonly byTenant: ReadonlyMap<string, Micros>; readonly untagged: Micros; readonly compute?: Micros };
  /** The tier's monthly price, in micros. */
  readonly priceOf: (tier: string) => Micros;
  /** The tier's allowance and overage prices; without it only the base fee is billed. */
  readonly planOf?: (tier: string) => TierPlan;
  /** Added to overage (and what else is billed at cost); percent. */
  readonly markupPercent?: number;
}

/** CPU requests below half the use or above twice it are worth changing; in between they fit. */
function sizingOf(req: bigint, use: bigint, windows: number): { sizing: Sizing; suggested?: bigint } {
  if (windows === 0) return { sizing: "no-data" };
  const suggested = (((use * 125n) / 100n / BigInt(windows) + 49n) / 50n) * 50n || 50n;
  if (req === 0n) return { sizing: "no-requests", suggested };
  if (use * 2n < req) return { sizing: "over-provisioned", suggested };
  if (use > req * 2n) return { sizing: "under-provisioned", suggested };
  return { sizing: "fits" };
}

const MEMORY_STEP = 64n * 1024n * 1024n;

/**
 * Memory is judged against the busiest hour, not the average: it cannot be throttled, and a
 * pod whose working set is above its request is the first evicted when the node runs short.
 * So any peak above the request is under-provisioned; a request over twice the peak is over.
 */
function memorySizingOf(req: bigint, peak: bigint, windows: number): { sizing: Sizing; suggested?: bigint } {
  if (windows === 0) return { sizing: "no-data" };
  const suggested = (((peak * 125n) / 100n + MEMORY_STEP - 1n) / MEMORY_STEP) * MEMORY_STEP || MEMORY_STEP;
  if (req === 0n) return { sizing: "no-requests", suggested };
  if (peak * 2n < req) return { sizing: "over-provisioned", suggested };
  if (peak > req) return { sizing: "under-provisioned", suggested };
  return { sizing: "fits" };
}

export function monthReport(input: MonthReportInput): MonthReport {
  const allocations = [...input.allocations];
  const totals = tenantTotals(allocations);
  const usage = new Map<string, { windows: number; cpuReq: bigint; cpuUse: bigint; memReq: bigint; memUse: bigint; memPeak: bigint; allocated: Record<keyof UsageQuantities, bigint> }>();
  for (const a of allocations) {
    for (const [ns, u] of a.namespaces) {
      const e = usage.get(ns) ?? { windows: 0, cpuReq: 0n, cpuUse: 0n, memReq: 0n, memUse: 0n, memPeak: 0n, allocated: { ...NO_USAGE } };
      e.windows = Math.max(e.windows, u.windows);
      e.cpuReq += u.cpuRequestMillis;
      e.cpuUse += u.cpuUsageMillis;
      e.memReq += u.memoryRequestBytes;
      e.memUse += u.memoryUsageBytes;
      // Peaks of different clusters may be different hours; the larger is the safe bound.
      if (u.memoryUsagePeakBytes > e.memPeak) e.memPeak = u.memoryUsagePeakBytes;
      // The allocation's windows are hourly (prometheus-usage.ts), so per-window sums are millicore-, byte-hours.
      e.allocated.cpu += u.cpuAllocatedMillis;
      e.allocated.memory += u.memoryAllocatedBytes;
      e.allocated.storage += u.pvBytes;
      e.allocated.egress += u.egressBytes;
      usage.set(ns, e);
    }
  }
  const markupBp = markupBasisPoints(input.markupPercent ?? 0);
  const known = new Set(input.tenants.map((t) => t.name));
  const rows: TenantMonth[] = [...input.tenants]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((t) => {
      const cluster = totals.get(t.name) ?? emptyTenantCost();
      const cloud = input.cloud.byTenant.get(t.name) ?? 0n;
      const cost = totalCost(cluster) + cloud;
      const u = usage.get(t.namespace);
      const allocated: UsageQuantities = u?.allocated ?? NO_USAGE;
      const overage = input.planOf === undefined ? [] : overageCharges(allocated, input.planOf(t.tier)).map((charge) => ({ charge, amountMinor: overageMinor(charge, markupBp) }));
      // The price is what the invoice bills for the tier: base fee and overage lines as rounded there.
      const price = input.priceOf(t.tier) + overage.reduce((acc, o) => acc + fromMinor(o.amountMinor), 0n);
      const n = u?.windows ?? 0;
      const avg = (x: bigint) => (n === 0 ? 0n : x / BigInt(n));
      const s = sizingOf(u?.cpuReq ?? 0n, u?.cpuUse ?? 0n, n);
      const mem = memorySizingOf(avg(u?.memReq ?? 0n), u?.memPeak ?? 0n, n);
      return {
        tenant: t.name,
        tier: t.tier,
        cluster,
        cloud,
        cost,
        price,
        margin: price - cost,
        cpuRequestMillis: avg(u?.cpuReq ?? 0n),
        cpuUsageMillis: avg(u?.cpuUse ?? 0n),
        memoryRequestBytes: avg(u?.memReq ?? 0n),
        memoryUsageBytes: avg(u?.memUse ?? 0n),
        memoryUsagePeakBytes: u?.memPeak ?? 0n,
        sizing: s.sizing,
        ...(s.suggested === undefined ? {} : { suggestedCpuMillis: s.suggested }),
        memorySizing: mem.sizing,
        ...(mem.suggested === undefined ? {} : { suggestedMemoryBytes: mem.suggested }),
        usage: allocated,
        overage,
      };
    });
  const unknown = new Map<string, Micros>();
  for (const [t, v] of input.cloud.byTenant) if (!known.has(t)) unknown.set(t, v);
  const sum = (f: (r: TenantMonth) => Micros) => rows.reduce((acc, r) => acc + f(r), 0n);
  return {
    month: input.month,
    currency: input.currency,
    tenants: rows,
    clusters: allocations.map((a) => ({ cluster: a.cluster, total: a.total, idle: a.idle, idleCpu: a.idleCpu, idleRam: a.idleRam, shared: a.shared, unspread: a.unspread })),
    cloudUntagged: input.cloud.untagged,
    cloudCompute: input.cloud.compute ?? 0n,
    cloudUnknownTenants: unknown,
    totals: { cost: sum((r) => r.cost), price: sum((r) => r.price), margin: sum((r) => r.margin) },
  };
}
