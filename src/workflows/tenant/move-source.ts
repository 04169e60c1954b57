/**
 * The old instance, on the cluster the tenant left. The Delivery port finds a tenant's
 * cluster through its recorded placement, which points at the target once cut over; so
 * the source is reached through the Kubernetes delivery's per-cluster client by name.
 */
import type { Delivery } from "../../delivery/delivery.js";
import type { KubernetesDelivery } from "../../delivery/kubernetes/kubernetes-delivery.js";
import { KubeApiError } from "../../delivery/kubernetes/errors.js";
import { RetryableError } from "../../errors.js";
import { LABEL } from "../../render/object.js";
import { sleep } from "../../util/sleep.js";

export function isKubernetesDelivery(d: Delivery): d is KubernetesDelivery {
  return d.kind === "kubernetes" && "applierFor" in d;
}

const GONE_TIMEOUT_MS = 180_000;

/** Deletes the tenant's namespace on `cluster` (only one Landlord labelled for it) and waits until it is gone. */
export async function removeOldNamespace(d: KubernetesDelivery, cluster: string, namespace: string, tenant: string, signal: AbortSignal): Promise<{ removed: string; detail: string }> {
  const applier = d.applierFor(cluster);
  const where = `namespace ${namespace} on ${cluster}`;
  const live = await applier.get("v1", "Namespace", undefined, namespace, signal);
  if (!live) return { removed: where, detail: `${where} already gone` };
  if (live.metadata?.labels?.[LABEL.tenant] !== tenant) {
    throw new Error(`${where} does not carry ${LABEL.tenant}=${tenant}; not deleting what Landlord did not create`);
  }
  if ((live.metadata as { deletionTimestamp?: string }).deletionTimestamp === undefined) {
    try {
      await applier.client.send({ method: "DELETE", path: `/api/v1/namespaces/${encodeURIComponent(namespace)}`, body: { propagationPolicy: "Foreground" }, signal });
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
    }
  }
  const deadline = Date.now() + GONE_TIMEOUT_MS;
  while (await applier.get("v1", "Namespace", undefined, namespace, signal)) {
    if (Date.now() > deadline) throw new RetryableError(`${where} still terminating after ${String(GONE_TIMEOUT_MS / 1000)} s`);
    await sleep(500, signal);
  }
  return { removed: where, detail: `${where} deleted` };
}
