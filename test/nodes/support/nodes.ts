/** What the real-node test files share: the cluster global-setup.ts started, and its parts. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";
import type { CliIo } from "../../../src/cli/io.js";
import { run } from "../../../src/cli/program.js";
import { readState, type ClusterState } from "../../../src/devcluster/processes.js";
import { NODE_NETWORK } from "../../../src/devcluster/host-network.js";
import { imagePrograms } from "../../../src/devcluster/images.js";
import { sleep } from "../../../src/util/sleep.js";
import { realNodesPlatformText } from "../../../src/devcluster/platform.js";
import { PLATFORM_TEMPLATE } from "../../../src/init/templates.js";

/** landlord.yaml for a workspace that delivers to the real-node cluster (its PostgreSQL image, its API server address, Azurite for backups). */
export function realNodesLandlordYaml(extra = ""): string {
  return `${realNodesPlatformText(PLATFORM_TEMPLATE, inject("nodesPostgresImage"), { azurite: inject("nodesAzurite") })}
delivery:
  mode: kubernetes
  kubernetes:
    contexts: { aks-weu-1: landlord-dev }
    readyTimeoutSeconds: 300
${extra}`;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `landlord ...` in-process, in a working folder holding landlord.yaml and the cluster's kubeconfig. */
export async function landlordIn(dir: string, ...argv: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env: { LANDLORD_ACTOR: "test" } };
  const code = await run(["--kubeconfig", "kubeconfig", ...argv], io);
  return { code, stdout, stderr };
}

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

/**
 * Deletes a test's namespaces and waits until they are gone: the real nodes have the
 * machine's CPUs only, and the next test file's pods need what these held. Workloads and
 * pods go first, at once: the namespace controller waits out the longest grace period of
 * the pods it finds (CloudNativePG gives PostgreSQL 30 minutes) before it looks again.
 */
export async function deleteNamespaces(core: CoreV1Api, names: readonly string[], timeoutMs = 180_000): Promise<void> {
  const { kc } = nodesAdmin();
  const crd = kc.makeApiClient(CustomObjectsApi);
  const apps = kc.makeApiClient(AppsV1Api);
  for (const namespace of names) {
    const clusters = (await crd.listNamespacedCustomObject({ group: "postgresql.cnpg.io", version: "v1", namespace, plural: "clusters" }).catch(() => ({ items: [] }))) as { items: { metadata: { name: string } }[] };
    for (const c of clusters.items) await crd.deleteNamespacedCustomObject({ group: "postgresql.cnpg.io", version: "v1", namespace, plural: "clusters", name: c.metadata.name }).catch(() => undefined);
    await apps.deleteCollectionNamespacedDeployment({ namespace }).catch(() => undefined);
    await apps.deleteCollectionNamespacedStatefulSet({ namespace }).catch(() => undefined);
    await core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
  }
  const deadline = Date.now() + timeoutMs;
  for (const namespace of names) {
    while ((await core.listNamespacedPod({ namespace }).catch(() => ({ items: [] }))).items.length > 0) {
      if (Date.now() > deadline) throw new Error(`pods of ${namespace} still there after ${String(timeoutMs / 1000)} s`);
      await core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
      await sleep(500);
    }
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
  for (const name of names) {
    while (
      await core.readNamespace({ name }).then(
        () => true,
        () => false,
      )
    ) {
      if (Date.now() > deadline) throw new Error(`namespace ${name} still terminating after ${String(timeoutMs / 1000)} s`);
      await sleep(500);
    }
  }
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
