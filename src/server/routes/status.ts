/**
 * Per-object status of a tenant on its cluster (delivery.mode kubernetes), as `landlord
 * status` reports it (src/app/tenant-status.ts); and its database's backups, as `landlord
 * backup list` does.
 */
import { objectStatuses } from "../../app/tenant-status.js";
import { ConflictError } from "../../errors.js";
import { storedTenant } from "../../workflows/tenant/services.js";
import type { ServerContext } from "../context.js";
import { requireTenantAccess } from "../principal.js";
import { route, type ApiRoute } from "../route.js";
import { backupsView, objectsStatusView, tenantNameParams } from "../schemas.js";
import { listTenantBackups } from "../../workflows/tenant/backups.js";

export function statusRoutes(ctx: ServerContext): ApiRoute[] {
  const { rt } = ctx;
  return [
    route({
      method: "GET",
      url: "/api/v1/tenants/:name/status",
      summary: "Each object of the tenant on its cluster: applied, ready, drifted (delivery.mode kubernetes)",
      tag: "tenants",
      access: "scoped",
      params: tenantNameParams,
      response: objectsStatusView,
      async handler({ principal, params }) {
        requireTenantAccess(principal, params.name);
        const record = await rt.store.tenants.require(params.name);
        const d = rt.services.delivery;
        if (d.kind !== "kubernetes") throw new ConflictError(`delivery.mode is ${d.kind}: there are no live objects to report (set delivery.mode: kubernetes)`);
        if (record.phase === "Offboarded") throw new ConflictError(`tenant '${record.name}' is Offboarded: it has no objects`);
        if (!d.cluster) throw new ConflictError("not a Kubernetes delivery");
        const { bundle } = await storedTenant(rt.services, record);
        // The API spells an absent field null, as its schema documents.
        const objects = (await objectStatuses(d.cluster, bundle)).map((o) => ({ object: o.object, applied: o.applied, ready: o.ready ?? null, reason: o.reason ?? null, drift: o.drift ?? null }));
        return { body: { tenant: record.name, phase: record.phase, cluster: bundle.placement.cluster, objects } };
      },
    }),
    route({
      method: "GET",
      url: "/api/v1/tenants/:name/backups",
      summary: "The tenant database's backups on its cluster, and the window its archive restores to (delivery.mode kubernetes)",
      tag: "tenants",
      access: "scoped",
      params: tenantNameParams,
      response: backupsView,
      async handler({ principal, params }) {
        requireTenantAccess(principal, params.name);
        return { body: await listTenantBackups(rt.services, await rt.store.tenants.require(params.name)) };
      },
    }),
  ];
}
