/** Which Prometheus the health gates read: rollout.prometheusUrl, else integrations.monitoring.prometheus. */
import { InputError } from "../errors.js";
import { prometheusQuerySchema, type PrometheusQueryConfig } from "../spec/monitoring-schema.js";
import type { PlatformContext } from "../spec/platform.js";
import type { RolloutConfig } from "../spec/rollout-config-schema.js";

/** Undefined when no gate is configured; an InputError when gates are but no Prometheus is. */
export function gatePrometheus(platform: PlatformContext, settings: RolloutConfig): PrometheusQueryConfig | undefined {
  if (settings.gates.length === 0) return undefined;
  const configured = platform.config.integrations.monitoring.prometheus;
  const url = settings.prometheusUrl ?? configured?.url;
  if (url === undefined) {
    throw new InputError([{ path: "rollout.prometheusUrl", message: "health gates are configured but no Prometheus is", fix: "set rollout.prometheusUrl or integrations.monitoring.prometheus.url" }]);
  }
  return configured ? { ...configured, url } : prometheusQuerySchema.parse({ url, timeoutSeconds: 10 });
}
