/**
 * Taking a tenant's PostgreSQL away (in-place restore, the source after a move, a restored
 * copy, offboarding) without waiting on it. Deleted as it runs, an instance gets a smart
 * shutdown: PostgreSQL waits up to `smartShutdownTimeout` (180 s) for the app's pooled
 * connections to close. And a namespace deleted while such a pod terminates is looked at
 * again only after half of the pod's grace period (CloudNativePG gives it 30 minutes), so the
 * namespace outlives its pods by a quarter of an hour. Fenced first, the instance gets a fast
 * shutdown (the operator's own way to stop PostgreSQL while the pod stays); then the Cluster
 * goes, and the namespace only once its pods are gone.
 */
import { RetryableError } from "../../errors.js";
import { sleep } from "../../util/sleep.js";
import type { KubeClient } from "./client.js";
import { KubeApiError } from "./errors.js";

const FENCED = "cnpg.io/fencedInstances";
const CLUSTER_LABEL = "cnpg.io/cluster";

export interface StopOptions {
  readonly signal?: AbortSignal;
  /** How long the pods may take to go once their Cluster is deleted. */
  readonly timeoutMs: number;
  /** How long to wait for the fast shutdown before deleting anyway (smart shutdown then applies). */
  readonly fenceWaitMs?: number;
}

interface Pod {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { conditions?: { type: string; status: string }[] };
}

function notFound(err: unknown): undefined {
  if (err instanceof KubeApiError && err.status === 404) return undefined;
  throw err;
}

const clustersPath = (namespace: string): string => `/apis/postgresql.cnpg.io/v1/namespaces/${encodeURIComponent(namespace)}/clusters`;

async function instancePods(client: KubeClient, namespace: string, cluster: string, signal?: AbortSignal): Promise<Pod[]> {
  const list = await client.send<{ items?: Pod[] }>({
    method: "GET",
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
    query: { labelSelector: `${CLUSTER_LABEL}=${cluster}` },
    ...(signal ? { signal } : {}),
  });
  return list.items ?? [];
}

const ready = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

/**
 * Fences Cluster `name` in `namespace` (fast shutdown), deletes it and waits until its
 * instance pods are gone. A Cluster already gone, or a cluster without CloudNativePG's kind,
 * is nothing to do. Says what it did.
 */
export async function stopDatabase(client: KubeClient, namespace: string, name: string, opts: StopOptions): Promise<string> {
  const signal = opts.signal ? { signal: opts.signal } : {};
  const path = `${clustersPath(namespace)}/${encodeURIComponent(name)}`;
  const live = await client.send<{ metadata: { deletionTimestamp?: string } }>({ method: "GET", path, ...signal }).catch(notFound);
  let fenced = "";
  if (live && live.metadata.deletionTimestamp === undefined) {
    await client.send({ method: "PATCH", path, contentType: "application/merge-patch+json", body: { metadata: { annotations: { [FENCED]: JSON.stringify(["*"]) } } }, ...signal }).catch(notFound);
    const deadline = Date.now() + (opts.fenceWaitMs ?? 60_000);
    for (;;) {
      const running = (await instancePods(client, namespace, name, opts.signal)).filter(ready);
      if (running.length === 0) {
        fenced = "fenced (fast shutdown), ";
        break;
      }
      if (Date.now() > deadline) {
        fenced = `not fenced in time (${running.map((p) => p.metadata.name).join(", ")} still ready: smart shutdown), `;
        break;
      }
      await sleep(1_000, opts.signal);
    }
    // Background: in foreground deletion the Cluster stays, CloudNativePG keeps making the
    // objects the garbage collector removes (service account, role, disruption budget) and
    // the deletion never ends.
    await client.send({ method: "DELETE", path, body: { propagationPolicy: "Background" }, ...signal }).catch(notFound);
  }
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const left = await instancePods(client, namespace, name, opts.signal);
    if (left.length === 0) break;
    if (Date.now() > deadline) throw new RetryableError(`${left.map((p) => `pod ${p.metadata.name}`).join(", ")} of database ${name} in ${namespace} still stopping after ${String(opts.timeoutMs / 1000)} s`);
    await sleep(1_000, opts.signal);
  }
  return live ? `database ${name} in ${namespace} ${fenced}deleted, its pods gone` : `no database ${name} in ${namespace}`;
}

/** Every CloudNativePG Cluster in the namespace stopped as above, one after another. */
export async function stopDatabases(client: KubeClient, namespace: string, opts: StopOptions): Promise<string[]> {
  const list = await client
    .send<{ items?: { metadata: { name: string } }[] }>({ method: "GET", path: clustersPath(namespace), ...(opts.signal ? { signal: opts.signal } : {}) })
    .catch(notFound);
  const out: string[] = [];
  for (const c of list?.items ?? []) out.push(await stopDatabase(client, namespace, c.metadata.name, opts));
  return out;
}
