/**
 * Tenants' public status pages (opt-in: spec.contacts.statusPage), as JSON here; the HTML
 * page at /status/:name is served by the app from the same loader (src/app/status-page.ts).
 */
import { z } from "zod";
import { loadStatusPage } from "../../app/status-page.js";
import { NOTICE_KINDS } from "../../spec/notices-schema.js";
import type { ServerContext } from "../context.js";
import { route, type ApiRoute } from "../route.js";
import { tenantNameParams } from "../schemas.js";

export const statusPageView = z.strictObject({
  name: z.string(),
  displayName: z.string(),
  state: z.enum(["operational", "maintenance", "degraded"]),
  summary: z.string(),
  nextMaintenance: z.strictObject({ opensAt: z.string(), durationMinutes: z.number() }).nullable(),
  notices: z.array(z.strictObject({ kind: z.enum(NOTICE_KINDS), subject: z.string(), at: z.string() })),
  updatedAt: z.string(),
});

export function statusPageRoutes(ctx: ServerContext): ApiRoute[] {
  return [
    route({
      method: "GET",
      url: "/api/v1/status-pages/:name",
      summary: "A tenant's public status page (only tenants with spec.contacts.statusPage: true; others answer 404)",
      tag: "status",
      access: "public",
      params: tenantNameParams,
      response: statusPageView,
      async handler({ params }) {
        return { body: await loadStatusPage(ctx.rt.store, ctx.rt.services.platform, params.name, new Date()) };
      },
    }),
  ];
}
