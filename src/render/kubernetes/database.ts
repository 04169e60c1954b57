/** The tenant's own CloudNativePG cluster, its pooler and its backups, sized by tier. */
import type { ResolvedTenant } from "../../spec/resolve.js";
import type { PlatformConfig } from "../../spec/platform-schema.js";
import { DB, meta, ownershipLabels, type KubeObject, type RenderContext } from "../object.js";
import { scheduling } from "./scheduling.js";
import { workloadIdentityAnnotations } from "../cloud.js";

export const BACKUP_CONTAINER = "cnpg-backups";
export const POOLER = "db-pooler-rw";
/** The Barman Cloud plugin (CloudNativePG's built-in barmanObjectStore is deprecated since 1.26, removed in 1.32). */
export const BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io";
/**
 * When the newest base backup in the archive was taken: the plugin reports it through each
 * instance's metrics (CloudNativePG's own last_available_backup_timestamp stays empty for plugin backups).
 */
export const BACKUP_TIMESTAMP_METRIC = "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp";
/** The tenant's ObjectStore: where its Cluster archives WAL and base backups. */
export const OBJECT_STORE = `${DB}-backups`;
/** The key of backupConnectionStringSecret the plugin reads (the name Azure's tools use). */
export const CONNECTION_STRING_KEY = "AZURE_STORAGE_CONNECTION_STRING";

export function backupDestination(platform: PlatformConfig, t: ResolvedTenant): string {
  return `${platform.integrations.azure.blobEndpoint.replace("{account}", t.names.storageAccount)}/${BACKUP_CONTAINER}`;
}

/** How the backups authenticate: the workload identity, or an emulator's connection string. */
function azureCredentials(platform: PlatformConfig): Record<string, unknown> {
  const secret = platform.integrations.azure.backupConnectionStringSecret;
  return secret === undefined ? { inheritFromAzureAD: true } : { connectionString: { name: secret, key: CONNECTION_STRING_KEY } };
}

export function objectStore(platform: PlatformConfig, t: ResolvedTenant, name: string = OBJECT_STORE, destinationPath: string = backupDestination(platform, t)): KubeObject {
  const backup = t.effective.database.backup;
  return {
    apiVersion: "barmancloud.cnpg.io/v1",
    kind: "ObjectStore",
    metadata: meta(t, name),
    spec: {
      configuration: {
        destinationPath,
        azureCredentials: azureCredentials(platform),
        wal: { compression: "gzip" },
        data: { compression: "gzip" },
      },
      retentionPolicy: `${String(backup.retentionDays)}d`,
      // The plugin's sidecar runs in every database pod: without resources the quota refuses the pod.
      instanceSidecarConfiguration: { resources: backup.sidecarResources },
    },
  };
}

export function databaseObjects(ctx: RenderContext): KubeObject[] {
  const { t, platform, cloud } = ctx;
  const db = t.effective.database;
  const sched = scheduling(t);
  const archive = backupArchive(platform, t);
  const cluster: KubeObject = {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "Cluster",
    metadata: meta(t, DB),
    spec: {
      instances: db.instances,
      imageName: db.imageName,
      // CloudNativePG passes it to every instance, bootstrap and job container, and the plugin to its sidecar; admission requires Always.
      imagePullPolicy: "Always",
      enableSuperuserAccess: false,
      // The workload identity webhook acts on pods carrying this label.
      inheritedMetadata: { labels: { ...ownershipLabels(t), "azure.workload.identity/use": "true" } },
      bootstrap: { initdb: { database: "app", owner: "app" } },
      postgresql: { parameters: db.parameters },
      storage: { size: db.storage.size, ...(db.storage.storageClass ? { storageClass: db.storage.storageClass } : {}) },
      resources: db.resources,
      affinity: {
        enablePodAntiAffinity: db.instances > 1,
        topologyKey: "kubernetes.io/hostname",
        ...sched,
      },
      serviceAccountTemplate: { metadata: { annotations: workloadIdentityAnnotations(cloud, "database") } },
      plugins: [
        {
          name: BARMAN_PLUGIN,
          isWALArchiver: true,
          parameters: {
            barmanObjectName: OBJECT_STORE,
            // Only when it is not the Cluster's name, the plugin's default: tenants never moved render as before.
            ...(archive.serverName === DB ? {} : { serverName: archive.serverName }),
          },
        },
      ],
    },
  };
  const backup: KubeObject = {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "ScheduledBackup",
    metadata: meta(t, `${DB}-daily`),
    spec: {
      schedule: db.backup.schedule,
      cluster: { name: DB },
      method: "plugin",
      pluginConfiguration: { name: BARMAN_PLUGIN },
      backupOwnerReference: "self",
      immediate: true,
    },
  };
  const out = [objectStore(platform, t), cluster];
  if (db.pooler.enabled) {
    out.push({
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Pooler",
      metadata: meta(t, POOLER),
      spec: {
        cluster: { name: DB },
        instances: db.pooler.instances,
        type: "rw",
        pgbouncer: { poolMode: "transaction" },
        template: {
          metadata: { labels: ownershipLabels(t) },
          spec: {
            containers: [{ name: "pgbouncer", resources: db.pooler.resources }],
            ...sched,
          },
        },
      },
    });
  }
  out.push(backup);
  return out;
}

/** The name the restored Cluster gives the backup it bootstraps from (an `externalClusters` entry). */
export const RECOVERY_SOURCE = "origin";

/** Where a tenant's Cluster archives its base backups and WAL: what a restore elsewhere reads. */
export interface BackupArchive {
  readonly destinationPath: string;
  /** The archive's folder under destinationPath; CloudNativePG defaults it to the Cluster's name. */
  readonly serverName: string;
}

/** The archive in effect where the tenant is placed: a moved tenant's Cluster writes its own folder (docs/adr/0024). */
export function backupArchive(platform: PlatformConfig, t: ResolvedTenant): BackupArchive {
  return { destinationPath: backupDestination(platform, t), serverName: t.placement.backupServerName ?? DB };
}

interface PluginEntry {
  readonly name?: string;
  readonly isWALArchiver?: boolean;
  readonly parameters?: Record<string, string>;
}

function specOf(o: KubeObject): Record<string, unknown> {
  return (o.spec ?? {}) as Record<string, unknown>;
}

/** The archive a rendered Cluster writes to, read back from its plugin entry and the ObjectStore it names. */
function archiveOf(cluster: KubeObject, stores: readonly KubeObject[]): BackupArchive | undefined {
  const entry = ((specOf(cluster).plugins ?? []) as PluginEntry[]).find((p) => p.name === BARMAN_PLUGIN && p.isWALArchiver === true);
  const store = stores.find((s) => s.metadata.name === entry?.parameters?.barmanObjectName);
  if (entry === undefined || store === undefined) return undefined;
  const destinationPath = (specOf(store).configuration as { destinationPath: string }).destinationPath;
  return { destinationPath, serverName: entry.parameters?.serverName ?? cluster.metadata.name };
}

/** Where a restore stops: a point in time, a WAL position, or the end of the archive. */
export type RecoveryTarget =
  | { readonly time: string }
  /** Exclusive: the record at `lsn` is not replayed (it is the first after the point wanted). */
  | { readonly lsn: string }
  | { readonly latest: true };

/**
 * PostgreSQL's own form, "2026-12-07 09:30:00+00". CloudNativePG 1.28 rewrites an RFC 3339
 * time into "2026-12-07 09:30:00.000000Z", which PostgreSQL refuses ("invalid value for
 * parameter recovery_target_time"), so the restore never starts; its own form passes through
 * unchanged, and its admission webhook parses it.
 */
export function postgresTime(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) throw new Error(`recovery target time '${iso}' is not a time`);
  return `${at.toISOString().slice(0, 19).replace("T", " ")}+00`;
}

/** CloudNativePG picks the newest base backup that ended before a time or LSN target; no backupID needed for either. */
function recoveryTargetOf(target: RecoveryTarget): { recoveryTarget?: Record<string, unknown> } {
  if ("time" in target) return { recoveryTarget: { targetTime: postgresTime(target.time) } };
  if ("lsn" in target) return { recoveryTarget: { targetLSN: target.lsn, exclusive: true } };
  return {};
}

/** The ObjectStore a restore reads: the tenant's own when the archive is in its container, else one beside it. */
const ORIGIN_STORE = `${DB}-origin-backups`;

/**
 * The tenant's objects with its Cluster bootstrapped from another Cluster's archive instead
 * of an empty initdb (a move to another cluster, docs/adr/0020; a restore). The source keeps
 * running and archiving until cut-over, so the restored Cluster must archive into a folder
 * of its own: two primaries writing one folder interleave their timelines, and
 * CloudNativePG's check that a new Cluster's archive is empty is what catches it, so it is
 * never skipped (docs/adr/0024).
 */
export function withRecovery(objects: readonly KubeObject[], from: BackupArchive, target: RecoveryTarget = { latest: true }): KubeObject[] {
  const stores = objects.filter((o) => o.kind === "ObjectStore" && o.apiVersion.startsWith("barmancloud.cnpg.io/"));
  const own = stores.find((s) => s.metadata.name === OBJECT_STORE);
  if (own === undefined) throw new Error(`no ObjectStore ${OBJECT_STORE} among the objects to restore: render the tenant's bundle first`);
  const ownPath = (specOf(own).configuration as { destinationPath: string }).destinationPath;
  // Another container (a restore from elsewhere) is read through an ObjectStore of its own, with the same credentials.
  const origin: KubeObject | undefined =
    ownPath === from.destinationPath
      ? undefined
      : { ...own, metadata: { ...own.metadata, name: ORIGIN_STORE }, spec: { ...specOf(own), configuration: { ...(specOf(own).configuration as Record<string, unknown>), destinationPath: from.destinationPath } } };
  const out: KubeObject[] = [];
  for (const o of objects) {
    if (o.kind !== "Cluster" || !o.apiVersion.startsWith("postgresql.cnpg.io/")) {
      out.push(o);
      if (o === own && origin !== undefined) out.push(origin);
      continue;
    }
    const archive = archiveOf(o, stores);
    if (archive && archive.destinationPath === from.destinationPath && archive.serverName === from.serverName) {
      throw new Error(`the restored Cluster ${o.metadata.namespace ?? ""}/${o.metadata.name} would archive into ${from.destinationPath}/${from.serverName}, the folder it restores from and the running source still writes; give it its own backupServerName`);
    }
    out.push({
      ...o,
      spec: {
        ...specOf(o),
        bootstrap: { recovery: { source: RECOVERY_SOURCE, database: "app", owner: "app", ...recoveryTargetOf(target) } },
        externalClusters: [
          {
            name: RECOVERY_SOURCE,
            plugin: { name: BARMAN_PLUGIN, parameters: { barmanObjectName: origin?.metadata.name ?? OBJECT_STORE, serverName: from.serverName } },
          },
        ],
      },
    });
  }
  return out;
}
