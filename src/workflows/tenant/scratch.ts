/**
 * The scratch copy of a tenant's database that a backup drill and `restore --into` make
 * (src/render/kubernetes/scratch-restore.ts): rendered from the tenant as stored, applied
 * and waited for through the delivery like any bundle, and removed only when Landlord made
 * it for that tenant.
 */
import { KubeApiError } from "../../delivery/kubernetes/errors.js";
import { ConflictError, RetryableError } from "../../errors.js";
import type { KubernetesDelivery } from "../../delivery/kubernetes/kubernetes-delivery.js";
import type { Bundle } from "../../render/bundle.js";
import { DB } from "../../render/object.js";
import { backupArchive } from "../../render/kubernetes/database.js";
import { isScratchOf, scratchBundle, scratchNamespace, type RecoveryTarget } from "../../render/kubernetes/scratch-restore.js";
import type { ResolvedTenant } from "../../spec/resolve.js";
import { sleep } from "../../util/sleep.js";
import { isKubernetesDelivery } from "./move-source.js";
import { renderStored, type TenantServices } from "./services.js";

/** Annotation naming the workflow that made a scratch namespace: a later run meets an earlier one's copy and starts afresh. */
export const SCRATCH_WORKFLOW = "landlord.dev/restore-workflow";

export interface Scratch {
  readonly tenant: ResolvedTenant;
  /** The tenant as the probe sees the copy: same placement and pool, the scratch namespace. */
  readonly copy: ResolvedTenant;
  readonly bundle: Bundle;
}

/** `into` names the scratch namespace; absent, the tenant's default (scratchNamespace). */
export async function renderScratch(s: TenantServices, name: string, into: string | undefined, target: RecoveryTarget, workflowId: string): Promise<Scratch> {
  const r = await renderStored(s, name, (await s.store.tenants.require(name)).spec);
  const namespace = into ?? scratchNamespace(r.tenant.names.namespace);
  const bundle = scratchBundle(r.bundle, { namespace, from: backupArchive(s.platform.config, r.tenant), target });
  const objects = bundle.objects.map((o) => (o.kind === "Namespace" ? { ...o, metadata: { ...o.metadata, annotations: { ...(o.metadata.annotations ?? {}), [SCRATCH_WORKFLOW]: workflowId } } } : o));
  return { tenant: r.tenant, copy: { ...r.tenant, names: { ...r.tenant.names, namespace } }, bundle: { ...bundle, objects } };
}

/** The cluster connection restores need; other deliveries write files and reach no database. */
export function kubernetesDelivery(s: TenantServices, what: string): KubernetesDelivery {
  const d = s.delivery;
  if (!isKubernetesDelivery(d)) throw new ConflictError(`delivery.mode is ${d.kind}: ${what} runs on the cluster; set delivery.mode: kubernetes in landlord.yaml`);
  return d;
}

const GONE_TIMEOUT_MS = 300_000;

/**
 * Deletes the scratch namespace when Landlord made it as `tenant`'s copy (and, with
 * `unlessWorkflow`, another workflow made it), and waits until it is gone. Any other
 * namespace of that name is refused: a restore never deletes what it did not create.
 */
export async function removeScratch(s: TenantServices, cluster: string, namespace: string, tenant: string, signal: AbortSignal, unlessWorkflow?: string): Promise<string> {
  const d = s.delivery;
  if (!isKubernetesDelivery(d)) return "no cluster connection: nothing to remove";
  const applier = d.applierFor(cluster);
  const live = await applier.get("v1", "Namespace", undefined, namespace, signal);
  if (!live) return `namespace ${namespace} on ${cluster} not there`;
  const labels = live.metadata?.labels;
  if (!isScratchOf(labels, tenant)) {
    throw new Error(`namespace ${namespace} on ${cluster} exists and is not a restored copy of ${tenant} (labels landlord.dev/restore=true, landlord.dev/tenant=${tenant}); nothing was changed. Name another namespace with --into`);
  }
  if (unlessWorkflow !== undefined && live.metadata?.annotations?.[SCRATCH_WORKFLOW] === unlessWorkflow) return `namespace ${namespace} is this workflow's own`;
  // The database first, then the namespace: a namespace being deleted waits out the longest
  // grace period of the pods it finds before it looks again (CloudNativePG gives PostgreSQL
  // 30 minutes), although PostgreSQL stops in seconds once its Cluster is gone.
  const deadline = Date.now() + GONE_TIMEOUT_MS;
  const ns = encodeURIComponent(namespace);
  await applier.client.send({ method: "DELETE", path: `/apis/postgresql.cnpg.io/v1/namespaces/${ns}/clusters/${DB}`, signal }).catch((err: unknown) => {
    if (!(err instanceof KubeApiError && err.status === 404)) throw err;
  });
  while (((await applier.client.send<{ items?: unknown[] }>({ method: "GET", path: `/api/v1/namespaces/${ns}/pods`, signal })).items ?? []).length > 0) {
    if (Date.now() > deadline) throw new RetryableError(`the database pods of ${namespace} on ${cluster} still stopping after ${String(GONE_TIMEOUT_MS / 1000)} s`);
    await sleep(1_000, signal);
  }
  if ((live.metadata as { deletionTimestamp?: string }).deletionTimestamp === undefined) {
    try {
      await applier.client.send({ method: "DELETE", path: `/api/v1/namespaces/${encodeURIComponent(namespace)}`, body: { propagationPolicy: "Foreground" }, signal });
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
    }
  }
  while (await applier.get("v1", "Namespace", undefined, namespace, signal)) {
    if (Date.now() > deadline) throw new RetryableError(`namespace ${namespace} on ${cluster} still terminating after ${String(GONE_TIMEOUT_MS / 1000)} s`);
    await sleep(1_000, signal);
  }
  return `namespace ${namespace} on ${cluster} deleted`;
}
