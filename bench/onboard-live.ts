/**
 * Time to live on a real control plane (started here): one small tenant onboarded through
 * the workflow with Kubernetes delivery until Ready, against a bare server-side apply of
 * the same objects plus the same readiness wait, in the same run. The difference is the
 * workflow's overhead (store commits per step, credentials, a TokenRequest).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { KubeconfigResolver } from "../src/delivery/kubernetes/kubeconfig.js";
import { KubernetesDelivery } from "../src/delivery/kubernetes/kubernetes-delivery.js";
import { TerraformRunner } from "../src/delivery/terraform/runner.js";
import { startControlPlane, stopControlPlane } from "../src/devcluster/control-plane.js";
import { addNodes, adminConfig, installCrds, waitSeeded } from "../src/devcluster/seed.js";
import { PLATFORM_TEMPLATE } from "../src/init/templates.js";
import { clusterBootstrap } from "../src/render/platform/bootstrap.js";
import { renderBundle } from "../src/render/bundle.js";
import { loadPlatform } from "../src/spec/fleet.js";
import { openStore } from "../src/store/index.js";
import { createEngine } from "../src/workflows/engine/index.js";
import { tenantLocator } from "../src/workflows/tenant/locate.js";
import { offboardWorkflow } from "../src/workflows/tenant/offboard.js";
import { onboardWorkflow } from "../src/workflows/tenant/onboard.js";
import { runTenantWorkflow } from "../src/workflows/tenant/run-tenant-workflow.js";
import { resolveSpec, type TenantServices } from "../src/workflows/tenant/services.js";
import { submitOnboard } from "../src/workflows/tenant/submit.js";
import { updateWorkflow } from "../src/workflows/tenant/update.js";
import { smallTenant } from "./support.js";

const rounds = Number(process.argv[2] ?? 3);
const dir = await mkdtemp(join(tmpdir(), "landlord-bench-live-"));
const platform = loadPlatform({ file: "landlord.yaml", bytes: new TextEncoder().encode(PLATFORM_TEMPLATE) });
const cluster = await startControlPlane({ dir: join(dir, "cluster"), log: (l) => process.stderr.write(`${l}\n`) });
const store = await openStore({ baseDir: dir, ...(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : {}) });


try {
  const kc = adminConfig(cluster.kubeconfig);
  await waitSeeded(kc);
  await installCrds(kc, process.env.LANDLORD_CRDS_DIR ?? resolve("..", "shared", "crds"));
  await addNodes(kc, { pool: "shared", count: 3 });
  const delivery = new KubernetesDelivery(
    new KubeconfigResolver({ file: cluster.kubeconfig, contexts: { "aks-weu-1": "landlord-dev" } }),
    { forceConflicts: false, parallelism: 8, readyTimeoutSeconds: 120, cnpgNamespace: "cnpg-system", certManagerNamespace: "cert-manager", tokenSeconds: 600 },
    tenantLocator(store, platform),
  );
  await delivery.bootstrap("aks-weu-1", clusterBootstrap(platform.config), false);
  const services: TenantServices = { platform, store, delivery, terraform: new TerraformRunner(platform.config, join(dir, "terraform"), dir), credentialsDir: join(dir, "credentials") };
  const engine = createEngine({ store, workflows: [onboardWorkflow(services), updateWorkflow(services), offboardWorkflow(services)] });
  const run = Date.now().toString(36);

  const viaWorkflow = async (name: string): Promise<number> => {
    const t = performance.now();
    const wf = await submitOnboard(services, engine, smallTenant(name), "bench", new Date());
    const r = await runTenantWorkflow(services, engine, wf.id);
    if (r.outcome !== "finished" || r.workflow.status !== "Succeeded") throw new Error(`onboarding ${name}: ${r.outcome === "finished" ? (r.workflow.error ?? "") : r.outcome}`);
    return performance.now() - t;
  };
  const bare = async (name: string): Promise<number> => {
    const t = performance.now();
    const bundle = renderBundle(platform.config, resolveSpec(services, smallTenant(name), { placement: { cluster: "aks-weu-1", region: "westeurope", dedicatedCluster: false } }));
    await delivery.applyBundle(bundle);
    await delivery.waitReady(bundle, new AbortController().signal);
    return performance.now() - t;
  };

  await bare(`warm-${run}`);
  const flows: number[] = [];
  const bares: number[] = [];
  for (let i = 0; i < rounds; i++) {
    bares.push(await bare(`b${String(i)}-${run}`));
    flows.push(await viaWorkflow(`w${String(i)}-${run}`));
  }
  delivery.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const f = median(flows);
  const b = median(bares);
  const line = (label: string, value: string): void => {
    console.log(`${label.padEnd(60)} ${value}`);
  };
  line("store", store.backend);
  line(`one small tenant to Ready via workflow (median of ${String(rounds)})`, `${(f / 1000).toFixed(2)} s`);
  line("bare server-side apply + readiness wait, same objects", `${(b / 1000).toFixed(2)} s`);
  line("workflow overhead", `${((f - b) / 1000).toFixed(2)} s (ratio ${(f / b).toFixed(2)})`);
} finally {
  await store.close();
  await stopControlPlane(join(dir, "cluster"));
  await rm(dir, { recursive: true, force: true });
}
