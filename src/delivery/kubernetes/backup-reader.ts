/**
 * Reads a tenant's backups from its cluster: CloudNativePG's Backup objects in the tenant
 * namespace and the recovery window the Barman Cloud plugin records on the ObjectStore.
 */
import type { Applier } from "./applier.js";
import { UnservedKindError } from "./discovery.js";

export interface LiveBackup {
  readonly name: string;
  readonly createdAt?: string;
  readonly method?: string;
  readonly plugin?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly phase?: string;
  readonly startedAt?: string;
  readonly stoppedAt?: string;
  readonly backupId?: string;
  readonly serverName?: string;
  readonly beginWal?: string;
  readonly endWal?: string;
  readonly error?: string;
}

export interface RecoveryWindow {
  readonly firstRecoverabilityPoint?: string;
  readonly lastSuccessfulBackupTime?: string;
  readonly lastFailedBackupTime?: string;
}

interface BackupObject {
  metadata: { name: string; creationTimestamp?: string; labels?: Record<string, string> };
  spec?: { method?: string; pluginConfiguration?: { name?: string } };
  status?: { phase?: string; startedAt?: string; stoppedAt?: string; backupId?: string; serverName?: string; beginWal?: string; endWal?: string; error?: string };
}

function present<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== "")) as T;
}

/** The Backups of a namespace, oldest first. Throws UnservedKindError where CloudNativePG is not installed. */
export async function readBackups(applier: Applier, namespace: string, signal?: AbortSignal): Promise<LiveBackup[]> {
  const path = await applier.discovery.path("postgresql.cnpg.io/v1", "Backup", namespace);
  const { items } = await applier.client.send<{ items: BackupObject[] }>({ method: "GET", path, ...(signal ? { signal } : {}) });
  return items
    .map((b) =>
      present({
        name: b.metadata.name,
        createdAt: b.metadata.creationTimestamp,
        method: b.spec?.method,
        plugin: b.spec?.pluginConfiguration?.name,
        labels: b.metadata.labels ?? {},
        phase: b.status?.phase,
        startedAt: b.status?.startedAt,
        stoppedAt: b.status?.stoppedAt,
        backupId: b.status?.backupId,
        serverName: b.status?.serverName,
        beginWal: b.status?.beginWal,
        endWal: b.status?.endWal,
        error: b.status?.error,
      }),
    )
    .sort((a, b) => (a.createdAt ?? "").localeCompare(b.createdAt ?? "") || a.name.localeCompare(b.name));
}

/** The plugin's recovery window of one archive folder, from the ObjectStore's status; undefined until it reported one. */
export async function readRecoveryWindow(applier: Applier, namespace: string, store: string, serverName: string, signal?: AbortSignal): Promise<RecoveryWindow | undefined> {
  const live = await applier.get("barmancloud.cnpg.io/v1", "ObjectStore", namespace, store, signal).catch((err: unknown) => {
    if (err instanceof UnservedKindError) return undefined;
    throw err;
  });
  const windows = (live?.status as { serverRecoveryWindow?: Record<string, RecoveryWindow> } | undefined)?.serverRecoveryWindow;
  const w = windows?.[serverName];
  return w === undefined ? undefined : present({ ...w });
}
