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
  const cluster: KubeObject = {
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "Cluster",
    metadata: meta(t, DB),
    spec: {
      instances: db.instances,
      imageName: db.imageName,
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
      serviceAccountTemplate: { metadata: { annotations: workloadIdentityAnnotations(cloud) } },
      backup: {
        retentionPolicy: `${db.backup.retentionDays}d`,
        barmanObjectStore: {
          destinationPath: backupDestination(t),
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
