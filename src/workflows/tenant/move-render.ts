/** The two sides of a move, rendered: the source as it was delivered, the target restored from its backup. */
import type { Bundle } from "../../render/bundle.js";
import { backupArchive, withRecovery, type BackupArchive } from "../../render/kubernetes/database.js";
import { DB } from "../../render/object.js";
import type { ResolvedTenant } from "../../spec/resolve.js";
import type { MoveInput } from "./move-input.js";
import { resolveSpec, type TenantServices } from "./services.js";

/** The source tenant as it runs now (its old spec at its recorded placement). */
export function sourceTenant(s: TenantServices, input: MoveInput, incarnation: string | null): ResolvedTenant {
  return resolveSpec(s, input.from.spec, { placement: input.from.placement, incarnation });
}

export function sourceArchive(s: TenantServices, input: MoveInput, incarnation: string | null): BackupArchive {
  return backupArchive(s.platform.config, sourceTenant(s, input, incarnation));
}

/**
 * The folder the move's target archives into, beside the source's in the same container.
 * From the workflow, not the target cluster: a retry after a failed move (a new workflow)
 * must not meet the folder the failed attempt's target began, and a tenant moved back to a
 * cluster it left must not meet its old one; a resumed step meets the same name again.
 */
export function targetServerName(workflowId: string): string {
  return `${DB}-${workflowId.slice(0, 8)}`;
}

/** The target bundle with its database bootstrapped from the source's archive instead of an empty initdb. */
export function recoveredBundle(bundle: Bundle, from: BackupArchive): Bundle {
  return { ...bundle, objects: withRecovery(bundle.objects, from) };
}
