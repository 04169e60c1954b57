/** The audit log: operators read all of it; a tenant user reads its own tenant's entries. */
import { InputError } from "../../errors.js";
import type { ServerContext } from "../context.js";
import { requireTenantAccess } from "../principal.js";
import { route, type ApiRoute } from "../route.js";
import { decodeCursor, DEFAULT_LIMIT, encodeCursor } from "../list-queries.js";
import { auditListQuery, auditEntryView, pageOf } from "../schemas.js";
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
      response: pageOf(auditEntryView),
      async handler({ principal, query }) {
        if (query.tenant !== undefined) requireTenantAccess(principal, query.tenant);
        const tenantName = principal.kind === "tenant" ? principal.tenant : query.tenant;
        const limit = query.limit ?? DEFAULT_LIMIT;
        // The cursor is the last id given out; `after` is the same thing in plain sight.
        const cursor = query.continue !== undefined ? Number(decodeCursor(query.continue, 1)[0]) : 0;
        if (!Number.isSafeInteger(cursor)) throw new InputError([{ path: "query.continue", message: "is not a cursor this list gave out", fix: "pass metadata.continue of the previous page unchanged" }]);
        const afterId = Math.max(query.after ?? 0, cursor);
        // One more than asked says whether another page follows.
        const more = await ctx.rt.store.audit.list({
          ...(tenantName !== undefined ? { tenantName } : {}),
          ...(query.action !== undefined ? { action: query.action } : {}),
          ...(afterId > 0 ? { afterId } : {}),
          limit: limit + 1,
        });
        const entries = more.slice(0, limit);
        const last = entries.at(-1);
        return {
          body: {
            items: entries.map((e) => ({ id: e.id, at: e.at.toISOString(), actor: e.actor, action: e.action, tenant: e.tenantName, details: JSON.parse(redactSecrets(JSON.stringify(e.details ?? null))) as unknown })),
            metadata: more.length > limit && last ? { continue: encodeCursor([String(last.id)]) } : {},
          },
        };
      },
    }),
  ];
}
