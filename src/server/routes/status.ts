/**
 * Per-object status of a tenant on its cluster (delivery.mode kubernetes), as `landlord
 * status` reports it: applied, ready (with the reason when not), drifted (the field that
 * was changed by hand); and its database's backups, as `landlord backup list` does.
 */
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
        const { KubernetesDelivery } = await import("../../delivery/kubernetes/kubernetes-delivery.js");
        if (!(d instanceof KubernetesDelivery)) throw new ConflictError("not a Kubernetes delivery");
        const { bundle } = await storedTenant(rt.services, record);
        const inspected = await d.applierFor(bundle.placement.cluster).inspect(bundle.objects, 8);
        const readiness = new Map((await d.readiness(bundle, undefined, new Map(inspected.map((x) => [x.object, x.live])))).map((r) => [r.object, r]));
        const objects = inspected.map((x) => {
          const key = `${x.object.kind}/${x.object.metadata.name}`;
          const r = readiness.get(key);
          return {
            object: key,
            applied: x.live !== undefined && x.applied,
            ready: r ? r.ready : null,
            reason: r?.reason ?? null,
            drift: x.drift?.path ?? null,
          };
        });
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
