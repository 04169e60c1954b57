/** Tenants: list, show, onboard, update, offboard, rotate the API token. */
import { randomBytes, randomUUID } from "node:crypto";
import { InputError } from "../../errors.js";
import { claimPolicy } from "../../spec/custom-domains.js";
import { domainClaimsRepo } from "../../store/domain-claims.js";
import { specName } from "../../workflows/tenant/services.js";
import { submitOffboard, submitOnboard, submitUpdate } from "../../workflows/tenant/submit.js";
import { wayForward } from "../../workflows/tenant/phases.js";
import type { ServerContext } from "../context.js";
import { decodeCursor, DEFAULT_LIMIT, tenantPage } from "../list-queries.js";
import { describePrincipal, requireOperator, requireTenantAccess } from "../principal.js";
import { route, type ApiRoute } from "../route.js";
import * as S from "../schemas.js";
import { domainClaimView, tenantView, workflowView } from "../views.js";

function formSpec(f: { name: string; tier: string; domains: string[]; contact: string; displayName?: string | undefined }): Record<string, unknown> {
  return {
    apiVersion: "landlord.dev/v1alpha1",
    kind: "Tenant",
    metadata: { name: f.name },
    spec: { displayName: f.displayName ?? f.name, tier: f.tier, domains: f.domains, contacts: { email: f.contact } },
  };
}

export function tenantRoutes(ctx: ServerContext): ApiRoute[] {
  const { rt } = ctx;
  return [
    route({
      method: "GET",
      url: "/api/v1/tenants",
      summary: "List tenants (a tenant user sees only its own)",
      tag: "tenants",
      access: "scoped",
      query: S.tenantListQuery,
      response: S.pageOf(S.tenantView),
      async handler({ principal, query }) {
        const page = await tenantPage(rt.store.db, {
          ...(query.phase ? { phases: [query.phase] } : {}),
          live: query.all !== "true",
          ...(principal.kind === "tenant" ? { name: principal.tenant } : {}),
          ...(query.q !== undefined ? { text: query.q } : {}),
          ...(query.continue !== undefined ? { after: decodeCursor(query.continue, 1)[0] ?? "" } : {}),
          limit: query.limit ?? DEFAULT_LIMIT,
        });
        return { body: { items: page.items.map(tenantView), metadata: page.continue !== undefined ? { continue: page.continue } : {} } };
      },
    }),
    route({
      method: "GET",
      url: "/api/v1/tenants/:name",
      summary: "A tenant: status, domains, spec and the way forward",
      tag: "tenants",
      access: "scoped",
      params: S.tenantNameParams,
      response: S.tenantDetailView,
      async handler({ principal, params }) {
        requireTenantAccess(principal, params.name);
        const t = await rt.store.tenants.require(params.name);
        const advice = await wayForward(rt.store, t);
        const claims = await domainClaimsRepo(rt.store.db, claimPolicy(rt.services.platform.config)).list({ tenantName: t.name }, new Date());
        return { body: { ...tenantView(t), spec: t.spec, domainClaims: claims.map(domainClaimView), state: advice.state, next: advice.commands } };
      },
    }),
    route({
      method: "POST",
      url: "/api/v1/tenants",
      summary: "Onboard a tenant: validates, reserves the name and domains, starts the onboarding workflow",
      tag: "tenants",
      access: "operator",
      body: S.onboardRequest,
      bodyDoc: S.onboardRequestDoc,
      response: S.workflowView,
      status: 202,
      async handler({ principal, body }) {
        requireOperator(principal);
        const spec = "spec" in body ? body.spec : formSpec(body);
        const wf = await submitOnboard(rt.services, rt.engine, spec, describePrincipal(principal), new Date());
        ctx.submitted();
        return { status: 202, body: workflowView(wf, await rt.store.workflows.steps(wf.id)) };
      },
    }),
    route({
      method: "PUT",
      url: "/api/v1/tenants/:name",
      summary: "Update a tenant's spec; starts an update workflow when anything changes (200 with workflow null when nothing does)",
      tag: "tenants",
      access: "operator",
      params: S.tenantNameParams,
      body: S.updateRequest,
      bodyDoc: S.updateRequestDoc,
      response: S.workflowView.nullable(),
      status: 202,
      async handler({ principal, params, body }) {
        requireOperator(principal);
        if (specName(body.spec) !== params.name) {
          throw new InputError([{ path: "body.spec.metadata.name", message: `'${specName(body.spec)}' differs from the tenant in the URL ('${params.name}')`, fix: "make them the same; a tenant cannot be renamed" }]);
        }
        await rt.store.tenants.require(params.name);
        const wf = await submitUpdate(rt.services, rt.engine, body.spec, describePrincipal(principal), new Date());
        if (!wf) return { status: 200, body: null };
        ctx.submitted();
        return { status: 202, body: workflowView(wf, await rt.store.workflows.steps(wf.id)) };
      },
    }),
    route({
      method: "DELETE",
      url: "/api/v1/tenants/:name",
      summary: "Offboard a tenant: final backup, removal, credentials revoked, name and domains released",
      tag: "tenants",
      access: "operator",
      params: S.tenantNameParams,
      query: S.offboardQuery,
      response: S.workflowView,
      status: 202,
      async handler({ principal, params, query }) {
        requireOperator(principal);
        const wf = await submitOffboard(rt.services, rt.engine, params.name, { actor: describePrincipal(principal), force: query.force === "true", now: new Date() });
        ctx.submitted();
        return { status: 202, body: workflowView(wf, await rt.store.workflows.steps(wf.id)) };
      },
    }),
    route({
      method: "POST",
      url: "/api/v1/tenants/:name/token",
      summary: "Rotate the tenant's API token: every earlier token is revoked; the new one is shown once",
      tag: "tenants",
      access: "scoped",
      params: S.tenantNameParams,
      response: S.tokenView,
      status: 201,
      async handler({ principal, params, session }) {
        requireTenantAccess(principal, params.name);
        const t = await rt.store.tenants.require(params.name);
        if (t.phase === "Offboarded" || t.phase === "Offboarding") throw new InputError([{ path: "name", message: `tenant '${t.name}' is ${t.phase}`, fix: "tokens exist only for live tenants" }]);
        const now = new Date();
        const token = `ll_${randomBytes(32).toString("base64url")}`;
        const id = `rotated-${randomUUID()}`;
        await rt.store.transaction(async (tx) => {
          await tx.tokens.revokeAll(t.name, now);
          await tx.tokens.record({ id, tenantName: t.name, name: "rotated", token, now });
          await tx.audit.append({ at: now, actor: describePrincipal(principal), action: "tenant.token-rotated", tenantName: t.name, details: { tokenId: id } });
        });
        // The caller's own browser session was made from the old token: move it to the new one.
        if (session && principal.kind === "tenant") await ctx.auth.tokenRotated(session, id);
        return { status: 201, body: { id, token } };
      },
    }),
  ];
}
