/**
 * One reconcile pass over the fleet, as `landlord reconcile` does it (src/cli/commands/
 * cluster.ts): every Ready tenant's stored spec is rendered at its recorded placement and
 * server-side applied; unchanged objects cost no write, hand edits are repaired. Tenants
 * with a workflow under way are left to it. First, in every delivery mode, unproven custom
 * domains whose claims have lapsed are recorded as expired (src/store/domain-claims.ts).
 */
import type { Delivery } from "../delivery/delivery.js";
import type { Runtime } from "../app/runtime.js";
import { claimPolicy } from "../spec/custom-domains.js";
import { domainClaimsRepo, type DomainClaim } from "../store/domain-claims.js";
import { systemClock, type Clock } from "../workflows/engine/clock.js";
import { liveWorkflow } from "../workflows/tenant/phases.js";
import { storedTenant } from "../workflows/tenant/services.js";

export interface ReconcileResult {
  readonly tenants: number;
  /** Objects found changed or missing, and put back. */
  readonly drifted: number;
  readonly writes: number;
  readonly failures: readonly { readonly tenant: string; readonly error: string }[];
  /** Set when this delivery has nothing to reconcile against (no cluster connection). */
  readonly skipped?: string;
  /** Claims on unproven custom domains this pass found lapsed and recorded as expired. */
  readonly expiredClaims: readonly DomainClaim[];
}

export async function reconcilePass(rt: Runtime, signal?: AbortSignal, clock: Clock = systemClock): Promise<ReconcileResult> {
  // Reads judge lapse by themselves; recording it makes it visible (audit, listings) and fixed.
  const expiredClaims = await domainClaimsRepo(rt.store.db, claimPolicy(rt.services.platform.config)).expireLapsed(clock.now());
  const delivery: Delivery = rt.services.delivery;
  if (delivery.kind !== "kubernetes") {
    return { tenants: 0, drifted: 0, writes: 0, failures: [], expiredClaims, skipped: `delivery.mode is ${delivery.kind}: there is no live cluster state to reconcile (GitOps: Argo CD self-heals; directory: files only)` };
  }
  const access = delivery.cluster;
  if (!access) return { tenants: 0, drifted: 0, writes: 0, failures: [], expiredClaims, skipped: "not a Kubernetes delivery" };
  let drifted = 0;
  let writes = 0;
  let tenants = 0;
  const failures: { tenant: string; error: string }[] = [];
  for (const record of await rt.store.tenants.list({ phases: ["Ready"] })) {
    if (signal?.aborted) break;
    if (await liveWorkflow(rt.store, record.name)) continue;
    try {
      const { bundle } = await storedTenant(rt.services, record);
      const report = await access.applyBundle(bundle, signal ? { signal } : {});
      tenants++;
      writes += report.writes;
      drifted += report.outcomes.filter((o) => o.action !== "unchanged").length;
    } catch (err) {
      failures.push({ tenant: record.name, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return { tenants, drifted, writes, failures, expiredClaims };
}
