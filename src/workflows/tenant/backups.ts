/**
 * A tenant's backups as its customer and the operator see them (`landlord backup list`, GET
 * /api/v1/tenants/:name/backups): each CloudNativePG Backup of its database, why it was
 * taken, and the window the archive can restore to.
 */
import { UnservedKindError } from "../../delivery/kubernetes/discovery.js";
import { readBackups, readRecoveryWindow, type LiveBackup, type RecoveryWindow } from "../../delivery/kubernetes/backup-reader.js";
import { ConflictError } from "../../errors.js";
import { backupArchive, OBJECT_STORE, type BackupArchive } from "../../render/kubernetes/database.js";
import { DB } from "../../render/object.js";
import type { TenantRecord } from "../../store/index.js";
import { storedTenant, type TenantServices } from "./services.js";

/** Why a backup exists: the daily schedule, offboarding's or a move's last one, a restore drill's or a restore's, or someone asked. */
export type BackupOrigin = "scheduled" | "final" | "move" | "verify" | "restore" | "on-demand";

export interface BackupView extends LiveBackup {
  readonly origin: BackupOrigin;
}

export interface TenantBackups {
  readonly tenant: string;
  readonly namespace: string;
  readonly cluster: string;
  readonly archive: BackupArchive;
  /** From the plugin; absent until it has listed the archive once. */
  readonly recoveryWindow?: RecoveryWindow;
  readonly backups: readonly BackupView[];
}

const SCHEDULE_LABEL = "cnpg.io/scheduled-backup";

export function originOf(b: LiveBackup): BackupOrigin {
  if (b.labels[SCHEDULE_LABEL] !== undefined) return "scheduled";
  if (b.name.startsWith(`${DB}-final-`)) return "final";
  if (b.name.startsWith(`${DB}-move-`)) return "move";
  if (b.name.startsWith(`${DB}-verify-`)) return "verify";
  if (b.name.startsWith(`${DB}-restore-`)) return "restore";
  return "on-demand";
}

export async function listTenantBackups(s: TenantServices, record: TenantRecord, signal?: AbortSignal): Promise<TenantBackups> {
  const d = s.delivery;
  if (!d.cluster) throw new ConflictError(`delivery.mode is ${d.kind}: backups live on the cluster; set delivery.mode: kubernetes in landlord.yaml to list them`);
  if (record.phase === "Offboarded") throw new ConflictError(`tenant '${record.name}' is Offboarded: its backups stay in its storage account until the purge (landlord describe tenant ${record.name} shows when)`);
  const { tenant, bundle } = await storedTenant(s, record);
  const namespace = tenant.names.namespace;
  const cluster = bundle.placement.cluster;
  const applier = d.cluster.applierFor(cluster);
  const archive = backupArchive(s.platform.config, tenant);
  let live: LiveBackup[];
  try {
    live = await readBackups(applier, namespace, signal);
  } catch (err) {
    if (err instanceof UnservedKindError) throw new ConflictError(`cluster ${cluster} does not serve CloudNativePG's Backup kind: install CloudNativePG there (the cloudnative-pg add-on), then run landlord backup list ${record.name} again`);
    throw err;
  }
  const window = await readRecoveryWindow(applier, namespace, OBJECT_STORE, archive.serverName, signal);
  return {
    tenant: record.name,
    namespace,
    cluster,
    archive,
    ...(window !== undefined ? { recoveryWindow: window } : {}),
    backups: live.map((b) => ({ ...b, origin: originOf(b) })),
  };
}
