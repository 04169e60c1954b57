/**
 * The last backup of a tenant's database on the cluster it is leaving: before offboarding
 * deletes it, and before a move restores it elsewhere. Named after the workflow, so a step
 * re-run after a crash meets its own Backup again instead of taking a second one.
 */
import type { ApplyResult } from "../../delivery/delivery.js";
import { BARMAN_PLUGIN } from "../../render/kubernetes/database.js";
import { DB, LABEL, type KubeObject } from "../../render/object.js";
import type { TenantServices } from "./services.js";

/** Why it is taken: before offboarding, before a move, or to archive every write up to now before a restore drill or a restore. */
export type BackupPurpose = "final" | "move" | "verify" | "restore";

export function finalBackupObject(s: TenantServices, tenant: string, workflowId: string, purpose: BackupPurpose): KubeObject {
  return {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "Backup",
    metadata: {
      name: `${DB}-${purpose}-${workflowId.slice(0, 8)}`,
      namespace: `${s.platform.config.platform.namespacePrefix}${tenant}`,
      labels: { [LABEL.managedBy]: "landlord", [LABEL.tenant]: tenant },
    },
    spec: { cluster: { name: DB }, method: "plugin", pluginConfiguration: { name: BARMAN_PLUGIN } },
  };
}

export interface FinalBackup {
  readonly backup: KubeObject;
  readonly result: ApplyResult;
  /** Completed, or why completion could not be seen; absent when it was not taken (result.skipped). */
  readonly completion?: string;
}

/**
 * Applies the Backup where the tenant's recorded placement runs it and, through the
 * delivery, waits until CloudNativePG reports it completed. `result.skipped` says why it
 * could not be taken; the caller decides whether going on without it is allowed.
 */
export async function takeFinalBackup(s: TenantServices, tenant: string, workflowId: string, purpose: BackupPurpose): Promise<FinalBackup> {
  const backup = finalBackupObject(s, tenant, workflowId, purpose);
  const result = await s.delivery.applyExtra(tenant, [backup], `${purpose}-backup`);
  if (result.skipped !== undefined) return { backup, result };
  return { backup, result, completion: s.delivery.usesCluster ? "completed" : "not observable without a cluster connection" };
}
