/**
 * A tenant's usage over time for the portal's plots (CPU, memory, requests per second, 5xx
 * share), from Prometheus through the namespace fence. Scoped: a tenant reaches its own.
 */
import { planWindow, usageSeries } from "../../monitoring/usage-series.js";
import { storedTenant } from "../../workflows/tenant/services.js";
import type { ServerContext } from "../context.js";
import { requireTenantAccess } from "../principal.js";
import { route, type ApiRoute } from "../route.js";
import * as S from "../schemas.js";
import { noPrometheus } from "./alerts.js";

export function usageRoutes(ctx: ServerContext): ApiRoute[] {
  const { rt } = ctx;
  const monitoring = rt.services.platform.config.integrations.monitoring;
  return [
    route({
      method: "GET",
      url: "/api/v1/tenants/:name/usage",
      summary: "The tenant's CPU, memory, requests per second and 5xx share over the last 24h, 7d or 30d, for plots",
      tag: "monitoring",
      access: "scoped",
      params: S.tenantNameParams,
      query: S.usageQuery,
      response: S.usageView,
      async handler({ principal, params, query }) {
        // Access first: another tenant's name answers 404 whatever else is wrong.
        requireTenantAccess(principal, params.name);
        const record = await rt.store.tenants.require(params.name);
        const prometheus = monitoring.prometheus;
        if (!prometheus) throw noPrometheus("usage over time is read from its metrics");
        const { tenant } = await storedTenant(rt.services, record);
        const plan = planWindow(query.window ?? "24h", Date.now() / 1000, prometheus);
        const series = await usageSeries(prometheus, tenant.names.namespace, plan);
        const notes = [...plan.notes, ...series.flatMap((s) => (s.error !== null ? [s.error] : []))];
        return { body: { tenant: record.name, window: plan.window, start: plan.start, end: plan.end, stepSeconds: plan.step, rangeSeconds: plan.range, series, notes } };
      },
    }),
  ];
}
