/** Waiting for the cluster add-ons the dev cluster installs (CoreDNS, operators). */
import { AppsV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { podTrouble } from "../delivery/kubernetes/readiness.js";
import { sleep } from "../util/sleep.js";
import { HostSetupError } from "./host-network.js";

/** Until the Deployment has an available pod; else an error saying what its pods wait for. */
export async function waitDeploymentAvailable(kc: KubeConfig, namespace: string, name: string, timeoutMs: number, hint = ""): Promise<void> {
  const apps = kc.makeApiClient(AppsV1Api);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await apps.readNamespacedDeployment({ namespace, name }).catch(() => undefined);
    if ((d?.status?.availableReplicas ?? 0) >= 1) return;
    if (Date.now() > deadline) {
      const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace }).catch(() => undefined);
      const trouble = podTrouble(pods?.items ?? []);
      throw new HostSetupError(`${namespace}/${name} has no available pod after ${String(timeoutMs / 1000)} s${trouble !== undefined ? ` (${trouble})` : ""}${hint}`);
    }
    await sleep(500);
  }
}
