/** The tenant's own CloudNativePG cluster, its pooler and its backups, sized by tier. */
import type { ResolvedTenant } from "../../spec/resolve.js";
import { DB, meta, ownershipLabels, type KubeObject } from "../object.js";
import { scheduling } from "./scheduling.js";
import { workloadIdentityAnnotations, type CloudOutputs } from "../cloud.js";

export const BACKUP_CONTAINER = "cnpg-backups";
export const POOLER = "db-pooler-rw";

export function backupDestination(t: ResolvedTenant): string {
  return `https://${t.names.storageAccount}.blob.core.windows.net/${BACKUP_CONTAINER}`;
}

export function databaseObjects(t: ResolvedTenant, cloud: CloudOutputs = {}): KubeObject[] {
  const db = t.effective.database;
  const sched = scheduling(t);
  const archive = backupArchive(t);
  const cluster: KubeObject = {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "Cluster",
    metadata: meta(t, DB),
    spec: {
      instances: db.instances,
      imageName: db.imageName,
      // CloudNativePG passes it to every instance, bootstrap and job container; admission requires Always.
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
      backup: {
        retentionPolicy: `${db.backup.retentionDays}d`,
        barmanObjectStore: {
          destinationPath: backupDestination(t),
          // Only when it is not the Cluster's name, CloudNativePG's default: tenants never moved render as before.
          ...(archive.serverName === DB ? {} : { serverName: archive.serverName }),
          azureCredentials: { inheritFromAzureAD: true },
          wal: { compression: "gzip" },
          data: { compression: "gzip" },
        },
      },
    },
  };
  const backup: KubeObject = {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "ScheduledBackup",
    metadata: meta(t, `${DB}-daily`),
    spec: {
      schedule: db.backup.schedule,
      cluster: { name: DB },
      method: "barmanObjectStore",
      backupOwnerReference: "self",
      immediate: true,
    },
  };
  const out = [cluster];
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
export function backupArchive(t: ResolvedTenant): BackupArchive {
  return { destinationPath: backupDestination(t), serverName: t.placement.backupServerName ?? DB };
}

/** The archive a rendered Cluster writes to, read back from its spec. */
function archiveOf(cluster: KubeObject): BackupArchive | undefined {
  const store = (cluster.spec as { backup?: { barmanObjectStore?: { destinationPath?: string; serverName?: string } } } | undefined)?.backup?.barmanObjectStore;
  if (store?.destinationPath === undefined) return undefined;
  return { destinationPath: store.destinationPath, serverName: store.serverName ?? cluster.metadata.name };
}

/**
 * The tenant's Cluster bootstrapped from another Cluster's archive instead of an empty
 * initdb (a move to another cluster, docs/adr/0020). The source keeps running and archiving
 * until cut-over, so the restored Cluster must archive into a folder of its own: two
 * primaries writing one folder interleave their timelines, and CloudNativePG's check that a
 * new Cluster's archive is empty is what catches it, so it is never skipped (docs/adr/0024).
 */
export function withRecovery(cluster: KubeObject, from: BackupArchive): KubeObject {
  if (cluster.kind !== "Cluster") return cluster;
  const own = archiveOf(cluster);
  if (own && own.destinationPath === from.destinationPath && own.serverName === from.serverName) {
    throw new Error(`the restored Cluster ${cluster.metadata.namespace ?? ""}/${cluster.metadata.name} would archive into ${from.destinationPath}/${from.serverName}, the folder it restores from and the running source still writes; give it its own backupServerName`);
  }
  const spec = cluster.spec as Record<string, unknown>;
  return {
    ...cluster,
    spec: {
      ...spec,
      bootstrap: { recovery: { source: RECOVERY_SOURCE, database: "app", owner: "app" } },
      externalClusters: [
        {
          name: RECOVERY_SOURCE,
          barmanObjectStore: {
            destinationPath: from.destinationPath,
            serverName: from.serverName,
            azureCredentials: { inheritFromAzureAD: true },
            wal: { maxParallel: 4 },
          },
        },
      ],
    },
  };
}
