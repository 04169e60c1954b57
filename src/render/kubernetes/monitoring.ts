/**
 * Per-tenant monitoring: scrape targets for the app and its database, alert rules scoped
 * to the tenant's namespace, and an alert route to the tenant's own contacts.
 */
import type { ResolvedTenant } from "../../spec/resolve.js";
import { APP, DB, LABEL, meta, type KubeObject, type RenderContext } from "../object.js";
import { maintenanceTimeIntervals } from "../alertmanager.js";
import { sloRuleGroups } from "./slo.js";
import { BACKUP_TIMESTAMP_METRIC } from "./database.js";

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function alertRules(t: ResolvedTenant): AlertRule[] {
  const ns = t.names.namespace;
  const name = t.tenant.metadata.name;
  // AlertmanagerConfig only routes alerts carrying its own namespace label; the aggregations
  // below drop it, so it is set again here.
  const labels = (severity: string) => ({ severity, tenant: name, tier: t.tier.name, namespace: ns });
  const sel = `namespace="${ns}"`;
  return [
    {
      alert: "TenantAppDown",
      expr: `sum(up{${sel}, service="${APP}"}) == 0 or absent(up{${sel}, service="${APP}"})`,
      for: "5m",
      labels: labels("critical"),
      annotations: { summary: `No instance of ${name}'s app is up`, description: `Every scrape target of the app in ${ns} is down.` },
    },
    {
      alert: "TenantHighErrorRate",
      expr: `sum(rate(http_requests_total{${sel}, code=~"5.."}[5m])) / sum(rate(http_requests_total{${sel}}[5m])) > 0.05`,
      for: "10m",
      labels: labels("warning"),
      annotations: { summary: `${name}: more than 5% of requests fail`, description: "5xx ratio over 5 minutes is above 5%." },
    },
    {
      alert: "TenantDatabaseDown",
      expr: `sum(cnpg_collector_up{${sel}}) == 0`,
      for: "5m",
      labels: labels("critical"),
      annotations: { summary: `${name}'s PostgreSQL is not answering`, description: `No CloudNativePG instance in ${ns} reports up.` },
    },
    {
      alert: "TenantBackupStale",
      expr: `time() - max(${BACKUP_TIMESTAMP_METRIC}{${sel}}) > 2 * 86400`,
      for: "30m",
      labels: labels("warning"),
      annotations: { summary: `${name}: no database backup in 48 hours`, description: "The newest available backup is older than two days." },
    },
    {
      alert: "TenantQuotaNearlyFull",
      expr: `max by (resource) (kube_resourcequota{${sel}, type="used"} / ignoring(type) kube_resourcequota{${sel}, type="hard"}) > 0.9`,
      for: "15m",
      labels: labels("warning"),
      annotations: {
        summary: `${name} uses over 90% of its {{ $labels.resource }} quota`,
        description: "Scale-ups may be refused soon: raise the quota or move the tenant to a bigger tier.",
      },
    },
  ];
}

export function monitoringObjects({ t, platform }: RenderContext): KubeObject[] {
  const extra = platform.integrations.monitoring.ruleLabels;
  const app = t.effective.app;
  const serviceMonitor: KubeObject = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: meta(t, APP, extra),
    spec: {
      selector: { matchLabels: { [LABEL.name]: APP, [LABEL.tenant]: t.tenant.metadata.name } },
      endpoints: [{ port: app.metricsPort === app.port ? "http" : "metrics", path: app.metricsPath, interval: "30s" }],
    },
  };
  const podMonitor: KubeObject = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: meta(t, DB, extra),
    spec: {
      selector: { matchLabels: { "cnpg.io/cluster": DB } },
      podMetricsEndpoints: [{ port: "metrics", interval: "30s" }],
    },
  };
  const rules: KubeObject = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: meta(t, "tenant-alerts", extra),
    spec: { groups: [{ name: `landlord.tenant.${t.tenant.metadata.name}`, rules: alertRules(t) }, ...sloRuleGroups(t)] },
  };
  const contacts = t.tenant.spec.contacts;
  const receiver: Record<string, unknown> = {
    name: "tenant-contacts",
    emailConfigs: [{ to: contacts.email, sendResolved: true }],
  };
  if (contacts.alertWebhookSecretRef) {
    receiver.webhookConfigs = [
      { urlSecret: { name: contacts.alertWebhookSecretRef.name, key: contacts.alertWebhookSecretRef.key }, sendResolved: true },
    ];
  }
  const route: KubeObject = {
    apiVersion: "monitoring.coreos.com/v1alpha1",
    kind: "AlertmanagerConfig",
    metadata: meta(t, "tenant-alert-route", extra),
    spec: {
      route: {
        receiver: "tenant-contacts",
        groupBy: ["alertname"],
        groupWait: "30s",
        groupInterval: "5m",
        repeatInterval: "4h",
        matchers: [{ name: "tenant", value: t.tenant.metadata.name, matchType: "=" }],
      },
      receivers: [receiver],
    },
  };
  // The CR's time intervals have no time zone (Alertmanager reads them as UTC), so only a
  // UTC maintenance window can mute here; the fleet config (render/alertmanager.ts) has them all.
  const window = t.tenant.spec.maintenanceWindow;
  if (window?.timezone === "UTC") {
    const spec = route.spec as { route: Record<string, unknown>; muteTimeIntervals?: unknown[] };
    spec.muteTimeIntervals = [
      {
        name: "maintenance",
        timeIntervals: maintenanceTimeIntervals(window).map((i) => ({
          weekdays: i.weekdays,
          times: i.times.map((x) => ({ startTime: x.start_time, endTime: x.end_time })),
        })),
      },
    ];
    spec.route.muteTimeIntervals = ["maintenance"];
  }
  return [serviceMonitor, podMonitor, rules, route];
}

