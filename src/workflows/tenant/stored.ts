/**
 * The one way to render a tenant the store holds, for every path that delivers, compares or
 * reads it (workflow steps, reconcile, apply, status, diff, audit, rollout, routes): its spec
 * at the placement recorded for it, with the custom domains it has proven, its incarnation's
 * cloud names and the outputs Terraform reported for that incarnation.
 */
import { dirname, resolve } from "node:path";
import { InputError } from "../../errors.js";
import { renderTenantBundle } from "../../io/package/render-package.js";
import type { Bundle } from "../../render/bundle.js";
import type { CloudOutputs } from "../../render/cloud.js";
import { toYaml } from "../../render/serialize.js";
import type { PlatformContext } from "../../spec/platform.js";
import { isPlacementRecord } from "../../spec/placement-record.js";
import { resolveTenant, type ResolvedTenant } from "../../spec/resolve.js";
import { waveOf, type Wave } from "../../spec/waves.js";
import { cloudOutputsRepo } from "../../store/cloud-outputs-repo.js";
import { domainChallengesRepo } from "../../store/domain-challenges-repo.js";
import type { Store, TenantRecord } from "../../store/index.js";

export interface Rendered {
  readonly tenant: ResolvedTenant;
  readonly bundle: Bundle;
  readonly specYaml: string;
  readonly wave: Wave;
  /** What Terraform reported for this incarnation; undefined when it never did. */
  readonly cloud: CloudOutputs | undefined;
}

export function specName(spec: unknown): string {
  const name = (spec as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
  return typeof name === "string" ? name : "(unnamed)";
}

/** Renders the tenant as a workflow will leave it, not as the store has it yet. */
export interface RenderAs {
  /** The archive folder of a move's target, recorded with its placement at cut-over (docs/adr/0024). */
  readonly backupServerName?: string;
}

/**
 * `spec` defaults to the stored one; a workflow passes the spec it was submitted with. The
 * database's archive folder comes with the recorded placement (Placement.backupServerName).
 */
export async function renderStoredTenant(platform: PlatformContext, store: Store, record: TenantRecord, spec: unknown = record.spec, as: RenderAs = {}): Promise<Rendered> {
  const verifiedDomains = await domainChallengesRepo(store.db).verified(record.name);
  const cloud = await cloudOutputsRepo(store.db).get(record.name, record.incarnation);
  const r = resolveTenant(
    platform,
    { file: "spec", index: 0, value: spec },
    {
      ...(isPlacementRecord(record.placement) ? { placement: record.placement } : {}),
      verifiedDomains,
      incarnation: record.incarnation,
      ...(as.backupServerName === undefined ? {} : { backupServerName: as.backupServerName }),
    },
  );
  if (!r.ok) throw new InputError(r.problems.map((p) => ({ ...p, file: `tenant ${specName(spec)}` })));
  const tenant = r.value;
  return {
    tenant,
    // With an app package the chart is templated here (docs/adr/0013); else this is renderBundle.
    bundle: await renderTenantBundle(platform.config, tenant, { baseDir: dirname(resolve(platform.file)), cloud: cloud ?? {} }),
    specYaml: toYaml(tenant.tenant),
    wave: waveOf(tenant.tenant.metadata.name, tenant.tenant.metadata.labels),
    cloud,
  };
}
