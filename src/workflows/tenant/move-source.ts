/**
 * The old instance, on the cluster the tenant left. The Delivery port finds a tenant's
 * cluster through its recorded placement, which points at the target once cut over; so
 * the source is reached through the delivery's cluster access, by the cluster's name.
 */
import type { ClusterAccess } from "../../delivery/cluster-access.js";
import { removeNamespace } from "../../delivery/kubernetes/namespace-removal.js";
import { LABEL } from "../../render/object.js";

const GONE_TIMEOUT_MS = 300_000;

/** Deletes the tenant's namespace on `cluster` (only one Landlord labelled for it), its database first, and waits until it is gone. */
export async function removeOldNamespace(access: ClusterAccess, cluster: string, namespace: string, tenant: string, signal: AbortSignal): Promise<{ removed: string; detail: string }> {
  const where = `namespace ${namespace} on ${cluster}`;
  const { detail } = await removeNamespace(access.applierFor(cluster), namespace, {
    signal,
    timeoutMs: GONE_TIMEOUT_MS,
    wait: true,
    guard: (live) => {
      if (live.metadata?.labels?.[LABEL.tenant] !== tenant) throw new Error(`${where} does not carry ${LABEL.tenant}=${tenant}; not deleting what Landlord did not create`);
      return undefined;
    },
  });
  return { removed: where, detail: `${detail} on ${cluster}` };
}
