/** The audit log: operators read all of it; a tenant user reads its own tenant's entries. */
import type { ServerContext } from "../context.js";
import { requireTenantAccess } from "../principal.js";
import { route, type ApiRoute } from "../route.js";
import { auditListQuery, auditEntryView, listOf } from "../schemas.js";
import { redactSecrets } from "../../util/redact.js";

export function auditRoutes(ctx: ServerContext): ApiRoute[] {
  return [
    route({
      method: "GET",
      url: "/api/v1/audit",
      summary: "Audit entries, oldest first (a tenant user gets its own tenant's only)",
      tag: "audit",
      access: "scoped",
      query: auditListQuery,
      response: listOf(auditEntryView),
      async handler({ principal, query }) {
        if (query.tenant !== undefined) requireTenantAccess(principal, query.tenant);
        const tenantName = principal.kind === "tenant" ? principal.tenant : query.tenant;
        const entries = await ctx.rt.store.audit.list({
          ...(tenantName !== undefined ? { tenantName } : {}),
          ...(query.action !== undefined ? { action: query.action } : {}),
          ...(query.after !== undefined ? { afterId: query.after } : {}),
          limit: query.limit ?? 200,
        });
        return {
          body: {
            items: entries.map((e) => ({ id: e.id, at: e.at.toISOString(), actor: e.actor, action: e.action, tenant: e.tenantName, details: JSON.parse(redactSecrets(JSON.stringify(e.details ?? null))) as unknown })),
          },
        };
      },
    }),
  ];
}
