/**
 * GitOps delivery's access to the tenants' clusters, through the kubeconfig contexts
 * delivery.kubernetes names (the same rules as kubectl). Everything else goes through Git;
 * offboarding needs two things only a cluster can do: observe that the final Backup
 * completed (read-only), then delete the namespace Argo CD keeps (docs/adr/0026).
 */
import { ConflictError, RetryableError } from "../../errors.js";
import { LABEL } from "../../render/object.js";
import { KubeClient } from "../kubernetes/client.js";
import { ClusterUnavailableError, KubeApiError } from "../kubernetes/errors.js";
import type { KubeconfigResolver } from "../kubernetes/kubeconfig.js";
import type { BackupObserver, NamespaceRef, TenantNamespaces } from "./gitops-delivery.js";

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

/** Outages and throttling are worth another attempt of the step; refusals are not. */
function transient(err: unknown): never {
  if (err instanceof ClusterUnavailableError) throw new RetryableError(err.message);
  if (err instanceof KubeApiError && (err.status === 429 || err.status >= 500)) throw new RetryableError(err.message);
  throw err;
}

const notFound = (err: unknown): boolean => err instanceof KubeApiError && err.status === 404;

export function kubeTenantNamespaces(resolver: KubeconfigResolver): TenantNamespaces {
  async function withClient<T>(ref: NamespaceRef, f: (client: KubeClient, path: string) => Promise<T>): Promise<T> {
    const { kc, context } = resolver.configFor(ref.cluster);
    const client = new KubeClient(kc, context);
    try {
      return await f(client, `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}`);
    } catch (err) {
      return transient(err);
    } finally {
      client.close();
    }
  }
  const read = async (client: KubeClient, path: string, signal?: AbortSignal): Promise<{ metadata?: { labels?: Record<string, string> } } | undefined> => {
    try {
      return await client.send({ method: "GET", path, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (notFound(err)) return undefined;
      throw err;
    }
  };
  return {
    exists: (ref, signal) => withClient(ref, async (client, path) => (await read(client, path, signal)) !== undefined),
    delete: (ref, signal) =>
      withClient(ref, async (client, path) => {
        const live = await read(client, path, signal);
        if (!live) return false;
        if (live.metadata?.labels?.[LABEL.tenant] !== ref.tenant) {
          throw new ConflictError(`namespace ${ref.namespace} on ${ref.cluster} does not carry ${LABEL.tenant}=${ref.tenant}; not deleting what Landlord did not create`);
        }
        try {
          await client.send({ method: "DELETE", path, body: { propagationPolicy: "Foreground" }, ...(signal ? { signal } : {}) });
          return true;
        } catch (err) {
          if (notFound(err)) return false;
          throw err;
        }
      }),
  };
}
