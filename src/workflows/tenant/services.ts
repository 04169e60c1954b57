/** What the tenant workflows need from the world, passed in (adapters at the edge). */
import type { Delivery } from "../../delivery/delivery.js";
import type { TerraformRunner } from "../../delivery/terraform/runner.js";
import { InputError } from "../../errors.js";
import type { PlatformContext } from "../../spec/platform.js";
import { resolveTenant, type ResolvedTenant, type ResolveOptions } from "../../spec/resolve.js";
import type { Store, TenantRecord } from "../../store/index.js";
import { renderStoredTenant, specName, type RenderAs, type Rendered } from "./stored.js";

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

export { specName, type Rendered } from "./stored.js";

/** A stored tenant as delivered (stored.ts); `spec` defaults to the stored one. */
export function storedTenant(services: TenantServices, record: TenantRecord, spec?: unknown): Promise<Rendered> {
  return renderStoredTenant(services.platform, services.store, record, spec);
}

/** As storedTenant, by name: what a workflow step needs about its tenant, recomputed (rendering is pure and cheap). */
export async function renderStored(services: TenantServices, name: string, spec: unknown, as: RenderAs = {}): Promise<Rendered> {
  return renderStoredTenant(services.platform, services.store, await services.store.tenants.require(name), spec, as);
}
