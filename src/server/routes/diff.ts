/**
 * What `landlord diff NAME` shows for a stored tenant: its spec as stored, rendered with
 * landlord.yaml as it is now, against what is delivered. With delivery.mode kubernetes
 * the cluster answers (server-side dry-run apply, as `landlord diff` does); otherwise the
 * rendered objects are compared with what the delivery last wrote.
 */
import { objectKey } from "../../delivery/delivered.js";
import { ConflictError } from "../../errors.js";
import { toYaml } from "../../render/serialize.js";
import type { Runtime } from "../../cli/tenant-services.js";
import { objectDiffs } from "../../cli/commands/diff.js";
import { serverDiff } from "../../cli/commands/cluster.js";
import type { TenantRecord } from "../../store/index.js";
import { storedTenant } from "../../workflows/tenant/services.js";
import type { ServerContext } from "../context.js";
import { requireTenantAccess } from "../principal.js";
import { route, type ApiRoute } from "../route.js";
import { diffView, tenantNameParams } from "../schemas.js";

/** The phases `landlord diff` compares: something of the tenant is delivered. */
const DELIVERED = new Set<TenantRecord["phase"]>(["Ready", "Failed", "Updating", "Provisioning"]);

export async function tenantDiff(rt: Runtime, record: TenantRecord) {
  if (!DELIVERED.has(record.phase)) throw new ConflictError(`tenant '${record.name}' is ${record.phase}: nothing of it is delivered to compare`);
  const { bundle } = await storedTenant(rt.services, record);
  const kubernetes = rt.services.delivery.kind === "kubernetes";
  let patches: string[];
  if (kubernetes) {
    patches = await serverDiff(rt, bundle);
  } else {
    const rendered = new Map(bundle.objects.map((o) => [objectKey(o), toYaml(o)]));
    const delivered = (await rt.services.delivery.delivered?.(record.name)) ?? new Map<string, string>();
    patches = objectDiffs(record.name, delivered, rendered);
  }
  // A Terraform plan takes minutes and holds the state lock: the CLI shows it, the API says where.
  const notConfigured = await rt.services.terraform.notConfigured();
  return {
    tenant: record.name,
    method: kubernetes ? ("server-dry-run" as const) : ("render" as const),
    differences: patches.length,
    patches,
    terraform: notConfigured ?? `configured; \`landlord diff ${record.name}\` shows its plan`,
  };
}

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
