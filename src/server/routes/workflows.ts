/** Workflows: list, show with steps, cancel, and live progress as server-sent events. */
import { requireOperator, requireTenantAccess } from "../principal.js";
import type { ServerContext } from "../context.js";
import { decodeCursor, DEFAULT_LIMIT, workflowPage } from "../list-queries.js";
import { route, type ApiRoute } from "../route.js";
import * as S from "../schemas.js";
import { workflowView } from "../views.js";

export function workflowRoutes(ctx: ServerContext): ApiRoute[] {
  const { rt } = ctx;
  const scoped = async (principal: Parameters<typeof requireTenantAccess>[0], id: string) => {
    const wf = await rt.store.workflows.get(id);
    // Another tenant's workflow answers exactly like a missing one.
    requireTenantAccess(principal, wf?.tenantName ?? "", `workflow '${id}'`);
    return rt.store.workflows.require(id);
  };
  return [
    route({
      method: "GET",
      url: "/api/v1/workflows",
      summary: "List workflows, oldest first (a tenant user sees only its tenant's)",
      tag: "workflows",
      access: "scoped",
      query: S.workflowListQuery,
      response: S.pageOf(S.workflowView),
      async handler({ principal, query }) {
        if (query.tenant !== undefined) requireTenantAccess(principal, query.tenant);
        const tenantName = principal.kind === "tenant" ? principal.tenant : query.tenant;
        const after = query.continue !== undefined ? decodeCursor(query.continue, 2) : undefined;
        const page = await workflowPage(rt.store.db, {
          ...(tenantName !== undefined ? { tenantName } : {}),
          ...(query.status ? { statuses: [query.status] } : {}),
          ...(after ? { after: [after[0] ?? "", after[1] ?? ""] as const } : {}),
          limit: query.limit ?? DEFAULT_LIMIT,
        });
        return { body: { items: page.items.map((w) => workflowView(w)), metadata: page.continue !== undefined ? { continue: page.continue } : {} } };
      },
    }),
    route({
      method: "GET",
      url: "/api/v1/workflows/:id",
      summary: "A workflow with its steps",
      tag: "workflows",
      access: "scoped",
      params: S.workflowIdParams,
      response: S.workflowView,
      async handler({ principal, params }) {
        const wf = await scoped(principal, params.id);
        return { body: workflowView(wf, await rt.store.workflows.steps(wf.id)) };
      },
    }),
    route({
      method: "GET",
      url: "/api/v1/workflows/:id/events",
      summary: "Live progress as server-sent events: snapshot (on every change), progress (engine events), end",
      tag: "workflows",
      access: "scoped",
      params: S.workflowIdParams,
      response: S.workflowView,
      stream: true,
      async handler({ principal, params, request, reply }) {
        const wf = await scoped(principal, params.id);
        await ctx.streams.stream(request, reply, wf.id);
        return undefined;
      },
    }),
    route({
      method: "POST",
      url: "/api/v1/workflows/:id/cancel",
      summary: "Cancel a workflow at its next step boundary",
      tag: "workflows",
      access: "operator",
      params: S.workflowIdParams,
      response: S.workflowView,
      async handler({ principal, params }) {
        requireOperator(principal);
        const wf = await rt.engine.requestCancel(params.id);
        return { body: workflowView(wf, await rt.store.workflows.steps(wf.id)) };
      },
    }),
  ];
}
