/**
 * The month report as rows (table and CSV), as JSON, and in the shape of OpenCost's
 * /allocation API (aggregated by namespace) for dashboards that already read it. Amounts
 * are rounded to minor units here, at the output line, never before.
 */
import { ownCost, type TenantCost } from "./allocation.js";
import type { MonthReport, TenantMonth } from "./month-report.js";
import { formatMinor, fromMinor, microsToMajorNumber, toMinor, type Micros } from "./money.js";

export const COST_COLUMNS = ["TENANT", "TIER", "OWN", "SHARED", "CLOUD", "COST", "PRICE", "MARGIN", "CPU REQ", "CPU USED", "SIZING"] as const;

const MIB = 1024n * 1024n;

/** One resource's verdict with the suggested request, e.g. "cpu over-provisioned (request 150m)". */
function verdict(resource: "cpu" | "memory", sizing: string, suggested: string | undefined): string {
  return `${resource} ${sizing}${suggested === undefined ? "" : ` (request ${suggested})`}`;
}

/** The sizing cell: each resource whose request is worth changing; "fits" when none is. */
export function sizingText(t: TenantMonth): string {
  const parts: string[] = [];
  if (t.sizing !== "fits") parts.push(verdict("cpu", t.sizing, t.suggestedCpuMillis === undefined ? undefined : `${t.suggestedCpuMillis}m`));
  if (t.memorySizing !== "fits") parts.push(verdict("memory", t.memorySizing, t.suggestedMemoryBytes === undefined ? undefined : `${t.suggestedMemoryBytes / MIB}Mi`));
  return parts.length === 0 ? "fits" : parts.join("; ");
}

export function costRows(report: MonthReport): Record<string, string>[] {
  const money = (m: Micros) => formatMinor(toMinor(m), report.currency);
  const rows = report.tenants.map((t) => ({
    TENANT: t.tenant,
    TIER: t.tier,
    OWN: money(ownCost(t.cluster)),
    SHARED: money(t.cluster.shared),
    CLOUD: money(t.cloud),
    COST: money(t.cost),
    PRICE: money(t.price),
    MARGIN: money(t.margin),
    "CPU REQ": `${t.cpuRequestMillis}m`,
    "CPU USED": `${t.cpuUsageMillis}m`,
    SIZING: sizingText(t),
  }));
  return rows;
}

/** Summary lines under the table: the buckets that are nobody's, so nothing is hidden. */
export function costFooter(report: MonthReport): string {
  const money = (m: Micros) => `${formatMinor(toMinor(m), report.currency)} ${report.currency}`;
  const lines = [`fleet: cost ${money(report.totals.cost)}, price ${money(report.totals.price)}, margin ${money(report.totals.margin)}`];
  for (const c of report.clusters) {
    lines.push(`cluster ${c.cluster}: ${money(c.total)} = tenants + idle ${money(c.idle)} + shared ${money(c.shared)}${c.unspread > 0n ? ` (unspread ${money(c.unspread)})` : ""}`);
  }
  if (report.cloudUntagged > 0n) lines.push(`cloud cost without a tenant tag: ${money(report.cloudUntagged)}`);
  if (report.cloudCompute > 0n) lines.push(`cloud node VMs left out (already costed per node above): ${money(report.cloudCompute)}`);
  for (const [t, v] of report.cloudUnknownTenants) lines.push(`cloud cost tagged with unknown tenant '${t}': ${money(v)}`);
  return `${lines.join("\n")}\n`;
}

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function costCsv(report: MonthReport): string {
  const header = ["month", "currency", "tenant", "tier", "cpu", "ram", "pv", "load_balancer", "network", "dedicated", "shared", "cloud", "cost", "price", "margin", "cpu_request_m", "cpu_usage_m", "memory_request_bytes", "memory_usage_bytes", "sizing", "memory_usage_peak_bytes", "memory_sizing", "overage"];
  const lines = report.tenants.map((t) => {
    const m = (v: Micros) => formatMinor(toMinor(v), report.currency);
    const c = t.cluster;
    return [report.month, report.currency, t.tenant, t.tier, m(c.cpu), m(c.ram), m(c.pv), m(c.loadBalancer), m(c.network), m(c.dedicated), m(c.shared), m(t.cloud), m(t.cost), m(t.price), m(t.margin), String(t.cpuRequestMillis), String(t.cpuUsageMillis), String(t.memoryRequestBytes), String(t.memoryUsageBytes), t.sizing, String(t.memoryUsagePeakBytes), t.memorySizing, m(fromMinor(t.overage.reduce((a, o) => a + o.amountMinor, 0n)))]
      .map(csvCell)
      .join(",");
  });
  return `${[header.join(","), ...lines].join("\r\n")}\r\n`;
}

/** JSON with minor-unit integers (rounded here) and the exact micros as strings. */
export function costJson(report: MonthReport): unknown {
  const amount = (m: Micros) => ({ minor: Number(toMinor(m)), micros: m.toString() });
  const tenantCost = (c: TenantCost) => ({
    cpu: amount(c.cpu),
    ram: amount(c.ram),
    pv: amount(c.pv),
    loadBalancer: amount(c.loadBalancer),
    network: amount(c.network),
    dedicated: amount(c.dedicated),
    shared: amount(c.shared),
  });
  const row = (t: TenantMonth) => ({
    tenant: t.tenant,
    tier: t.tier,
    cluster: tenantCost(t.cluster),
    cloud: amount(t.cloud),
    cost: amount(t.cost),
    price: amount(t.price),
    margin: amount(t.margin),
    usage: {
      cpuRequestMillis: Number(t.cpuRequestMillis),
      cpuUsageMillis: Number(t.cpuUsageMillis),
      memoryRequestBytes: Number(t.memoryRequestBytes),
      memoryUsageBytes: Number(t.memoryUsageBytes),
      memoryUsagePeakBytes: Number(t.memoryUsagePeakBytes),
      // Month totals in base units as strings: byte-hours pass 2^53 within a month of a few GiB.
      allocated: { cpuMillicoreHours: t.usage.cpu.toString(), memoryByteHours: t.usage.memory.toString(), storageByteHours: t.usage.storage.toString(), egressBytes: t.usage.egress.toString() },
    },
    sizing: {
      verdict: t.sizing,
      ...(t.suggestedCpuMillis === undefined ? {} : { suggestedCpuMillis: Number(t.suggestedCpuMillis) }),
      memory: { verdict: t.memorySizing, ...(t.suggestedMemoryBytes === undefined ? {} : { suggestedBytes: Number(t.suggestedMemoryBytes) }) },
    },
    overage: t.overage.map((o) => ({
      resource: o.charge.resource,
      used: o.charge.used.toString(),
      allowance: o.charge.allowance.toString(),
      excess: o.charge.excess.toString(),
      unitPriceMicros: o.charge.unitPrice.toString(),
      minor: Number(o.amountMinor),
    })),
  });
  return {
    apiVersion: "landlord.dev/v1alpha1",
    kind: "CostReport",
    month: report.month,
    currency: report.currency,
    tenants: report.tenants.map(row),
    clusters: report.clusters.map((c) => ({ cluster: c.cluster, total: amount(c.total), idle: amount(c.idle), shared: amount(c.shared), unspread: amount(c.unspread) })),
    cloudUntagged: amount(report.cloudUntagged),
    cloudCompute: amount(report.cloudCompute),
    cloudUnknownTenants: Object.fromEntries([...report.cloudUnknownTenants].map(([t, v]) => [t, amount(v)])),
    totals: { cost: amount(report.totals.cost), price: amount(report.totals.price), margin: amount(report.totals.margin) },
  };
}

export interface OpenCostWindow {
  readonly start: string;
  readonly end: string;
}

/**
 * OpenCost's /allocation response, one step covering the month, aggregated by namespace:
 * tenant namespaces carry their shared part in sharedCost and their cloud cost in
 * externalCost; idle is `__idle__` and shared cost no tenant took is `__unallocated__`.
 * Costs are floats in major units, as that API returns them.
 */
export function openCostAllocation(report: MonthReport, namespaceOf: (tenant: string) => string, window: OpenCostWindow): unknown {
  const major = (m: Micros) => microsToMajorNumber(m, report.currency);
  const minutes = (Date.parse(window.end) - Date.parse(window.start)) / 60_000;
  const hours = minutes / 60;
  const entry = (name: string, properties: Record<string, string>, c: TenantCost, external: Micros, usage?: TenantMonth) => {
    const total = ownCost(c) + c.shared + external;
    return {
      name,
      properties,
      window: { start: window.start, end: window.end },
      start: window.start,
      end: window.end,
      minutes,
      cpuCores: usage ? Number(usage.cpuRequestMillis > usage.cpuUsageMillis ? usage.cpuRequestMillis : usage.cpuUsageMillis) / 1000 : 0,
      cpuCoreRequestAverage: usage ? Number(usage.cpuRequestMillis) / 1000 : 0,
      cpuCoreUsageAverage: usage ? Number(usage.cpuUsageMillis) / 1000 : 0,
      cpuCoreHours: usage ? (Number(usage.cpuRequestMillis > usage.cpuUsageMillis ? usage.cpuRequestMillis : usage.cpuUsageMillis) / 1000) * hours : 0,
      cpuCost: major(c.cpu + c.dedicated),
      gpuCost: 0,
      ramBytes: usage ? Number(usage.memoryRequestBytes > usage.memoryUsageBytes ? usage.memoryRequestBytes : usage.memoryUsageBytes) : 0,
      ramByteRequestAverage: usage ? Number(usage.memoryRequestBytes) : 0,
      ramByteUsageAverage: usage ? Number(usage.memoryUsageBytes) : 0,
      ramCost: major(c.ram),
      pvCost: major(c.pv),
      networkCost: major(c.network),
      loadBalancerCost: major(c.loadBalancer),
      sharedCost: major(c.shared),
      externalCost: major(external),
      totalCost: major(total),
    };
  };
  const data: Record<string, unknown> = {};
  for (const t of report.tenants) {
    const ns = namespaceOf(t.tenant);
    data[ns] = entry(ns, { namespace: ns, tenant: t.tenant, tier: t.tier }, t.cluster, t.cloud, t);
  }
  const idleCpu = report.clusters.reduce((a, c) => a + c.idleCpu, 0n);
  const idleRam = report.clusters.reduce((a, c) => a + c.idleRam, 0n);
  const unspread = report.clusters.reduce((a, c) => a + c.unspread, 0n) + report.cloudUntagged;
  data["__idle__"] = entry("__idle__", {}, { cpu: idleCpu, ram: idleRam, pv: 0n, loadBalancer: 0n, network: 0n, dedicated: 0n, shared: 0n }, 0n);
  if (unspread > 0n) data["__unallocated__"] = entry("__unallocated__", {}, { cpu: 0n, ram: 0n, pv: 0n, loadBalancer: 0n, network: 0n, dedicated: 0n, shared: unspread }, 0n);
  return { code: 200, status: "success", data: [data] };
}
