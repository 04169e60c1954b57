/** `landlord metrics TENANT 'PROMQL'`: a PromQL query fenced to the tenant's namespace. */
import { InputError } from "../../errors.js";
import { parseDurationSeconds } from "../../spec/scope-promql.js";
import { queryTenantMetrics, type QueryTime } from "../../monitoring/tenant-metrics.js";
import { toJson, toYaml } from "../../render/serialize.js";
import type { CliIo } from "../io.js";
import type { GlobalOptions } from "../../app/load-files.js";
import { deliveredFleet, fleetTenant } from "../../app/delivered-fleet.js";
import { table } from "./tenants.js";

export interface MetricsOptions {
  file?: string[];
  time?: string;
  start?: string;
  end?: string;
  since?: string;
  step?: string;
  output?: "table" | "yaml" | "json";
}

/** RFC 3339 or unix seconds, as the Prometheus API takes them. */
function parseTime(flag: string, value: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Date.parse(value) / 1000;
  if (!Number.isFinite(seconds)) {
    throw new InputError([{ path: `--${flag}`, message: `'${value}' is not a time`, fix: "write RFC 3339 (2026-11-01T00:00:00Z) or unix seconds" }]);
  }
  return seconds;
}

function parseDuration(flag: string, value: string): number {
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined || seconds <= 0) {
    throw new InputError([{ path: `--${flag}`, message: `'${value}' is not a duration`, fix: "write e.g. 30s, 5m or 1h" }]);
  }
  return seconds;
}

/** An instant query unless a window is asked for (--start/--end/--since with --step). */
export function queryTime(opts: MetricsOptions, nowSeconds: number): QueryTime {
  const ranged = opts.start !== undefined || opts.end !== undefined || opts.since !== undefined;
  if (!ranged) return { time: opts.time === undefined ? nowSeconds : parseTime("time", opts.time) };
  if (opts.time !== undefined) throw new InputError([{ path: "--time", message: "--time is for instant queries", fix: "drop --time, or drop --start/--end/--since" }]);
  const end = opts.end === undefined ? nowSeconds : parseTime("end", opts.end);
  const start = opts.start !== undefined ? parseTime("start", opts.start) : end - parseDuration("since", opts.since ?? "1h");
  const step = opts.step === undefined ? Math.max(15, Math.ceil((end - start) / 250)) : parseDuration("step", opts.step);
  return { start, end, step };
}

function labelsText(metric: Readonly<Record<string, string>>): string {
  const { __name__: name, ...rest } = metric;
  const inner = Object.keys(rest)
    .sort()
    .map((k) => `${k}=${JSON.stringify(rest[k])}`)
    .join(", ");
  return `${name ?? ""}{${inner}}`;
}

export async function metricsCommand(io: CliIo, global: GlobalOptions, name: string, promql: string, opts: MetricsOptions): Promise<void> {
  const ws = await deliveredFleet(io, global, opts.file);
  const t = fleetTenant(ws, name);
  const prometheus = ws.platform.config.integrations.monitoring.prometheus;
  if (!prometheus) {
    throw new InputError([
      { file: global.config, path: "integrations.monitoring.prometheus.url", message: "no Prometheus is configured", fix: "set integrations.monitoring.prometheus.url in landlord.yaml" },
    ]);
  }
  const result = await queryTenantMetrics(prometheus, t.names.namespace, promql, queryTime(opts, Math.floor(Date.now() / 1000)));
  const doc = { tenant: name, namespace: t.names.namespace, query: result.query, resultType: result.resultType, series: result.series };
  if (opts.output === "json" || opts.output === "yaml") {
    io.stdout(opts.output === "json" ? toJson(doc) : toYaml(doc));
    return;
  }
  const rows = result.series.flatMap((s) =>
    s.values.map(([time, value]) => ({ SERIES: labelsText(s.metric), TIME: new Date(time * 1000).toISOString(), VALUE: value })),
  );
  io.stdout(rows.length === 0 ? `No series in ${t.names.namespace}.\n` : table(rows, ["SERIES", "TIME", "VALUE"]));
}
