/** landlord.yaml `integrations.monitoring.prometheus`: where tenant-scoped queries go, and their limits. */
import { z } from "zod";
import { dnsLabel, explain, labels } from "./fields.js";

export const prometheusQuerySchema = z.strictObject({
  /**
   * Base URL of the Prometheus HTTP API (…/api/v1 is appended). Credentials in the URL
   * would end up in logs and error messages, so they are refused.
   */
  url: z.url({ protocol: /^https?$/, error: explain("url must be an http(s) URL", "write e.g. http://prometheus.monitoring:9090") }).refine(
    (u) => {
      const parsed = new URL(u);
      return parsed.username === "" && parsed.password === "";
    },
    { error: explain("url must not carry credentials", "remove user:password@ from the URL") },
  ),
  /** Longest lookback of one selector (range + subqueries + offsets). */
  maxLookbackSeconds: z.number().int().min(60).max(400 * 86400).default(7 * 86400),
  /** Longest window of a range query (end - start). */
  maxQueryRangeSeconds: z.number().int().min(60).max(400 * 86400).default(32 * 86400),
  minStepSeconds: z.number().int().min(1).max(86400).default(15),
  timeoutSeconds: z.number().int().min(1).max(300).default(30),
});

export type PrometheusQueryConfig = z.infer<typeof prometheusQuerySchema>;

/**
 * `integrations.monitoring.alertmanager`: the fleet Alertmanager that routes each tenant's
 * alerts to that tenant. Secrets are files the Alertmanager pod mounts, never values here.
 */
export const fleetAlertmanagerSchema = z.strictObject({
  /** Where tenant webhook URLs are mounted: <secretsDir>/<tenant>/<secret name>/<key>. */
  secretsDir: z.string().regex(/^\/[-\w./]*$/, { error: explain("secretsDir is an absolute path", "write e.g. /etc/alertmanager/tenant-secrets") }),
  /** The platform team: gets every alert, and those of no tenant. */
  platform: z
    .strictObject({
      email: z.email().optional(),
      /** File holding the platform's webhook URL (e.g. a chat or paging integration). */
      webhookUrlFile: z.string().regex(/^\/[-\w./]*$/).optional(),
    })
    .refine((p) => p.email !== undefined || p.webhookUrlFile !== undefined, {
      error: explain("the platform receiver needs an email or a webhookUrlFile", "set integrations.monitoring.alertmanager.platform.email"),
    }),
  /** Needed for email receivers (Alertmanager refuses email without it). */
  smtp: z.strictObject({ smarthost: z.string().regex(/^[-\w.]+:\d+$/), from: z.email() }).optional(),
  groupWait: z.string().regex(/^\d+[smh]$/).default("30s"),
  groupInterval: z.string().regex(/^\d+[smh]$/).default("5m"),
  repeatInterval: z.string().regex(/^\d+[smh]$/).default("4h"),
});

export type FleetAlertmanagerConfig = z.infer<typeof fleetAlertmanagerSchema>;

/** Grafana of the fleet: which datasource the rendered tenant dashboards query. */
export const grafanaSchema = z.strictObject({
  prometheusDatasourceUid: z.string().regex(/^[-\w]{1,40}$/, { error: explain("a Grafana datasource uid", "write e.g. prometheus") }).default("prometheus"),
});

/**
 * `integrations.monitoring.loki`: the log store. Tenancy is Loki's own: every tenant's
 * streams go to the org `X-Scope-OrgID: <tenant>` (the log agent maps namespace to org), and
 * each tenant's Grafana datasource carries that header fixed.
 */
export const lokiSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: explain("url must be an http(s) URL", "write e.g. http://loki-gateway.monitoring") }).refine(
    (u) => {
      const parsed = new URL(u);
      return parsed.username === "" && parsed.password === "";
    },
    { error: explain("url must not carry credentials", "remove user:password@ from the URL") },
  ),
});

export type LokiConfig = z.infer<typeof lokiSchema>;

export const monitoringIntegrationSchema = z.strictObject({
  namespace: dnsLabel(),
  /** Labels of the Prometheus pods: only they may scrape tenant pods (empty: any pod of the namespace). */
  scraperPodLabels: labels.default({}),
  ruleLabels: labels.default({}),
  prometheus: prometheusQuerySchema.optional(),
  alertmanager: fleetAlertmanagerSchema.optional(),
  grafana: grafanaSchema.optional(),
  loki: lokiSchema.optional(),
});

const percent = (what: string) =>
  z
    .number({ error: explain(`${what} is a percentage`, "write e.g. 99.9") })
    .gt(0, { error: explain(`${what} must be above 0`, "write e.g. 99.9") })
    .lt(100, { error: explain(`${what} must be below 100: an objective of 100% leaves no error budget`, "write e.g. 99.9") });

/**
 * `tiers.<tier>.slo`: the objectives every tenant of the tier is measured against over a
 * rolling 30 days, and optionally the contractual promise (`sla`) and its service credits.
 */
export const tierSloSchema = z
  .strictObject({
    /** Percent of requests that must not fail with a 5xx. */
    availability: percent("slo.availability"),
    latency: z
      .strictObject({
        /** A bucket boundary (`le`) of the app's http_request_duration_seconds histogram. */
        thresholdSeconds: z.number().min(0.001).max(3600),
        /** Percent of requests that must finish within the threshold. */
        objective: percent("slo.latency.objective"),
      })
      .optional(),
    sla: z
      .strictObject({
        /** Promised monthly availability, percent. */
        availability: percent("slo.sla.availability"),
        /** Credit (percent of the monthly price) when the month's availability falls below `below`; the largest matching credit applies. */
        credits: z.array(z.strictObject({ below: percent("slo.sla.credits[].below"), percent: z.number().min(0).max(100) })).default([]),
      })
      .optional(),
  })
  .refine((s) => s.sla === undefined || s.sla.availability <= s.availability, {
    error: explain("the SLA promises more than the SLO aims for", "set slo.sla.availability at or below slo.availability"),
    path: ["sla", "availability"],
  });

export type TierSlo = z.infer<typeof tierSloSchema>;
