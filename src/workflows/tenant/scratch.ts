/**
 * The scratch copy of a tenant's database that a backup drill and `restore --into` make
 * (src/render/kubernetes/scratch-restore.ts): rendered from the tenant as stored, applied
 * and waited for through the delivery like any bundle, and removed only when Landlord made
 * it for that tenant.
 */
import { removeNamespace } from "../../delivery/kubernetes/namespace-removal.js";
import { ConflictError } from "../../errors.js";
import { reachesCluster, type ClusterDelivery } from "../../delivery/cluster-access.js";
import type { Bundle } from "../../render/bundle.js";
import { LABEL } from "../../render/object.js";
import { backupArchive } from "../../render/kubernetes/database.js";
import { isScratchOf, RESTORE_LABEL, scratchBundle, scratchNamespace, type RecoveryTarget } from "../../render/kubernetes/scratch-restore.js";
import type { ResolvedTenant } from "../../spec/resolve.js";
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
export function kubernetesDelivery(s: TenantServices, what: string): ClusterDelivery {
  const d = s.delivery;
  if (!reachesCluster(d)) throw new ConflictError(`delivery.mode is ${d.kind}: ${what} runs on the cluster; set delivery.mode: kubernetes in landlord.yaml`);
  return d;
}

const GONE_TIMEOUT_MS = 300_000;

/**
 * Deletes the scratch namespace when Landlord made it as `tenant`'s copy (and, with
 * `unlessWorkflow`, another workflow made it), and waits until it is gone. Any other
 * namespace of that name is refused: a restore never deletes what it did not create.
 */
export async function removeScratch(s: TenantServices, cluster: string, namespace: string, tenant: string, signal: AbortSignal, unlessWorkflow?: string): Promise<string> {
  const access = s.delivery.cluster;
  if (!access) return "no cluster connection: nothing to remove";
  const { existed, detail } = await removeNamespace(access.applierFor(cluster), namespace, {
    signal,
    timeoutMs: GONE_TIMEOUT_MS,
    wait: true,
    guard: (live) => {
      if (!isScratchOf(live.metadata?.labels, tenant)) {
        throw new Error(`namespace ${namespace} on ${cluster} exists and is not a restored copy of ${tenant} (labels landlord.dev/restore=true, landlord.dev/tenant=${tenant}); nothing was changed. Name another namespace with --into`);
      }
      return unlessWorkflow !== undefined && live.metadata?.annotations?.[SCRATCH_WORKFLOW] === unlessWorkflow ? `namespace ${namespace} is this workflow's own` : undefined;
    },
  });
  return existed ? `${detail} on ${cluster}` : `namespace ${namespace} on ${cluster} not there`;
}

/**
 * Every restored copy of `tenant` on `cluster` (a failed drill's, kept for inspection, and
 * those made with --into), removed: offboarding leaves no copy of the customer's data behind.
 */
export async function removeCopies(s: TenantServices, cluster: string, tenant: string, signal: AbortSignal): Promise<string[]> {
  const access = s.delivery.cluster;
  if (!access) return [];
  const list = await access.applierFor(cluster).client.send<{ items?: { metadata: { name: string } }[] }>({
    method: "GET",
    path: "/api/v1/namespaces",
    query: { labelSelector: `${RESTORE_LABEL}=true,${LABEL.tenant}=${tenant}` },
    signal,
  });
  const out: string[] = [];
  for (const ns of list.items ?? []) out.push(await removeScratch(s, cluster, ns.metadata.name, tenant, signal));
  return out;
}
