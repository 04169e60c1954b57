/**
 * The dev cluster's stand-in for the cloud's node pools: with no Terraform to create a
 * medium tenant's pool, a pod that waits for a pool no node carries gets a real node for
 * it, as the pool's autoscaler would add one. Runs beside `npm run cluster:up`'s cluster
 * and says what it did in its log (host_pool-scaler.log).
 */
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { POOL_LABEL } from "../render/kubernetes/scheduling.js";
import { sleep } from "../util/sleep.js";
import { readState } from "./processes.js";
import { addRealNode } from "./real-node.js";

/** Pools that pending pods ask for and no node carries. */
export async function missingPools(core: CoreV1Api): Promise<string[]> {
  const pending = await core.listPodForAllNamespaces({ fieldSelector: "status.phase=Pending" });
  const wanted = new Set<string>();
  for (const pod of pending.items) {
    const pool = pod.spec?.nodeSelector?.[POOL_LABEL];
    const unschedulable = pod.status?.conditions?.some((c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable") ?? false;
    if (pool !== undefined && unschedulable && pod.spec?.nodeName === undefined) wanted.add(pool);
  }
  if (wanted.size === 0) return [];
  const nodes = await core.listNode();
  const have = new Set(nodes.items.map((n) => n.metadata?.labels?.[POOL_LABEL]).filter((p): p is string => p !== undefined));
  return [...wanted].filter((p) => !have.has(p)).sort();
}

export async function runPoolScaler(dir: string, signal?: AbortSignal): Promise<void> {
  const state = readState(dir);
  const kc = new KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const log = (line: string): void => {
    process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  log("watching for pods that wait for a tenant's node pool (no Terraform in the dev cluster: a real node stands in for the pool)");
  while (signal?.aborted !== true) {
    try {
      for (const pool of await missingPools(core)) {
        log(`tenant ${pool}'s pods wait for node pool ${pool}: adding real node pool-${pool}`);
        await addRealNode(readState(dir), { name: `pool-${pool}`, pool, labels: { [POOL_LABEL]: pool }, taints: [{ key: POOL_LABEL, value: pool, effect: "NoSchedule" }] }, log);
      }
    } catch (err) {
      log(`pool stand-in: ${err instanceof Error ? err.message : String(err)} (trying again)`);
    }
    await sleep(2_000, signal).catch(() => undefined);
  }
}
