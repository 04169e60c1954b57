/**
 * What a fresh test cluster needs before tenants arrive: the platform's CRDs (CloudNativePG,
 * prometheus-operator, Argo CD, External Secrets, cert-manager) and fake nodes for KWOK.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { CoreV1Api, KubeConfig, type V1Node, type V1Taint } from "@kubernetes/client-node";
import { KubeClient } from "../delivery/kubernetes/client.js";
import { KubeApiError } from "../delivery/kubernetes/errors.js";
import { parse } from "yaml";
import { sleep } from "../util/sleep.js";


function status(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}

export function adminConfig(kubeconfig: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  if (context !== undefined) kc.setCurrentContext(context);
  return kc;
}

/**
 * Creates every CRD in DIR (leaving ones that exist) and waits until all are Established.
 * Sent as raw JSON: client-node's typed models drop schema fields such as
 * x-kubernetes-int-or-string, and the API server then refuses the CRD.
 */
export async function installCrds(kc: KubeConfig, dir: string, only: (file: string) => boolean = () => true): Promise<string[]> {
  const client = new KubeClient(kc, kc.getCurrentContext());
  const path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  try {
    const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f) && only(f)).sort();
    const names: string[] = [];
    for (const file of files) {
      const crd = parse(await readFile(join(dir, file), "utf8")) as { kind?: string; metadata?: { name?: string } };
      const name = crd.metadata?.name;
      if (crd.kind !== "CustomResourceDefinition" || name === undefined) continue;
      names.push(name);
      try {
        await client.send({ method: "POST", path, body: crd });
      } catch (err) {
        if (!(err instanceof KubeApiError && err.status === 409)) throw new Error(`installing CRD ${name} from ${file}: ${(err as Error).message}`);
      }
    }
    const deadline = Date.now() + 60_000;
    for (const name of names) {
      for (;;) {
        const crd = await client.send<{ status?: { conditions?: { type: string; status: string }[] } }>({ method: "GET", path: `${path}/${name}` });
        if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
        if (Date.now() > deadline) throw new Error(`CRD ${name} not Established after 60 s`);
        await sleep(100);
      }
    }
    return names;
  } finally {
    client.close();
  }
}

export interface NodePoolSpec {
  readonly pool: string;
  readonly count: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly V1Taint[];
  readonly cpu?: string;
  readonly memory?: string;
}

/** Fake nodes (KWOK manages every node): Ready once KWOK has initialised them. */
export async function addNodes(kc: KubeConfig, spec: NodePoolSpec): Promise<string[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const names: string[] = [];
  for (let i = 0; i < spec.count; i++) {
    const name = `${spec.pool}-${String(i)}`;
    names.push(name);
    const capacity = { cpu: spec.cpu ?? "8", memory: spec.memory ?? "32Gi", "ephemeral-storage": "100Gi", pods: "110" };
    const node: V1Node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name,
        labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "kubernetes.azure.com/agentpool": spec.pool, type: "kwok", ...spec.labels },
        annotations: { "kwok.x-k8s.io/node": "fake" },
      },
      spec: { taints: [...(spec.taints ?? [])] },
      status: { capacity, allocatable: capacity, nodeInfo: { architecture: "amd64", operatingSystem: "linux", kubeletVersion: "fake", bootID: "", containerRuntimeVersion: "", kernelVersion: "", kubeProxyVersion: "", machineID: "", osImage: "", systemUUID: "" } },
    };
    try {
      await core.createNode({ body: node });
    } catch (err) {
      if (status(err) !== 409) throw err;
    }
  }
  const deadline = Date.now() + 60_000;
  for (const name of names) {
    for (;;) {
      const n = await core.readNode({ name });
      const ready = n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
      const notReadyTaint = n.spec?.taints?.some((t) => t.key === "node.kubernetes.io/not-ready") ?? false;
      if (ready && !notReadyTaint) break;
      if (Date.now() > deadline) throw new Error(`node ${name} not Ready after 60 s (KWOK running?)`);
      await sleep(200);
    }
  }
  return names;
}

/** The controllers have seeded the cluster: the default ServiceAccount exists. */
export async function waitSeeded(kc: KubeConfig): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await core.readNamespacedServiceAccount({ name: "default", namespace: "default" });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the default ServiceAccount never appeared (controller-manager running?): ${(err as Error).message}`);
      await sleep(200);
    }
  }
}
