/**
 * What `landlord diff NAME` shows for a stored tenant: its spec as stored, rendered with
 * landlord.yaml as it is now, against what is delivered (src/app/tenant-diff.ts).
 */
import { tenantDiff } from "../../app/tenant-diff.js";
import type { ServerContext } from "../context.js";
import { requireTenantAccess } from "../principal.js";
import { route, type ApiRoute } from "../route.js";
import { diffView, tenantNameParams } from "../schemas.js";

export function diffRoutes(ctx: ServerContext): ApiRoute[] {
  return [
    route({
      method: "GET",
      url: "/api/v1/tenants/:name/diff",
      summary: "What delivering the stored spec with landlord.yaml as it is now would change, per object (landlord diff NAME)",
      tag: "tenants",
      access: "scoped",
      params: tenantNameParams,
      response: diffView,
      async handler({ principal, params }) {
        requireTenantAccess(principal, params.name);
        const record = await ctx.rt.store.tenants.require(params.name);
        return { body: await tenantDiff(ctx.rt, record) };
      },
    }),
  ];
}
