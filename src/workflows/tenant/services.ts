/** What the tenant workflows need from the world, passed in (adapters at the edge). */
import type { Delivery } from "../../delivery/delivery.js";
import type { TerraformRunner } from "../../delivery/terraform/runner.js";
import { InputError } from "../../errors.js";
import { dirname, resolve } from "node:path";
import type { Bundle } from "../../render/bundle.js";
import { renderTenantBundle } from "../../io/package/render-package.js";
import { waveOf, type Wave } from "../../spec/waves.js";
import { toYaml } from "../../render/serialize.js";
import type { PlatformContext } from "../../spec/platform.js";
import { resolveTenant, type ResolvedTenant, type ResolveOptions } from "../../spec/resolve.js";
import type { Store, TenantRecord } from "../../store/index.js";
import { domainChallengesRepo } from "../../store/domain-challenges-repo.js";

export interface TenantServices {
  readonly platform: PlatformContext;
  readonly store: Store;
  readonly delivery: Delivery;
  readonly terraform: TerraformRunner;
  /** Tenant credentials are written here, one folder per tenant, files mode 0600. */
  readonly credentialsDir: string;
}

// Defined in src/spec so the store can parse the column; re-exported for the workflows' callers.
export { isPlacementRecord, type PlacementRecord } from "../../spec/placement-record.js";

/** Resolves a stored or submitted spec; an invalid one is an InputError (never retried). */
export function resolveSpec(services: TenantServices, spec: unknown, options: ResolveOptions = {}): ResolvedTenant {
  const r = resolveTenant(services.platform, { file: "spec", index: 0, value: spec }, options);
  if (!r.ok) throw new InputError(r.problems.map((p) => ({ ...p, file: `tenant ${specName(spec)}` })));
  return r.value;
}

/** A stored tenant as it was delivered: its spec at the placement recorded for it. */
export function resolveStored(services: TenantServices, record: Pick<TenantRecord, "spec" | "placement">): ResolvedTenant {
  return resolveSpec(services, record.spec, record.placement ? { placement: record.placement } : {});
}

export function specName(spec: unknown): string {
  const name = (spec as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
  return typeof name === "string" ? name : "(unnamed)";
}

export interface Rendered {
  readonly tenant: ResolvedTenant;
  readonly bundle: Bundle;
  readonly specYaml: string;
  readonly wave: Wave;
}

/** Everything a step needs about the tenant, recomputed (rendering is pure and cheap). */
export async function renderStored(services: TenantServices, name: string, spec: unknown): Promise<Rendered> {
  const record = await services.store.tenants.require(name);
  const placement = record.placement ?? undefined;
  const verifiedDomains = await domainChallengesRepo(services.store.db).verified(name);
  const tenant = resolveSpec(services, spec, { ...(placement ? { placement } : {}), verifiedDomains, incarnation: record.incarnation });
  return {
    tenant,
    // With an app package the chart is templated here (docs/adr/0013); else this is renderBundle.
    bundle: await renderTenantBundle(services.platform.config, tenant, { baseDir: dirname(resolve(services.platform.file)) }),
    specYaml: toYaml(tenant.tenant),
    wave: waveOf(tenant.tenant.metadata.name, tenant.tenant.metadata.labels),
  };
}
