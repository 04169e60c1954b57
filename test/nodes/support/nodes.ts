/** What the real-node test files share: the cluster global-setup.ts started, and its parts. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";
import { readState, type ClusterState } from "../../../src/devcluster/processes.js";
import { NODE_NETWORK } from "../../../src/devcluster/host-network.js";
import { imagePrograms } from "../../../src/devcluster/images.js";
import { sleep } from "../../../src/util/sleep.js";

export function nodesCluster(): ClusterState {
  return readState(inject("nodesClusterDir"));
}

export function nodesAdmin(): { kc: KubeConfig; core: CoreV1Api } {
  const kc = new KubeConfig();
  kc.loadFromFile(inject("nodesKubeconfig"));
  return { kc, core: kc.makeApiClient(CoreV1Api) };
}

export async function ensureNamespace(core: CoreV1Api, name: string): Promise<void> {
  await core.createNamespace({ body: { metadata: { name } } }).catch((err: unknown) => {
    if ((err as { code?: number }).code !== 409) throw err;
  });
}

/** A TCP listener in the stand-in outside's network namespace (netcheck, built for the images). */
export async function outsideListener(port: number): Promise<{ ip: string; stop: () => void }> {
  const netcheck = join(await imagePrograms(), "netcheck");
  const child: ChildProcess = spawn("ip", ["netns", "exec", NODE_NETWORK.outside.netns, netcheck, "listen", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!out.includes("listening")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`outside listener did not start: ${out}`);
    await sleep(50);
  }
  return { ip: NODE_NETWORK.outside.ip, stop: () => child.kill("SIGKILL") };
}
