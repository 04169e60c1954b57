/**
 * A Grafana dashboard per tenant, its panels chosen by the tenant's tier (SLO panels only
 * where the tier has objectives), and the Loki datasource of the tenant's Grafana.
 *
 * The tenant is fixed, not chosen: every query names the tenant's namespace as a constant
 * `namespace="<ns>"` on every selector, and the dashboard has no template variables at all,
 * so nothing in the page a customer can edit widens it. The queries are built to pass
 * src/spec/scope-promql.ts unchanged (the tests check it), so the dashboard reads
 * exactly what `landlord metrics` would. Windows are literal (no $__rate_interval): a query
 * must mean the same in Grafana, in promtool and in the fence.
 *
 * Logs: Loki's tenancy is the org. The log agent writes each namespace's streams as org
 * `<tenant>` (lokiAgentStages), and the tenant's datasource sends `X-Scope-OrgID: <tenant>`
 * from secureJsonData, which Grafana never shows to a viewer.
 *
 * Pure: the platform and a tenant in, JSON out.
 */
import { canonicalHash } from "./canonical-hash.js";
import type { PlatformConfig } from "../spec/platform-schema.js";
import type { ResolvedTenant } from "../spec/resolve.js";
import type { TierSlo } from "../spec/monitoring-schema.js";
import { APP } from "./object.js";
import { SLO_RECORD } from "./kubernetes/slo.js";
import { BACKUP_TIMESTAMP_METRIC } from "./kubernetes/database.js";

/** Grafana's dashboard JSON schemaVersion the panels below are written for (Grafana 10/11). */
export const DASHBOARD_SCHEMA_VERSION = 39;

export interface PanelTarget {
  refId: string;
  expr: string;
  legendFormat?: string;
  datasource: { type: string; uid: string };
}

export interface Panel {
  id: number;
  type: "timeseries" | "stat" | "logs";
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: string; uid: string };
  targets: PanelTarget[];
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
  options: Record<string, unknown>;
}

export interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  timezone: "utc";
  editable: boolean;
  schemaVersion: number;
  version: number;
  time: { from: string; to: string };
  refresh: string;
  /** Always empty: a variable is something a viewer can change. */
  templating: { list: never[] };
  annotations: { list: never[] };
  links: never[];
  panels: Panel[];
}

interface PanelSpec {
  type: Panel["type"];
  title: string;
  description?: string;
  unit?: string;
  w?: number;
  queries: { expr: string; legend?: string }[];
  thresholds?: { color: string; value: number | null }[];
}

/** The Loki datasource uid of a tenant: a hash, because Grafana caps uids at 40 characters. */
export function lokiDatasourceUid(tenant: string): string {
  return `loki-${canonicalHash(tenant).slice(0, 16)}`;
}

function num(x: number): string {
  return String(Number(x.toPrecision(12)));
}

function sloPanels(slo: TierSlo, sel: string): PanelSpec[] {
  const out: PanelSpec[] = [];
  const objectives: ["availability" | "latency", number][] = [["availability", slo.availability]];
  if (slo.latency) objectives.push(["latency", slo.latency.objective]);
  for (const [kind, objective] of objectives) {
    const budget = num((100 - objective) / 100);
    out.push({
      type: "timeseries",
      title: `${kind} error budget burn rate`,
      description: `1 = spending the budget of a ${num(objective)}% objective exactly in 30 days; the fast-burn alert fires above 14.4 (1h) and 6 (6h).`,
      unit: "none",
      queries: ["1h", "6h", "3d"].map((w) => ({ expr: `${SLO_RECORD}${w}{${sel}, slo="${kind}"} / ${budget}`, legend: w })),
      thresholds: [
        { color: "green", value: null },
        { color: "orange", value: 1 },
        { color: "red", value: 6 },
      ],
    });
  }
  return out;
}

function panelSpecs(t: ResolvedTenant): PanelSpec[] {
  const sel = `namespace="${t.names.namespace}"`;
  const reqs = (extra = "") => `sum(rate(http_requests_total{${sel}${extra}}[5m]))`;
  const specs: PanelSpec[] = [
    { type: "stat", title: "App instances up", unit: "none", w: 6, queries: [{ expr: `sum(up{${sel}, service="${APP}"})` }], thresholds: [{ color: "red", value: null }, { color: "green", value: 1 }] },
    { type: "stat", title: "Database up", unit: "none", w: 6, queries: [{ expr: `sum(cnpg_collector_up{${sel}})` }], thresholds: [{ color: "red", value: null }, { color: "green", value: 1 }] },
    {
      type: "stat",
      title: "Newest backup age",
      unit: "s",
      w: 6,
      queries: [{ expr: `time() - max(${BACKUP_TIMESTAMP_METRIC}{${sel}})` }],
      thresholds: [{ color: "green", value: null }, { color: "red", value: 2 * 86400 }],
    },
    {
      type: "stat",
      title: "Highest quota use",
      unit: "percentunit",
      w: 6,
      queries: [{ expr: `max(kube_resourcequota{${sel}, type="used"} / ignoring(type) kube_resourcequota{${sel}, type="hard"})` }],
      thresholds: [{ color: "green", value: null }, { color: "orange", value: 0.9 }],
    },
    { type: "timeseries", title: "Requests per second by status", unit: "reqps", queries: [{ expr: `sum by (code) (rate(http_requests_total{${sel}}[5m]))`, legend: "{{code}}" }] },
    { type: "timeseries", title: "Share of requests failing (5xx)", unit: "percentunit", queries: [{ expr: `${reqs(', code=~"5.."')} / ${reqs()}`, legend: "5xx" }] },
    {
      type: "timeseries",
      title: "Latency",
      unit: "s",
      queries: [0.5, 0.95, 0.99].map((q) => ({ expr: `histogram_quantile(${num(q)}, sum by (le) (rate(http_request_duration_seconds_bucket{${sel}}[5m])))`, legend: `p${num(q * 100)}` })),
    },
    { type: "timeseries", title: "CPU by pod", unit: "cores", queries: [{ expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${sel}, container!=""}[5m]))`, legend: "{{pod}}" }] },
    { type: "timeseries", title: "Memory by pod", unit: "bytes", queries: [{ expr: `sum by (pod) (container_memory_working_set_bytes{${sel}, container!=""})`, legend: "{{pod}}" }] },
  ];
  const slo = t.tier.tier.slo;
  return slo ? [...specs, ...sloPanels(slo, sel)] : specs;
}

export function tenantDashboard(platform: PlatformConfig, t: ResolvedTenant): Dashboard {
  const monitoring = platform.integrations.monitoring;
  const prometheus = { type: "prometheus", uid: monitoring.grafana?.prometheusDatasourceUid ?? "prometheus" };
  const name = t.tenant.metadata.name;
  const panels: Panel[] = [];
  let x = 0;
  let y = 0;
  const place = (w: number, h: number) => {
    if (x + w > 24) {
      x = 0;
      y += h;
    }
    const pos = { x, y, w, h };
    x += w;
    return pos;
  };
  for (const spec of panelSpecs(t)) {
    const h = spec.type === "stat" ? 4 : 8;
    panels.push({
      id: panels.length + 1,
      type: spec.type,
      title: spec.title,
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      gridPos: place(spec.w ?? 12, h),
      datasource: prometheus,
      targets: spec.queries.map((q, i) => ({ refId: String.fromCharCode(65 + i), expr: q.expr, ...(q.legend !== undefined ? { legendFormat: q.legend } : {}), datasource: prometheus })),
      fieldConfig: { defaults: { unit: spec.unit ?? "none", ...(spec.thresholds ? { thresholds: { mode: "absolute", steps: spec.thresholds } } : {}) }, overrides: [] },
      options: {},
    });
  }
  if (monitoring.loki) {
    const loki = { type: "loki", uid: lokiDatasourceUid(name) };
    panels.push({
      id: panels.length + 1,
      type: "logs",
      title: "Logs",
      description: "From the tenant's own Loki org; the namespace filter is a second fence.",
      gridPos: { x: 0, y: y + 8, w: 24, h: 10 },
      datasource: loki,
      targets: [{ refId: "A", expr: `{namespace="${t.names.namespace}"}`, datasource: loki }],
      fieldConfig: { defaults: {}, overrides: [] },
      options: { showTime: true, sortOrder: "Descending" },
    });
  }
  return {
    uid: name,
    title: `${t.tenant.spec.displayName} (${t.tier.name})`,
    tags: ["landlord", `tenant:${name}`, `tier:${t.tier.name}`],
    timezone: "utc",
    // Provisioned: a change made in the UI would be lost at the next render.
    editable: false,
    schemaVersion: DASHBOARD_SCHEMA_VERSION,
    version: 1,
    time: { from: "now-6h", to: "now" },
    refresh: "1m",
    templating: { list: [] },
    annotations: { list: [] },
    links: [],
    panels,
  };
}

/**
 * Grafana datasource provisioning for the tenant's Grafana org: Loki with the org header
 * fixed. The header value is in secureJsonData, which Grafana stores encrypted and never
 * returns to the browser, and the datasource is not editable from the UI.
 */
export function tenantLokiDatasource(platform: PlatformConfig, t: ResolvedTenant): Record<string, unknown> | undefined {
  const loki = platform.integrations.monitoring.loki;
  if (!loki) return undefined;
  const name = t.tenant.metadata.name;
  return {
    apiVersion: 1,
    datasources: [
      {
        name: "Logs",
        uid: lokiDatasourceUid(name),
        type: "loki",
        access: "proxy",
        url: loki.url,
        editable: false,
        jsonData: { httpHeaderName1: "X-Scope-OrgID" },
        secureJsonData: { httpHeaderValue1: name },
      },
    ],
  };
}

/**
 * For the fleet's log agent (promtail `pipeline_stages`): each tenant namespace's streams
 * are written to Loki org `<tenant>`. The org comes from the namespace, which the platform
 * owns, never from a pod label, which a tenant admin could set on a Job to write into
 * another tenant's org. Anything else goes to the platform's org.
 */
export function lokiAgentStages(tenants: readonly ResolvedTenant[], platformOrg = "platform"): Record<string, unknown>[] {
  const sorted = [...tenants].sort((a, b) => (a.tenant.metadata.name < b.tenant.metadata.name ? -1 : 1));
  return [
    { tenant: { value: platformOrg } },
    ...sorted.map((t) => ({ match: { selector: `{namespace="${t.names.namespace}"}`, stages: [{ tenant: { value: t.tenant.metadata.name } }] } })),
  ];
}
