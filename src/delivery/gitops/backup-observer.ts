/**
 * Observes a committed final Backup on its cluster, read-only, through the kubeconfig
 * contexts delivery.kubernetes names (the same rules as kubectl): GitOps delivery writes
 * only to Git, but deleting a tenant must wait for a fact only the cluster knows.
 */
import { KubeClient } from "../kubernetes/client.js";
import { KubeApiError } from "../kubernetes/errors.js";
import type { KubeconfigResolver } from "../kubernetes/kubeconfig.js";
import type { BackupObserver } from "./gitops-delivery.js";

export function kubeBackupObserver(resolver: KubeconfigResolver): BackupObserver {
  return async (ref, signal) => {
    const { kc, context } = resolver.configFor(ref.cluster);
    const client = new KubeClient(kc, context);
    try {
      const path = `/apis/postgresql.cnpg.io/v1/namespaces/${encodeURIComponent(ref.namespace)}/backups/${encodeURIComponent(ref.name)}`;
      const backup = await client.send<{ status?: { phase?: string } }>({ method: "GET", path, ...(signal ? { signal } : {}) });
      return backup.status?.phase === undefined ? { found: true } : { found: true, phase: backup.status.phase };
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return { found: false };
      throw err;
    } finally {
      client.close();
    }
  };
}
