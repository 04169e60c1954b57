/** `landlord sla [TENANT] --month YYYY-MM`: availability against each tier's promise, and credits. */
import { InputError } from "../../errors.js";
import { monthCounts, parseMonth, slaReport, type SlaReport } from "../../monitoring/sla.js";
import { toJson, toYaml } from "../../render/serialize.js";
import type { CliIo } from "../io.js";
import type { GlobalOptions } from "../../app/load-files.js";
import { deliveredFleet, fleetTenant } from "../../app/delivered-fleet.js";
import { table } from "./tenants.js";

export interface SlaOptions {
  file?: string[];
  month: string;
  output?: "table" | "yaml" | "json";
}

function money(minor: number, currency: string): string {
  return `${(minor / 100).toFixed(2)} ${currency}`;
}

export async function slaCommand(io: CliIo, global: GlobalOptions, name: string | undefined, opts: SlaOptions): Promise<void> {
  const win = parseMonth(opts.month);
  const ws = await deliveredFleet(io, global, opts.file);
  const prometheus = ws.platform.config.integrations.monitoring.prometheus;
  if (!prometheus) {
    throw new InputError([
      { file: global.config, path: "integrations.monitoring.prometheus.url", message: "no Prometheus is configured", fix: "set integrations.monitoring.prometheus.url in landlord.yaml" },
    ]);
  }
  const tenants = name === undefined ? ws.tenants : [fleetTenant(ws, name)];
  const reports: SlaReport[] = [];
  for (const t of [...tenants].sort((a, b) => (a.tenant.metadata.name < b.tenant.metadata.name ? -1 : 1))) {
    const counts = await monthCounts(prometheus, t.names.namespace, win);
    reports.push(
      slaReport(
        { tenant: t.tenant.metadata.name, tier: t.tier.name, month: win.month, currency: ws.platform.config.billing.currency, monthlyPrice: t.tier.tier.price.monthly },
        t.tier.tier.slo,
        counts,
      ),
    );
  }
  if (opts.output === "json" || opts.output === "yaml") {
    const doc = { month: win.month, reports };
    io.stdout(opts.output === "json" ? toJson(doc) : toYaml(doc));
    return;
  }
  const rows = reports.map((r) => ({
    TENANT: r.tenant,
    TIER: r.tier,
    AVAILABILITY: r.availability === null ? "-" : `${r.availability.toFixed(3)}%`,
    PROMISE: r.promise === null ? "-" : `${r.promise}%`,
    STATUS: r.status,
    REQUESTS: String(Math.round(r.requests)),
    FAILED: String(Math.round(r.failed)),
    CREDIT: r.creditPercent === 0 ? "-" : `${r.creditPercent}% = ${money(r.credit, r.currency)}`,
  }));
  io.stdout(`SLA for ${win.month} (UTC)\n`);
  io.stdout(table(rows, ["TENANT", "TIER", "AVAILABILITY", "PROMISE", "STATUS", "REQUESTS", "FAILED", "CREDIT"]));
}
