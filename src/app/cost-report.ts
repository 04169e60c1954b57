/**
 * The month cost report both edges give (`landlord cost`, `landlord invoice issue`,
 * `landlord report`, GET /api/v1/costs): usage comes from each cluster's Prometheus, cloud
 * costs from Azure cost exports; a dedicated cluster without a Prometheus is costed from
 * its tier's node counts and says so.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { allocateWindows, tenantTotals, type ClusterWindowInput } from "../cost/allocation.js";
import { CUSTOMER_TAG, cloudCostByTenant, isNodeCompute, parseAzureCostExport, type CloudCostRow, type TenantIdentity } from "../cost/azure-export.js";
import { fleetPricing, fleetRules, tierPlan, type CostTenant } from "../cost/fleet-pricing.js";
import { fromMinor } from "../cost/money.js";
import { monthReport, type MonthReport } from "../cost/month-report.js";
import { prometheusClient, readClusterUsage, type ClusterPricing } from "../cost/prometheus-usage.js";
import { InputError, type InputProblem } from "../errors.js";
import type { ResolvedTenant } from "../spec/resolve.js";
import { fleetTenant, type DeliveredFleet } from "./delivered-fleet.js";

export interface MonthReportOptions {
  readonly month: string;
  /** URL, or CLUSTER=URL; repeatable. */
  readonly prometheus?: readonly string[];
  /** Azure cost export files; relative paths are read from the cwd given to buildMonthReport. */
  readonly azureExport?: readonly string[];
}

export function monthRange(month: string): { start: number; end: number } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new InputError([{ path: "--month", message: `'${month}' is not a month`, fix: "write YYYY-MM, e.g. 2026-10" }]);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  return { start: Date.UTC(y, mo - 1, 1) / 1000, end: Date.UTC(y, mo, 1) / 1000 };
}

export function costTenant(t: ResolvedTenant): CostTenant {
  return {
    name: t.tenant.metadata.name,
    tier: t.tier.name,
    isolation: t.tier.tier.isolation,
    namespace: t.names.namespace,
    cluster: t.placement.cluster,
    dedicatedCluster: t.placement.dedicatedCluster,
    ...(t.placement.nodePool === undefined ? {} : { nodePool: t.placement.nodePool }),
    customer: t.tenant.spec.displayName,
  };
}

/** `--prometheus URL` (the only shared cluster, or monitoring.prometheus.url) or `--prometheus CLUSTER=URL`. */
function prometheusUrls(values: readonly string[], clusters: readonly ClusterPricing[], configured: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const problems: InputProblem[] = [];
  const shared = clusters.filter((c) => c.owner === undefined);
  for (const v of values) {
    const eq = v.indexOf("=");
    const named = eq > 0 && !v.slice(0, eq).includes(":");
    if (named) {
      const cluster = v.slice(0, eq);
      if (!clusters.some((c) => c.cluster === cluster)) problems.push({ path: "--prometheus", message: `no cluster '${cluster}'`, fix: `use one of: ${clusters.map((c) => c.cluster).join(", ")}` });
      out.set(cluster, v.slice(eq + 1));
    } else if (shared.length === 1 && shared[0]) {
      out.set(shared[0].cluster, v);
    } else {
      problems.push({ path: "--prometheus", message: "a bare URL is ambiguous with several shared clusters", fix: "write --prometheus CLUSTER=URL for each cluster" });
    }
  }
  if (values.length === 0 && configured !== undefined && shared.length === 1 && shared[0]) out.set(shared[0].cluster, configured);
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

/** A dedicated cluster with no Prometheus: its tier's minimum node counts for every hour. */
function estimatedDedicated(p: ClusterPricing, hours: number, nodeCounts: { system: number; app: number }): ClusterWindowInput {
  const price = (pool: string, count: number) => (p.pools.get(pool)?.hourly ?? 0n) * BigInt(count) * BigInt(hours);
  return {
    cluster: p.cluster,
    ...(p.owner === undefined ? {} : { owner: p.owner }),
    nodes: [
      { name: "system (estimated)", cpuMillis: 0n, memoryBytes: 0n, cpuCost: price("system", nodeCounts.system), ramCost: 0n },
      { name: "app (estimated)", cpuMillis: 0n, memoryBytes: 0n, cpuCost: price("app", nodeCounts.app), ramCost: 0n },
    ],
    containers: [],
    charges: [],
  };
}

export interface BuiltReport {
  readonly report: MonthReport;
  readonly tenants: readonly CostTenant[];
  readonly warnings: readonly string[];
  readonly start: number;
  readonly end: number;
}

/** Usage, cloud costs and prices of a month, allocated: what `cost` prints and `invoice issue` bills. */
export async function buildMonthReport(ws: DeliveredFleet, tenant: string | undefined, opts: MonthReportOptions, cwd: string): Promise<BuiltReport> {
  const { start, end } = monthRange(opts.month);
  const config = ws.platform.config;
  const tenants = ws.tenants.map(costTenant);
  if (tenant !== undefined) fleetTenant(ws, tenant);
  const { clusters, problems } = fleetPricing(config, tenants);
  if (problems.length > 0) throw new InputError(problems.map((p) => ({ file: ws.platform.file, ...p })));
  const urls = prometheusUrls(opts.prometheus ?? [], clusters, config.integrations.monitoring.prometheus?.url);

  const windows: ClusterWindowInput[] = [];
  const warnings: string[] = [];
  for (const c of clusters) {
    const url = urls.get(c.cluster);
    if (url !== undefined) {
      const read = await readClusterUsage(prometheusClient(url), c, start, end);
      windows.push(...read.windows);
      warnings.push(...read.problems.map((p) => `${c.cluster}: ${p}`));
    } else if (c.owner !== undefined) {
      const tier = config.tiers[tenants.find((t) => t.name === c.owner)?.tier ?? ""]?.cluster;
      windows.push(estimatedDedicated(c, (end - start) / 3600, { system: tier?.systemNodeCount ?? 0, app: tier?.appMinCount ?? 0 }));
      warnings.push(`${c.cluster}: no Prometheus; estimated from the tier's node counts`);
    } else {
      warnings.push(`${c.cluster}: no Prometheus (--prometheus ${c.cluster}=URL): its usage is not counted`);
    }
  }

  // The whole fleet, also when one tenant is reported: another tenant's rows must still match.
  const identities: TenantIdentity[] = ws.tenants.map((t) => ({ name: t.tenant.metadata.name, ...(t.tenant.spec.customerId === undefined ? {} : { customerId: t.tenant.spec.customerId }) }));
  const inMonth = (r: CloudCostRow) => r.date.startsWith(`${opts.month}-`);
  const rows: CloudCostRow[] = [];
  for (const file of opts.azureExport ?? []) {
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    const imp = parseAzureCostExport(await readFile(path, "utf8"), { file, currency: config.billing.currency, tenants: identities });
    rows.push(...imp.rows);
    for (const r of imp.untagged.filter(inMonth)) warnings.push(`${file}:${r.line}: no tenant tag on ${r.resourceId}`);
    for (const r of imp.unmatched.filter(inMonth)) {
      const value = r.tags[CUSTOMER_TAG] ?? "";
      warnings.push(
        `${file}:${r.line}: tag ${CUSTOMER_TAG} '${value}' on ${r.resourceId} matches no tenant's spec.customerId or name, so its cost is unassigned; add customerId: ${value} to the spec of the tenant it belongs to, or correct the tag`,
      );
    }
  }

  const allocations = allocateWindows(windows, fleetRules(config, tenants));
  // A dedicated pool or cluster the allocation gave no node cost had no usage read (or its
  // nodes no price): its tagged node VM rows are then that tenant's compute, not set apart.
  const allocated = tenantTotals(allocations.values());
  const nodesFromExport = new Set(tenants.filter((t) => t.isolation !== "namespace" && (allocated.get(t.name)?.dedicated ?? 0n) === 0n).map((t) => t.name));
  for (const name of nodesFromExport) {
    if (rows.some((r) => r.tenant === name && inMonth(r) && isNodeCompute(r))) {
      warnings.push(`${name}: no node of its dedicated pool or cluster was costed from usage; its node VM rows of the Azure export are counted as its cost instead`);
    }
  }

  const report = monthReport({
    month: opts.month,
    currency: config.billing.currency,
    tenants: tenant === undefined ? tenants : tenants.filter((t) => t.name === tenant),
    allocations: allocations.values(),
    cloud: cloudCostByTenant(rows, opts.month, { nodesFromExport }),
    priceOf: (tier) => fromMinor(config.tiers[tier]?.price.monthly ?? 0),
    planOf: (tier) => tierPlan(config, tier),
    markupPercent: config.billing.markupPercent,
  });
  return { report, tenants, warnings, start, end };
}
