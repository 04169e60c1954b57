/**
 * `landlord report`: the seed's success metrics in one place. What cannot be measured from
 * here (isolation incidents without a live audit, SLA without monitoring) is named as such.
 * The SLA per tenant is the one `landlord sla` reports (src/monitoring/sla.ts), measured when
 * a month and a Prometheus (--prometheus, or integrations.monitoring.prometheus) are given.
 */
import { formatMinor, toMinor } from "../../cost/money.js";
import { costPerCustomerByTier, onboardingTimes, type Durations, type TierCost } from "../../cost/success-metrics.js";
import { monthCounts, parseMonth, slaReport, type SlaReport } from "../../monitoring/sla.js";
import { toJson } from "../../render/serialize.js";
import { prometheusQuerySchema, type PrometheusQueryConfig } from "../../spec/monitoring-schema.js";
import type { CliIo } from "../io.js";
import type { GlobalOptions } from "../../app/load-files.js";
import { deliveredFleet } from "../../app/delivered-fleet.js";
import { monthRange } from "../../app/cost-report.js";
import { commandMonthReport, type CostOptions } from "./cost.js";
import { table, withRuntime } from "./tenants.js";
import { lastDrills } from "../../workflows/tenant/drills.js";

export type ReportOptions = Partial<Omit<CostOptions, "output">> & { readonly output: "table" | "json" };

const NOT_MEASURED = {
  isolationIncidents: "not measured: needs the live audit (delivery.mode kubernetes with `landlord status`); none recorded here",
  sla: "not measured: pass --month and a Prometheus (--prometheus URL or integrations.monitoring.prometheus) to measure it, as `landlord sla` does",
};

/** SLA of a tenant whose cluster has no Prometheus given: said, not shown as a number. */
type SlaRow = SlaReport | { readonly tenant: string; readonly tier: string; readonly status: "not-measured"; readonly reason: string };

/**
 * Which Prometheus answers for a cluster's tenants: `--prometheus URL` for all of them,
 * `--prometheus CLUSTER=URL` for that cluster's, else the configured monitoring Prometheus.
 * The configured one's query limits apply to a URL given on the command line too.
 */
function slaPrometheus(values: readonly string[], configured: PrometheusQueryConfig | undefined): (cluster: string) => PrometheusQueryConfig | undefined {
  const limits = (url: string): PrometheusQueryConfig => (configured === undefined ? prometheusQuerySchema.parse({ url }) : { ...configured, url });
  let all: PrometheusQueryConfig | undefined = values.length === 0 ? configured : undefined;
  const byCluster = new Map<string, PrometheusQueryConfig>();
  for (const v of values) {
    const eq = v.indexOf("=");
    // A URL has a ':' before any '=' (http://host/?a=b); CLUSTER=URL does not.
    if (eq > 0 && !v.slice(0, eq).includes(":")) byCluster.set(v.slice(0, eq), limits(v.slice(eq + 1)));
    else all = limits(v);
  }
  return (cluster) => byCluster.get(cluster) ?? all;
}

async function slaRows(io: CliIo, global: GlobalOptions, opts: ReportOptions & { month: string }): Promise<SlaRow[] | undefined> {
  const ws = await deliveredFleet(io, global, opts.file);
  const config = ws.platform.config;
  const prometheusOf = slaPrometheus(opts.prometheus ?? [], config.integrations.monitoring.prometheus);
  const win = parseMonth(opts.month);
  const tenants = [...ws.tenants].sort((a, b) => (a.tenant.metadata.name < b.tenant.metadata.name ? -1 : 1));
  if (!tenants.some((t) => prometheusOf(t.placement.cluster) !== undefined)) return undefined;
  const rows: SlaRow[] = [];
  for (const t of tenants) {
    const prometheus = prometheusOf(t.placement.cluster);
    if (prometheus === undefined) {
      rows.push({ tenant: t.tenant.metadata.name, tier: t.tier.name, status: "not-measured", reason: `no Prometheus for cluster ${t.placement.cluster}` });
      continue;
    }
    const counts = await monthCounts(prometheus, t.names.namespace, win);
    rows.push(slaReport({ tenant: t.tenant.metadata.name, tier: t.tier.name, month: win.month, currency: config.billing.currency, monthlyPrice: t.tier.tier.price.monthly }, t.tier.tier.slo, counts));
  }
  return rows;
}

function slaCell(r: SlaRow): Record<string, string> {
  if (r.status === "not-measured") return { TENANT: r.tenant, TIER: r.tier, AVAILABILITY: "-", PROMISE: "-", STATUS: `not measured (${r.reason})` };
  return {
    TENANT: r.tenant,
    TIER: r.tier,
    AVAILABILITY: r.availability === null ? "-" : `${r.availability.toFixed(3)}%`,
    PROMISE: r.promise === null ? "-" : `${r.promise}%`,
    STATUS: r.status,
  };
}

const minutes = (ms: number | undefined) => (ms === undefined ? "-" : `${(ms / 60_000).toFixed(1)} min`);

export async function reportCommand(io: CliIo, global: GlobalOptions, opts: ReportOptions): Promise<void> {
  if (opts.month !== undefined) monthRange(opts.month);
  const { onboarding, drills } = await withRuntime(io, global, async (rt) => ({
    onboarding: onboardingTimes(await rt.store.workflows.list({ kinds: ["onboard"] }), opts.month) satisfies Durations,
    drills: await lastDrills(rt.store),
  }));
  let costs: TierCost[] | undefined;
  let currency = "";
  if (opts.month !== undefined) {
    const built = await commandMonthReport(io, global, undefined, { ...opts, month: opts.month });
    for (const w of built.warnings) io.stderr(`warning: ${w}\n`);
    costs = costPerCustomerByTier(built.report);
    currency = built.report.currency;
  }
  const sla = opts.month === undefined ? undefined : await slaRows(io, global, { ...opts, month: opts.month });
  const money = (m: bigint) => formatMinor(toMinor(m), currency);
  if (opts.output === "json") {
    io.stdout(
      toJson({
        apiVersion: "landlord.dev/v1alpha1",
        kind: "SuccessReport",
        ...(opts.month === undefined ? {} : { month: opts.month }),
        onboarding,
        ...(costs === undefined ? {} : { costPerCustomer: costs.map((c) => ({ tier: c.tier, tenants: c.tenants, averageCost: money(c.averageCost), averagePrice: money(c.averagePrice), currency })) }),
        isolationIncidents: NOT_MEASURED.isolationIncidents,
        sla: sla ?? NOT_MEASURED.sla,
        restoreDrills: drills,
      }),
    );
    return;
  }
  let out = `onboarding (${onboarding.count} succeeded${opts.month === undefined ? "" : ` in ${opts.month}`}): p50 ${minutes(onboarding.p50Ms)}, p95 ${minutes(onboarding.p95Ms)}, max ${minutes(onboarding.maxMs)}\n`;
  if (costs) {
    out += `\ncost per customer, ${opts.month ?? ""} (${currency}):\n`;
    out += table(costs.map((c) => ({ TIER: c.tier, TENANTS: String(c.tenants), "AVG COST": money(c.averageCost), "AVG PRICE": money(c.averagePrice), "AVG MARGIN": money(c.averagePrice - c.averageCost) })), ["TIER", "TENANTS", "AVG COST", "AVG PRICE", "AVG MARGIN"]);
  } else {
    out += "cost per customer: pass --month YYYY-MM (and the cost inputs) to include it\n";
  }
  out += `isolation incidents: ${NOT_MEASURED.isolationIncidents}\n`;
  out += sla === undefined ? `SLA per tenant: ${NOT_MEASURED.sla}\n` : `\nSLA per tenant, ${opts.month ?? ""} (UTC):\n${table(sla.map(slaCell), ["TENANT", "TIER", "AVAILABILITY", "PROMISE", "STATUS"])}`;
  out += drills.length === 0 ? "restore drills: no tenants\n" : `\nrestore drills (newest per tenant; landlord backup verify TENANT runs one):\n${table(drills.map((d) => ({ TENANT: d.tenant, RESULT: d.result, AT: d.at ?? "-", DETAIL: d.detail })), ["TENANT", "RESULT", "AT", "DETAIL"])}`;
  io.stdout(out);
}
