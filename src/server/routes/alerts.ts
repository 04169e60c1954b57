/**
 * A tenant's monitoring, as the CLI renders and reads it: its alerting rules (the
 * PrometheusRule objects of its bundle), its route and receiver in the fleet Alertmanager
 * configuration (`landlord alertmanager`), the alerts firing now (Prometheus' ALERTS
 * series, fenced to the tenant's namespace), and its SLA for a month (`landlord sla`).
 */
import { countsOf, monthDays, parseMonth, slaReport } from "../../monitoring/sla.js";
import { queryTenantMetrics } from "../../monitoring/tenant-metrics.js";
import { fleetAlertmanagerConfig, tenantReceiver } from "../../render/alertmanager.js";
import { storedTenant } from "../../workflows/tenant/services.js";
import type { ServerContext } from "../context.js";
import { HttpError } from "../errors.js";
import { requireTenantAccess } from "../principal.js";
import { route, type ApiRoute } from "../route.js";
import * as S from "../schemas.js";

export const noPrometheus = (what: string) =>
  new HttpError(409, "not-configured", `no Prometheus is configured: ${what}`, [
    { path: "integrations.monitoring.prometheus.url", message: "not set in landlord.yaml", fix: "set integrations.monitoring.prometheus.url in landlord.yaml and restart `landlord serve`" },
  ]);

export function alertRoutes(ctx: ServerContext): ApiRoute[] {
  const { rt } = ctx;
  const monitoring = rt.services.platform.config.integrations.monitoring;
  const scopedTenant = async (principal: Parameters<typeof requireTenantAccess>[0], name: string) => {
    requireTenantAccess(principal, name);
    return rt.store.tenants.require(name);
  };
  return [
    route({
      method: "GET",
      url: "/api/v1/tenants/:name/alerts",
      summary: "The tenant's alerting rules and alert routing as rendered, and its firing alerts when Prometheus is configured",
      tag: "monitoring",
      access: "scoped",
      params: S.tenantNameParams,
      response: S.alertsView,
      async handler({ principal, params }) {
        const record = await scopedTenant(principal, params.name);
        const { tenant, bundle } = await storedTenant(rt.services, record);
        const notes: string[] = [];
        const rules = bundle.objects.filter((o) => o.kind === "PrometheusRule").flatMap((o) => ((o as { spec?: { groups?: unknown[] } }).spec?.groups ?? []));
        let routing: unknown = null;
        if (monitoring.alertmanager) {
          const built = fleetAlertmanagerConfig(monitoring.alertmanager, [tenant]);
          const config = built.config as { route: { routes: { receiver?: string }[] }; receivers: { name?: string }[] };
          const receiver = tenantReceiver(record.name);
          routing = { route: config.route.routes.find((r) => r.receiver === receiver) ?? null, receiver: config.receivers.find((r) => r.name === receiver) ?? null };
          for (const s of built.skipped) {
            notes.push(`left out of the fleet Alertmanager config, so its alerts reach only the platform: ${s.problems.map((p) => `${p.path}: ${p.message} (fix: ${p.fix})`).join("; ")}`);
          }
        } else {
          notes.push("no fleet Alertmanager is configured (integrations.monitoring.alertmanager): alerts reach no one but whoever watches Prometheus");
        }
        let firing: { alertname: string; severity: string | null; state: string; since: string | null; summary: string | null }[] | null = null;
        if (monitoring.prometheus) {
          try {
            const r = await queryTenantMetrics(monitoring.prometheus, tenant.names.namespace, 'ALERTS{alertstate="firing"}', { time: Date.now() / 1000 });
            firing = r.series.map((s) => ({ alertname: s.metric.alertname ?? "", severity: s.metric.severity ?? null, state: s.metric.alertstate ?? "firing", since: null, summary: s.metric.summary ?? null }));
          } catch (err) {
            notes.push(`firing alerts could not be read from Prometheus: ${err instanceof Error ? err.message : String(err)}`);
          }
        } else {
          notes.push("no Prometheus is configured (integrations.monitoring.prometheus.url): firing alerts are not shown");
        }
        return { body: { tenant: record.name, routing, rules, firing, notes } };
      },
    }),
    route({
      method: "GET",
      url: "/api/v1/tenants/:name/sla",
      summary: "The tenant's availability in a month against its tier's promise, with the service credit (landlord sla NAME --month)",
      tag: "monitoring",
      access: "scoped",
      params: S.tenantNameParams,
      query: S.monthQuery,
      response: S.slaView,
      async handler({ principal, params, query }) {
        const record = await scopedTenant(principal, params.name);
        const win = parseMonth(query.month);
        const prometheus = monitoring.prometheus;
        if (!prometheus) throw noPrometheus("availability is measured from its request counts");
        const { tenant: t } = await storedTenant(rt.services, record);
        const days = await monthDays(prometheus, t.names.namespace, win);
        const report = slaReport({ tenant: record.name, tier: t.tier.name, month: win.month, currency: rt.services.platform.config.billing.currency, monthlyPrice: t.tier.tier.price.monthly }, t.tier.tier.slo, countsOf(days));
        return { body: { ...report, days } };
      },
    }),
  ];
}
