/**
 * The shared node's kubelet and containerd stopped for 30 s in the middle of an onboarding
 * on real nodes: the workflow waits, `landlord status` says what it waits for meanwhile, and
 * once both are back the onboarding completes with nothing made twice.
 */
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppsV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { afterAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { restartComponent, stopComponent } from "../../src/devcluster/control-plane.js";
import { realNodesPlatformText } from "../../src/devcluster/platform.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { sleep } from "../../src/util/sleep.js";
import { tenantDoc } from "../support/fixtures.js";
import { uniqueName } from "../kubernetes/support/live.js";
import { deleteNamespaces, landlordIn, nodesAdmin, nodesCluster } from "./support/nodes.js";

const name = uniqueName("nodeout");
const namespace = `tenant-${name}`;
const NODE = "real-shared-0";
const OUTAGE_MS = 30_000;


/** Until the Cluster object exists: the apply step is done and wait-ready has begun. */
async function untilClusterApplied(timeoutMs: number): Promise<void> {
  const crd = nodesAdmin().kc.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + timeoutMs;
  while (!(await crd.getNamespacedCustomObject({ group: "postgresql.cnpg.io", version: "v1", namespace, plural: "clusters", name: "db" }).then(() => true, () => false))) {
    if (Date.now() > deadline) throw new Error(`Cluster/db in ${namespace} not applied within ${String(timeoutMs / 1000)} s`);
    await sleep(200);
  }
}

afterAll(async () => {
  await deleteNamespaces(nodesAdmin().core, [namespace]);
  // The operators on the node stopped with it (CloudNativePG's webhook, cert-manager, Traefik):
  // the next file must not meet them still starting.
  const apps = nodesAdmin().kc.makeApiClient(AppsV1Api);
  const deadline = Date.now() + 300_000;
  for (const ns of ["cnpg-system", "cert-manager", "traefik"]) {
    for (;;) {
      const list = await apps.listNamespacedDeployment({ namespace: ns }).catch(() => ({ items: [] }));
      if (list.items.every((d) => (d.status?.availableReplicas ?? 0) >= (d.spec?.replicas ?? 1))) break;
      if (Date.now() > deadline) throw new Error(`deployments in ${ns} not available again 300 s after the outage`);
      await sleep(1_000);
    }
  }
}, 500_000);

describe("a real node's kubelet and containerd stopped for 30 s during an onboarding", () => {
  it("completes after they return, says what it waits for meanwhile, and makes nothing twice", { timeout: 1_000_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "landlord-nodeout-"));
    await mkdir(join(dir, "tenants"));
    await writeFile(join(dir, "landlord.yaml"), `${realNodesPlatformText(PLATFORM_TEMPLATE, inject("nodesPostgresImage"), { azurite: inject("nodesAzurite") })}\ndelivery:\n  mode: kubernetes\n  kubernetes:\n    contexts: { aks-weu-1: landlord-dev }\n    readyTimeoutSeconds: 900\n`);
    await copyFile(inject("nodesKubeconfig"), join(dir, "kubeconfig"));
    await writeFile(join(dir, "tenants", `${name}.yaml`), stringify(tenantDoc(name)));

    const started = Date.now();
    const onboarding = landlordIn(dir, "--new-store", "apply");
    await untilClusterApplied(120_000);
    const clusterDir = nodesCluster().dir;
    await stopComponent(clusterDir, `node/${NODE}/kubelet`);
    await stopComponent(clusterDir, `node/${NODE}/containerd`);
    const stoppedAt = Date.now();
    let during: { code: number; stdout: string; stderr: string };
    try {
      await sleep(10_000);
      during = await landlordIn(dir, "status", name);
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
    } finally {
      await restartComponent(clusterDir, `node/${NODE}/containerd`);
      await restartComponent(clusterDir, `node/${NODE}/kubelet`);
    }
    const done = await onboarding;
    console.log(`--- landlord status ${name}, 10 s into the node's outage:\n${during.stdout}`);

    // Meanwhile: some object not ready yet, each with the reason it waits.
    expect(during.stdout).toMatch(/\sno\s+\S/);
    const waiting = during.stdout.split("\n").filter((l) => /\sno\s/.test(l));
    expect(waiting.length).toBeGreaterThan(0);
    for (const line of waiting) expect(line.trim().split(/\s{2,}/).length, line).toBeGreaterThanOrEqual(4);

    expect(done.stdout).toContain(`${name}: onboarded`);
    expect(done.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThan(OUTAGE_MS);
    // Nothing twice: one instance, one claim, one ReplicaSet of the app.
    const { core, kc } = nodesAdmin();
    const pods = await core.listNamespacedPod({ namespace, labelSelector: "cnpg.io/cluster=db,cnpg.io/podRole=instance" });
    expect(pods.items.map((p) => p.metadata?.name)).toEqual(["db-1"]);
    const pvcs = await core.listNamespacedPersistentVolumeClaim({ namespace });
    expect(pvcs.items.map((p) => p.metadata?.name)).toEqual(["db-1"]);
    const rs = await kc.makeApiClient(AppsV1Api).listNamespacedReplicaSet({ namespace });
    expect(rs.items).toHaveLength(1);
  });
});
