/**
 * Time from `onboard` to the app answering HTTP on real nodes (CloudNativePG, PostgreSQL,
 * the example app; a medium tenant's pool node added by the dev cluster's stand-in), next to
 * the same onboarding on simulated (KWOK) nodes started in the same run, where readiness is
 * simulated and nothing answers. Median of N rounds (default 5) per tier.
 *
 *   npm run bench:onboard-real [-- ROUNDS]      (root, Linux, the packages .ci/run installs)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { KubeconfigResolver } from "../src/delivery/kubernetes/kubeconfig.js";
import { KubernetesDelivery } from "../src/delivery/kubernetes/kubernetes-delivery.js";
import { TerraformRunner } from "../src/delivery/terraform/runner.js";
import { installCnpg } from "../src/devcluster/cnpg.js";
import { installBarmanCloud } from "../src/devcluster/barman-cloud.js";
import { startAzurite } from "../src/devcluster/azurite.js";
import { runBackupCredentials } from "../src/devcluster/backup-credentials.js";
import { startControlPlane, stopControlPlane } from "../src/devcluster/control-plane.js";
import { realNodesPlatformText } from "../src/devcluster/platform.js";
import { runPoolScaler } from "../src/devcluster/pool-scaler.js";
import { startRealNodes } from "../src/devcluster/real-node.js";
import { addNodes, adminConfig, installCrds, waitSeeded } from "../src/devcluster/seed.js";
import { PLATFORM_TEMPLATE } from "../src/init/templates.js";
import { clusterBootstrap } from "../src/render/platform/bootstrap.js";
import { POOL_LABEL } from "../src/render/kubernetes/scheduling.js";
import { loadPlatform } from "../src/spec/fleet.js";
import { openStore, type Store } from "../src/store/index.js";
import { createEngine } from "../src/workflows/engine/index.js";
import { tenantLocator } from "../src/workflows/tenant/locate.js";
import { offboardWorkflow } from "../src/workflows/tenant/offboard.js";
import { onboardWorkflow } from "../src/workflows/tenant/onboard.js";
import { runTenantWorkflow } from "../src/workflows/tenant/run-tenant-workflow.js";
import type { TenantServices } from "../src/workflows/tenant/services.js";
import { submitOnboard } from "../src/workflows/tenant/submit.js";
import { updateWorkflow } from "../src/workflows/tenant/update.js";
import { sleep } from "../src/util/sleep.js";
import { smallTenant } from "./support.js";

const rounds = Number(process.argv[2] ?? 5);
const crds = process.env.LANDLORD_CRDS_DIR ?? resolve("..", "shared", "crds");
const dir = await mkdtemp(join(tmpdir(), "landlord-bench-real-"));
const log = (l: string): void => {
  process.stderr.write(`${l}\n`);
};

interface Side {
  readonly services: TenantServices;
  readonly engine: ReturnType<typeof createEngine>;
  readonly kc: KubeConfig;
  readonly store: Store;
  readonly delivery: KubernetesDelivery;
}

async function side(name: string, kubeconfig: string, platformText: string): Promise<Side> {
  const platform = loadPlatform({ file: "landlord.yaml", bytes: new TextEncoder().encode(platformText) });
  const kc = adminConfig(kubeconfig);
  const store = await openStore({ baseDir: join(dir, name) });
  const delivery = new KubernetesDelivery(
    new KubeconfigResolver({ file: kubeconfig, contexts: { "aks-weu-1": "landlord-dev" } }),
    { forceConflicts: false, parallelism: 8, readyTimeoutSeconds: 600, cnpgNamespace: "cnpg-system", certManagerNamespace: "cert-manager", tokenSeconds: 600 },
    tenantLocator(store, platform),
  );
  await delivery.bootstrap("aks-weu-1", clusterBootstrap(platform.config), false);
  const services: TenantServices = { platform, store, delivery, terraform: new TerraformRunner(platform.config, join(dir, name, "terraform"), join(dir, name)), credentialsDir: join(dir, name, "credentials") };
  return { services, engine: createEngine({ store, workflows: [onboardWorkflow(services), updateWorkflow(services), offboardWorkflow(services)] }), kc, store, delivery };
}

function tenant(name: string, tier: "small" | "medium"): Record<string, unknown> {
  const t = smallTenant(name) as { spec: Record<string, unknown> };
  return { ...t, spec: { ...t.spec, tier } };
}

async function onboard(s: Side, name: string, tier: "small" | "medium"): Promise<void> {
  const wf = await submitOnboard(s.services, s.engine, tenant(name, tier), "bench", new Date());
  const r = await runTenantWorkflow(s.services, s.engine, wf.id);
  if (r.outcome !== "finished" || r.workflow.status !== "Succeeded") throw new Error(`onboarding ${name}: ${r.outcome === "finished" ? (r.workflow.error ?? "") : r.outcome}`);
}

/** Until GET / on the tenant's app Service answers 200 (it writes a row first). */
async function untilHttp(kc: KubeConfig, name: string, timeoutMs: number): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const svc = await core.readNamespacedService({ namespace: `tenant-${name}`, name: "app" });
  const url = `http://${svc.spec?.clusterIP ?? ""}:${String(svc.spec?.ports?.[0]?.port ?? 0)}/`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${String(timeoutMs / 1000)} s`);
    await sleep(200);
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const kwokDir = join(dir, "kwok");
const realDir = join(dir, "real");
const stopScaler = new AbortController();
let scaler: Promise<void> = Promise.resolve();
let credentials: Promise<void> = Promise.resolve();
try {
  const kwok = await startControlPlane({ dir: kwokDir, log: (l) => { log(`[kwok] ${l}`); } });
  const real = await startControlPlane({ dir: realDir, log: (l) => { log(`[real] ${l}`); }, realNodes: true });
  for (const c of [kwok, real]) {
    const kc = adminConfig(c.kubeconfig);
    await waitSeeded(kc);
    await installCrds(kc, crds);
    await installCrds(kc, join(crds, "more"));
  }
  await addNodes(adminConfig(kwok.kubeconfig), { pool: "shared", count: 3 });
  const nodes = await startRealNodes(real, { nodes: [{ name: "real-shared-0", pool: "shared" }], log: (l) => { log(`[real] ${l}`); } });
  const { postgresImage } = await installCnpg(real.kubeconfig, nodes.pusher, (l) => { log(`[real] ${l}`); });
  await installBarmanCloud(real.kubeconfig, nodes.pusher, (l) => { log(`[real] ${l}`); });
  const azurite = await startAzurite(real, (l) => { log(`[real] ${l}`); });
  credentials = runBackupCredentials(realDir, stopScaler.signal, () => undefined);
  // Both sides render the same bundles; only the real one archives (the KWOK side runs no pods).
  const text = realNodesPlatformText(PLATFORM_TEMPLATE, postgresImage, { azurite });
  const k = await side("kwok", kwok.kubeconfig, text);
  const r = await side("real", real.kubeconfig, text);
  scaler = runPoolScaler(realDir, stopScaler.signal);
  const run = Date.now().toString(36).slice(-4);
  const results: Record<string, { real: number[]; kwok: number[] }> = { small: { real: [], kwok: [] }, medium: { real: [], kwok: [] } };
  for (const tier of ["small", "medium"] as const) {
    for (let i = 0; i < rounds; i++) {
      const name = `${tier[0] ?? "t"}${String(i)}-${run}`;
      // The cloud would have made the pool in the Terraform step: simulated nodes appear at once.
      if (tier === "medium") await addNodes(k.kc, { pool: `k${name}`, count: 1, labels: { [POOL_LABEL]: `k${name}` }, taints: [{ key: POOL_LABEL, value: `k${name}`, effect: "NoSchedule" }] });
      let t = performance.now();
      await onboard(k, `k${name}`, tier);
      results[tier]?.kwok.push(performance.now() - t);
      t = performance.now();
      await onboard(r, name, tier);
      await untilHttp(r.kc, name, 120_000);
      const took = performance.now() - t;
      results[tier]?.real.push(took);
      log(`${tier} ${name}: onboard to HTTP 200 on real nodes in ${(took / 1000).toFixed(1)} s`);
      // The real nodes have this machine's CPUs only: the next round needs what this one holds.
      await r.kc.makeApiClient(CoreV1Api).deleteNamespace({ name: `tenant-${name}` });
    }
  }
  const line = (label: string, value: string): void => {
    console.log(`${label.padEnd(72)} ${value}`);
  };
  for (const tier of ["small", "medium"] as const) {
    const res = results[tier] ?? { real: [], kwok: [] };
    const rm = median(res.real);
    const km = median(res.kwok);
    line(`${tier}: onboard -> app answers HTTP, real nodes (median of ${String(rounds)})`, `${(rm / 1000).toFixed(1)} s`);
    line(`${tier}: onboard -> Ready, simulated nodes, same run (median of ${String(rounds)})`, `${(km / 1000).toFixed(1)} s`);
    line(`${tier}: real / simulated`, `${(rm / km).toFixed(1)}x`);
  }
  for (const s of [k, r]) {
    s.delivery.close();
    await s.store.close();
  }
} finally {
  stopScaler.abort();
  await scaler;
  await credentials;
  await stopControlPlane(realDir).catch(() => undefined);
  await stopControlPlane(kwokDir).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
