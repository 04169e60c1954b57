/**
 * Restore drills and restores over HTTP, as `landlord backup verify` and `landlord restore`
 * submit them: one workflow each, run by the server's workflow runner (202 and the workflow;
 * follow it at /api/v1/workflows/:id). A customer may prove its own backups restore; only
 * an operator replaces or copies a database.
 */
import type { ServerContext } from "../context.js";
import { describePrincipal, requireOperator, requireTenantAccess } from "../principal.js";
import { route, type ApiRoute } from "../route.js";
import { restoreBody, tenantNameParams, workflowView as workflowSchema } from "../schemas.js";
import { workflowView } from "../views.js";
import { submitBackupVerify, submitRestore } from "../../workflows/tenant/submit-restore.js";

export function backupRoutes(ctx: ServerContext): ApiRoute[] {
  const { rt } = ctx;
  return [
    route({
      method: "POST",
      url: "/api/v1/tenants/:name/backups/verify",
      summary: "Start a restore drill: fingerprint the database, restore its archive into <namespace>-restore, compare row counts and checksums, remove the copy",
      tag: "tenants",
      access: "scoped",
      params: tenantNameParams,
      response: workflowSchema,
      status: 202,
      async handler({ principal, params }) {
        requireTenantAccess(principal, params.name);
        const wf = await submitBackupVerify(rt.services, rt.engine, params.name, describePrincipal(principal), new Date());
        ctx.submitted();
        return { status: 202, body: workflowView(wf, await rt.store.workflows.steps(wf.id)) };
      },
    }),
    route({
      method: "POST",
      url: "/api/v1/tenants/:name/restore",
      summary: "Restore the tenant's database to a time: in place after a backup of it, or as a copy in another namespace (into)",
      tag: "tenants",
      access: "operator",
      params: tenantNameParams,
      body: restoreBody,
      response: workflowSchema,
      status: 202,
      async handler({ principal, params, body }) {
        requireOperator(principal);
        const wf = await submitRestore(rt.services, rt.engine, params.name, { ...(body.to !== undefined ? { to: body.to } : {}), ...(body.into !== undefined ? { into: body.into } : {}) }, describePrincipal(principal), new Date());
        ctx.submitted();
        return { status: 202, body: workflowView(wf, await rt.store.workflows.steps(wf.id)) };
      },
    }),
  ];
}
