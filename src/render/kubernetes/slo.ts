/**
 * Service level objectives of a tenant's tier as Prometheus rules: error ratios recorded
 * over the windows the SRE workbook's multi-window, multi-burn-rate alerts need, and those
 * alerts. A fast burn (2% of a 30-day budget in an hour, 5% in six hours) pages; a slow burn
 * (10% in three days) opens a ticket. The long window says the burn is significant, the
 * short one that it is still going on, so an alert resolves soon after the problem does.
 */
import type { TierSlo } from "../../spec/monitoring-schema.js";
import type { ResolvedTenant } from "../../spec/resolve.js";
import type { AlertRule } from "./monitoring.js";

export const SLO_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;
type Window = (typeof SLO_WINDOWS)[number];

export const SLO_RECORD = "landlord:slo_errors:ratio_rate";

interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}

/** Burn rates and window pairs from the SRE workbook, chapter "Alerting on SLOs". */
const BURNS: readonly { alert: string; severity: string; for: string; pairs: readonly [Window, Window, number][] }[] = [
  { alert: "TenantErrorBudgetBurnFast", severity: "critical", for: "2m", pairs: [["1h", "5m", 14.4], ["6h", "30m", 6]] },
  { alert: "TenantErrorBudgetBurnSlow", severity: "warning", for: "15m", pairs: [["1d", "2h", 3], ["3d", "6h", 1]] },
];

/**
 * A regex for a histogram bucket boundary: clients write 1 as "1" or "1.0" and 0.5 as
 * "0.5"; `[.]` instead of a backslash keeps the rule free of escapes.
 */
export function leMatcher(seconds: number): string {
  const s = String(seconds).replace(".", "[.]");
  return Number.isInteger(seconds) ? `${s}([.]0+)?` : `${s}0*`;
}

/** Shortest exact decimal of a threshold, so that 14.4 × 0.1% prints as 0.0144, not 0.014400000000000001. */
function num(x: number): string {
  return String(Number(x.toPrecision(12)));
}

function errorRatio(kind: "availability" | "latency", slo: TierSlo, sel: string, w: Window): string {
  if (kind === "availability") {
    return `sum(rate(http_requests_total{${sel}, code=~"5.."}[${w}])) / sum(rate(http_requests_total{${sel}}[${w}]))`;
  }
  const le = leMatcher(slo.latency?.thresholdSeconds ?? 0);
  return `1 - sum(rate(http_request_duration_seconds_bucket{${sel}, le=~"${le}"}[${w}])) / sum(rate(http_request_duration_seconds_count{${sel}}[${w}]))`;
}

export function sloRuleGroups(t: ResolvedTenant): { name: string; rules: (RecordingRule | AlertRule)[] }[] {
  const slo = t.tier.tier.slo;
  if (!slo) return [];
  const ns = t.names.namespace;
  const name = t.tenant.metadata.name;
  const sel = `namespace="${ns}"`;
  const objectives: ["availability" | "latency", number][] = [["availability", slo.availability]];
  if (slo.latency) objectives.push(["latency", slo.latency.objective]);
  const rules: (RecordingRule | AlertRule)[] = [];
  for (const [kind] of objectives) {
    const labels = { namespace: ns, tenant: name, tier: t.tier.name, slo: kind };
    for (const w of SLO_WINDOWS) rules.push({ record: `${SLO_RECORD}${w}`, expr: errorRatio(kind, slo, sel, w), labels });
  }
  for (const [kind, objective] of objectives) {
    const budget = (100 - objective) / 100;
    const rec = (w: Window) => `${SLO_RECORD}${w}{${sel}, slo="${kind}"}`;
    for (const burn of BURNS) {
      rules.push({
        alert: burn.alert,
        expr: burn.pairs.map(([long, short, rate]) => `(${rec(long)} > ${num(rate * budget)} and ${rec(short)} > ${num(rate * budget)})`).join(" or "),
        for: burn.for,
        labels: { severity: burn.severity, tenant: name, tier: t.tier.name, namespace: ns, slo: kind },
        annotations: {
          summary: `${name} is spending its ${kind} error budget too fast`,
          description: `The ${kind} objective of ${num(objective)}% over 30 days will be missed if this rate continues (burn rate above ${num(burn.pairs[burn.pairs.length - 1]?.[2] ?? 1)}x).`,
        },
      });
    }
  }
  return [{ name: `landlord.tenant.${name}.slo`, rules }];
}
