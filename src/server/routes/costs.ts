/**
 * Costs and invoices, as `landlord cost` and `landlord invoice list|show` give them: the
 * month report is the one `landlord cost` prints (src/app/cost-report.ts: landlord.yaml's
 * prices, each cluster's Prometheus) over the store's tenants at their recorded placements,
 * so a tenant onboarded here has its costs at once; invoices are the stored documents.
 */
import { dirname } from "node:path";
import { buildMonthReport } from "../../app/cost-report.js";
import { invalidStoredWarning, storedTenants } from "../../app/delivered-fleet.js";
import { invoicePdf } from "../../cost/invoice-pdf.js";
import { costJson } from "../../cost/output.js";
import { NotFoundError } from "../../errors.js";
import { invoicesRepo } from "../../store/invoices-repo.js";
import type { ServerContext } from "../context.js";
import { HttpError } from "../errors.js";
import { requireOperator, requireTenantAccess } from "../principal.js";
import { route, type ApiRoute } from "../route.js";
import * as S from "../schemas.js";
import { invoiceView } from "../views.js";

export function costRoutes(ctx: ServerContext): ApiRoute[] {
  const { rt } = ctx;
  const platform = rt.services.platform;

  /** The month report the CLI prints, with its warnings; a report without any usage source is refused with the fix. */
  const report = async (tenant: string | undefined, month: string) => {
    const left: string[] = [];
    const tenants = await storedTenants(rt.services, await rt.store.tenants.list(), (name, err) => left.push(invalidStoredWarning(name, err).replace(/^warning: /, "").trimEnd()));
    // No cost export files are read here, so the folder for relative paths is only nominal.
    const built = await buildMonthReport({ platform, tenants, from: "store" }, tenant, { month }, dirname(platform.file));
    const monitoring = platform.config.integrations.monitoring.prometheus;
    const counted = built.warnings.filter((w) => w.includes("is not counted")).length;
    // The CLI warns and lets an operator pass --prometheus; here nothing can be passed, so a report missing a shared cluster's usage is refused.
    if (monitoring === undefined && counted > 0) {
      throw new HttpError(409, "not-configured", "no usage source is configured: shared clusters' usage cannot be counted", [
        { path: "integrations.monitoring.prometheus.url", message: "not set in landlord.yaml", fix: "set integrations.monitoring.prometheus.url (or run `landlord cost --prometheus CLUSTER=URL` from a shell)" },
      ]);
    }
    return { month, report: costJson(built.report), warnings: [...left, ...built.warnings] };
  };

  return [
    route({
      method: "GET",
      url: "/api/v1/costs",
      summary: "The fleet's cost report of a month (landlord cost --month YYYY-MM -o json)",
      tag: "costs",
      access: "operator",
      query: S.monthQuery,
      response: S.costReportView,
      async handler({ principal, query }) {
        requireOperator(principal);
        return { body: await report(undefined, query.month) };
      },
    }),
    route({
      method: "GET",
      url: "/api/v1/tenants/:name/costs",
      summary: "A tenant's cost and price of a month (landlord cost NAME --month YYYY-MM -o json)",
      tag: "costs",
      access: "scoped",
      params: S.tenantNameParams,
      query: S.monthQuery,
      response: S.costReportView,
      async handler({ principal, params, query }) {
        requireTenantAccess(principal, params.name);
        await rt.store.tenants.require(params.name);
        return { body: await report(params.name, query.month) };
      },
    }),
    route({
      method: "GET",
      url: "/api/v1/tenants/:name/invoices",
      summary: "A tenant's invoices and credit notes (landlord invoice list --tenant NAME)",
      tag: "costs",
      access: "scoped",
      params: S.tenantNameParams,
      response: S.listOf(S.invoiceView),
      async handler({ principal, params }) {
        requireTenantAccess(principal, params.name);
        await rt.store.tenants.require(params.name);
        return { body: { items: (await invoicesRepo(rt.store.db).list({ tenantName: params.name })).map(invoiceView) } };
      },
    }),
    route({
      method: "GET",
      url: "/api/v1/tenants/:name/invoices/:id",
      summary: "One stored invoice or credit note; ?format=pdf gives the document as application/pdf (landlord invoice show --pdf)",
      tag: "costs",
      access: "scoped",
      params: S.invoiceParams,
      query: S.invoiceQuery,
      response: S.invoiceView,
      async handler({ principal, params, query, reply }) {
        requireTenantAccess(principal, params.name);
        const inv = await invoicesRepo(rt.store.db).get(params.id).catch((err: unknown) => {
          if (err instanceof NotFoundError) return undefined;
          throw err;
        });
        // An invoice of another tenant under this tenant's path is as absent as a missing one.
        if (!inv || inv.tenantName !== params.name) throw new NotFoundError(`invoice '${params.id}' of tenant '${params.name}' does not exist`);
        if (query.format !== "pdf") return { body: invoiceView(inv) };
        const tenant = await rt.store.tenants.get(inv.tenantName);
        const spec = tenant?.spec as { spec?: { displayName?: string } } | undefined;
        const pdf = await invoicePdf(inv, { name: platform.config.platform.name }, spec?.spec?.displayName ?? inv.tenantName);
        await reply.code(200).header("cache-control", "no-store").header("content-disposition", `attachment; filename="${inv.number}.pdf"`).type("application/pdf").send(pdf);
        return undefined;
      },
    }),
  ];
}
