/**
 * Starts one real control plane (etcd, kube-apiserver, controller-manager, scheduler, KWOK)
 * for every Kubernetes test file of the run, with the platform CRDs and a shared pool of
 * fake nodes; stops it at the end. Never skipped: without the binary this fails and says why.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { startControlPlane, stopControlPlane } from "../../../src/devcluster/control-plane.js";
import { addNodes, adminConfig, installCrds, waitSeeded } from "../../../src/devcluster/seed.js";
import { Applier } from "../../../src/delivery/kubernetes/applier.js";
import { KubeClient } from "../../../src/delivery/kubernetes/client.js";
import { clusterBootstrap } from "../../../src/render/platform/bootstrap.js";
import { platform } from "../../support/fixtures.js";

declare module "vitest" {
  export interface ProvidedContext {
    clusterDir: string;
    kubeconfig: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), "landlord-cp-"));
  const started = Date.now();
  const state = await startControlPlane({ dir, log: (l) => process.stderr.write(`[control plane] ${l}\n`) });
  const kc = adminConfig(state.kubeconfig);
  await waitSeeded(kc);
  const crds = process.env.LANDLORD_CRDS_DIR ?? resolve("..", "shared", "crds");
  if (!existsSync(crds)) throw new Error(`CRDs not found at ${crds}: put ../shared beside the repository or set LANDLORD_CRDS_DIR`);
  await installCrds(kc, crds);
  // Every bundle has an ObjectStore (the Barman Cloud plugin's). CloudNativePG's Backup kind stays
  // absent here: these tests show a final backup refused, never faked, where its operator is missing.
  await installCrds(kc, join(crds, "more"), (f) => f.startsWith("barmancloud.cnpg.io_"));
  // Large fake nodes: every file's tenants stay until the run ends (twenty of them for the rollout alone), and pods must still fit.
  await addNodes(kc, { pool: "shared", count: 3, cpu: "64", memory: "256Gi" });
  // The platform's admission guardrails, for the platform every test here uses (the init template).
  const client = new KubeClient(kc, kc.getCurrentContext());
  await new Applier(client).applyPlatform(clusterBootstrap(platform().config), { force: false, repairDrift: true, dryRun: false, parallelism: 4 });
  client.close();
  process.stderr.write(`[control plane] ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${state.kubeconfig}\n`);
  project.provide("clusterDir", dir);
  project.provide("kubeconfig", state.kubeconfig);
  return async () => {
    await stopControlPlane(dir, process.env.LANDLORD_KEEP_CLUSTER === undefined);
  };
}
