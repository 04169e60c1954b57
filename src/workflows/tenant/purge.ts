/**
 * The end of an offboarded tenant's retention: its kept cloud resources (vault, backups,
 * identities, locks) are destroyed with the Terraform inputs recorded when it was retired.
 * Run by `landlord serve`'s leader on a timer (Workers.purgeOnce).
 */
import { cloudRetentionRepo, type RetainedCloud } from "../../store/cloud-retention-repo.js";
import type { TenantServices } from "./services.js";

export interface PurgeOutcome {
  readonly tenant: string;
  readonly incarnation: string | null;
  readonly result: "purged" | "waiting" | "failed";
  readonly detail: string;
}

function describe(r: RetainedCloud): string {
  return r.incarnation === null ? r.tenantName : `${r.tenantName} (incarnation ${r.incarnation})`;
}

/** Destroys every incarnation whose retention has ended, one at a time; never throws for one tenant's failure. */
export async function purgeDue(s: TenantServices, now: Date, signal: AbortSignal): Promise<PurgeOutcome[]> {
  const repo = cloudRetentionRepo(s.store.db);
  const out: PurgeOutcome[] = [];
  for (const r of await repo.due(now)) {
    if (signal.aborted) break;
    try {
      // The inputs were recorded as retired (retained: true), so a destroy plans from the kept state.
      const result = await s.terraform.destroy(r.variables, signal, r.incarnation ?? undefined);
      if (result.skipped !== undefined) {
        // Not a failure of the tenant's resources: the purge waits for Terraform to be set up.
        await repo.failed(r.tenantName, r.incarnation, result.skipped, now);
        out.push({ tenant: r.tenantName, incarnation: r.incarnation, result: "waiting", detail: result.skipped });
        continue;
      }
      await repo.purged(r.tenantName, r.incarnation, now);
      await s.store.audit.append({ at: now, actor: "landlord", action: "tenant.purged", tenantName: r.tenantName, details: { incarnation: r.incarnation, resourceGroup: r.variables.resource_group_name } });
      out.push({ tenant: r.tenantName, incarnation: r.incarnation, result: "purged", detail: `destroyed ${describe(r)}'s cloud resources (resource group ${r.variables.resource_group_name})` });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await repo.failed(r.tenantName, r.incarnation, message, now);
      out.push({ tenant: r.tenantName, incarnation: r.incarnation, result: "failed", detail: message });
    }
  }
  return out;
}
