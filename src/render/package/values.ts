/**
 * The values an app package is rendered with: the three layers' `app.values` (defaults ->
 * tier -> tenant overrides, merged like every other layer, lists replacing) plus a
 * `landlord` block of what Landlord knows about the tenant, which no layer can set.
 * Tenant overrides are the customer's input: only the paths the operator lists in
 * app.package.tenantValues may be set there, and nothing may look like a secret.
 */
import type { InputProblem } from "../../errors.js";
import type { ResolvedTenant } from "../../spec/resolve.js";
import { looksLikeSecret } from "../../util/secret-shapes.js";
import { isPlainObject } from "../../util/plain.js";
import { DB, ownershipLabels, APP, type RenderContext } from "../object.js";
import { POOLER } from "../kubernetes/database.js";
import { scheduling } from "../kubernetes/scheduling.js";
import { APP_SECRETS, hasAppSecrets } from "../kubernetes/secrets.js";
import type { PackageSpec } from "./types.js";

/** The top-level key Landlord fills; a layer that sets it is refused rather than silently overwritten. */
export const LANDLORD_KEY = "landlord";

export interface ValueRow {
  readonly path: string;
  readonly value: unknown;
  readonly source: string;
}

/** What Landlord knows per tenant, with where each part comes from (for `landlord explain`). */
export function landlordValues(ctx: RenderContext): { values: Record<string, unknown>; sources: Record<string, string> } {
  const { t } = ctx;
  const app = t.effective.app;
  const db = t.effective.database;
  const versionSource = t.tenant.spec.version !== undefined ? "tenant spec.version" : `app.version (${t.provenance.get("app.version") ?? "defaults"})`;
  const sched = scheduling(t);
  const values: Record<string, unknown> = {
    tenant: t.tenant.metadata.name,
    tier: t.tier.name,
    customer: ownershipLabels(t)["landlord.dev/customer"],
    namespace: t.names.namespace,
    domains: [...t.domains.served],
    version: t.version,
    image: app.image,
    serviceAccountName: APP,
    database: {
      host: db.pooler.enabled ? POOLER : `${DB}-rw`,
      port: 5432,
      // CloudNativePG writes the app user's credentials and URI into this Secret.
      secretName: `${DB}-app`,
      uriKey: "uri",
    },
    secretName: hasAppSecrets(ctx) ? APP_SECRETS : "",
    nodeSelector: sched.nodeSelector ?? {},
    tolerations: sched.tolerations ?? [],
    resources: app.resources,
    replicas: app.replicas,
    maxReplicas: app.autoscaling.maxReplicas,
    featureFlags: app.featureFlags,
  };
  const placement = t.placement.nodePool === undefined ? "landlord (placement: shared nodes)" : `landlord (placement: node pool ${t.placement.nodePool})`;
  const sources: Record<string, string> = {
    tenant: "landlord (metadata.name)",
    tier: "landlord (spec.tier)",
    customer: "landlord (spec.customerId, else metadata.name)",
    namespace: "landlord (derived from metadata.name)",
    domains: "landlord (spec.domains, custom ones once verified)",
    version: `landlord (${versionSource})`,
    image: `landlord (app.image, ${t.provenance.get("app.image") ?? "defaults"})`,
    serviceAccountName: "landlord (the app's ServiceAccount, workload identity)",
    database: `landlord (the tenant's CloudNativePG cluster${db.pooler.enabled ? ", through its pooler" : ""})`,
    secretName: "landlord (integrations.keyVault.secrets)",
    nodeSelector: placement,
    tolerations: placement,
    resources: "landlord (app.resources of the three layers)",
    replicas: `landlord (app.replicas, ${t.provenance.get("app.replicas") ?? "defaults"})`,
    maxReplicas: `landlord (app.autoscaling.maxReplicas, ${t.provenance.get("app.autoscaling.maxReplicas") ?? "defaults"})`,
    featureFlags: "landlord (app.featureFlags of the three layers)",
  };
  return { values, sources };
}

/** The values the package is templated with: the merged layers, then `landlord` on top. */
export function packageValues(ctx: RenderContext): Record<string, unknown> {
  const layered = ctx.t.effective.app.values ?? {};
  return { ...layered, [LANDLORD_KEY]: landlordValues(ctx).values };
}

function leaves(value: unknown, path: string, out: ValueRow[], source: (p: string) => string): void {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) leaves(v, `${path}.${k}`, out, source);
    return;
  }
  out.push({ path, value, source: source(path) });
}

/**
 * Every value leaf the package receives under `landlord`, with its source; the layered
 * values (app.values.*) already appear in explain with the layer that set them.
 */
export function landlordValueRows(ctx: RenderContext): ValueRow[] {
  const { values, sources } = landlordValues(ctx);
  const out: ValueRow[] = [];
  for (const [k, v] of Object.entries(values)) leaves(v, `app.values.${LANDLORD_KEY}.${k}`, out, () => sources[k] ?? "landlord");
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function allowedBy(path: string, allowed: readonly string[]): boolean {
  return allowed.some((a) => path === a || path.startsWith(`${a}.`));
}

/**
 * Problems with the values a tenant wrote (spec.overrides.app.values): paths outside the
 * operator's allow-list, the reserved `landlord` key, anything that looks like a secret.
 * The rendered output is checked by the guardrails whatever the values say; this keeps a
 * customer from steering parts of the chart the operator did not open to them.
 */
export function tenantValueProblems(t: ResolvedTenant, spec: PackageSpec): InputProblem[] {
  const values = t.tenant.spec.overrides.app?.values;
  if (values === undefined) return [];
  const at = (path: string, message: string, fix: string): InputProblem => ({ ...(t.file === undefined ? {} : { file: t.file }), path: `spec.overrides.app.values.${path}`, message, fix });
  const out: InputProblem[] = [];
  const rows: ValueRow[] = [];
  for (const [k, v] of Object.entries(values)) leaves(v, k, rows, () => "tenant");
  for (const row of rows) {
    const top = row.path.split(".")[0] ?? "";
    if (top === LANDLORD_KEY) {
      out.push(at(row.path, "values under 'landlord' are filled in by Landlord (namespace, domains, database, version)", "remove it; change the tenant spec itself instead"));
      continue;
    }
    if (spec.tenantValues !== undefined && !allowedBy(row.path, spec.tenantValues)) {
      out.push(at(row.path, "the operator does not let tenants set this value of the app package", `set only ${spec.tenantValues.length > 0 ? spec.tenantValues.join(", ") : "nothing (app.package.tenantValues is empty)"}, or ask the operator to add it to app.package.tenantValues`));
      continue;
    }
    const what = typeof row.value === "string" ? looksLikeSecret(row.value) : undefined;
    if (what !== undefined) out.push(at(row.path, `the value looks like ${what}, and secrets are never written in specs`, "store it in the tenant's Key Vault and list it under integrations.keyVault.secrets"));
  }
  return out;
}

/** The operator's layers may not set `landlord` either, and their values are scanned for secrets too. */
export function layerValueProblems(ctx: RenderContext): InputProblem[] {
  const merged = ctx.t.effective.app.values ?? {};
  const out: InputProblem[] = [];
  const rows: ValueRow[] = [];
  for (const [k, v] of Object.entries(merged)) leaves(v, `app.values.${k}`, rows, (p) => ctx.t.provenance.get(p) ?? "defaults");
  for (const row of rows) {
    if (row.source === "tenant") continue;
    const where = row.source.startsWith("tier/") ? `tiers.${row.source.slice(5)}.${row.path}` : `defaults.${row.path}`;
    if (row.path.startsWith(`app.values.${LANDLORD_KEY}.`) || row.path === `app.values.${LANDLORD_KEY}`) {
      out.push({ path: where, message: "values under 'landlord' are filled in by Landlord", fix: "remove it from landlord.yaml" });
      continue;
    }
    const what = typeof row.value === "string" ? looksLikeSecret(row.value) : undefined;
    if (what !== undefined) out.push({ path: where, message: `the value looks like ${what}, and secrets are never written in specs`, fix: "store it in the tenant's Key Vault and list it under integrations.keyVault.secrets" });
  }
  return out;
}
