/**
 * Gate readings from a real Prometheus: the gate's query is fenced to the tenant's
 * namespace by the PromQL parser (spec/scope-promql.ts, through queryTenantMetrics)
 * and evaluated as an instant query at the scheduled time. Every way the read can go
 * wrong becomes a reading the gate judges (error, no data), never an exception that a
 * caller might swallow as "healthy".
 */
import type { PrometheusQueryConfig } from "../../spec/monitoring-schema.js";
import { queryTenantMetrics } from "../../monitoring/tenant-metrics.js";
import type { GateConfig } from "../../spec/rollout-config-schema.js";
import type { GateReading } from "../gates.js";

export interface GateProbe {
  read(gate: GateConfig, namespace: string, at: Date, signal?: AbortSignal): Promise<GateReading>;
}

export function prometheusProbe(config: PrometheusQueryConfig, fetchImpl: typeof fetch = fetch): GateProbe {
  return {
    async read(gate, namespace, at, signal) {
      const bound: typeof fetch = (input, init) => fetchImpl(input, { ...init, ...(signal ? { signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal } : {}) });
      try {
        const result = await queryTenantMetrics(config, namespace, gate.query, { time: at.getTime() / 1000 }, bound);
        const values = result.series.flatMap((s) => s.values.map(([, v]) => Number(v)));
        return values.length === 0 ? { kind: "no-data" } : { kind: "values", values };
      } catch (err) {
        return { kind: "error", message: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}
