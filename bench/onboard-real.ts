/**
 * Time from `onboard` to the app answering HTTPS at its hostname on real nodes (CloudNativePG,
 * PostgreSQL, the example app, a certificate cert-manager orders from Pebble over HTTP-01
 * through Traefik; a medium tenant's pool node added by the dev cluster's stand-in), next to
 * the same onboarding on simulated (KWOK) nodes started in the same run, where readiness is
 * simulated and nothing answers, and next to the seed's goal of 10 minutes. Median of N
 * rounds (default 5) per tier.
 *
 *   npm run bench:onboard-real [-- ROUNDS [TIER...]]   (root, Linux, the packages .ci/run installs;
 *                                                      tiers small and medium by default)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { KubeconfigResolver } from "../src/delivery/kubernetes/kubeconfig.js";
import { KubernetesDelivery } from "../src/delivery/kubernetes/kubernetes-delivery.js";
import { TerraformRunner } from "../src/delivery/terraform/runner.js";
import { runBackupCredentials } from "../src/devcluster/backup-credentials.js";
import { startControlPlane, stopControlPlane } from "../src/devcluster/control-plane.js";
import { realNodesPlatformText } from "../src/devcluster/platform.js";
import { runPoolScaler } from "../src/devcluster/pool-scaler.js";
import { startDevStack } from "../src/devcluster/stack.js";
import type { IngressAddress } from "../src/devcluster/traefik.js";
import { httpsGet } from "../src/devcluster/pebble.js";
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
const TIERS = ["small", "medium"] as const;
type Tier = (typeof TIERS)[number];
const asked = process.argv.slice(3);
const bad = asked.filter((t) => !(TIERS as readonly string[]).includes(t));
if (!Number.isInteger(rounds) || rounds < 1 || bad.length > 0) {
  process.stderr.write(`usage: npm run bench:onboard-real -- [ROUNDS] [${TIERS.join("|")}...]${bad.length > 0 ? ` (unknown tier ${bad.join(", ")})` : ""}\n`);
  process.exit(2);
}
const tiers: readonly Tier[] = asked.length > 0 ? (asked as Tier[]) : TIERS;
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

/** GET https://HOST/healthz at the ingress's address, SNI and Host naming the tenant, trusting only Pebble's root. */
function healthz(ingress: IngressAddress, host: string, ca: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: ingress.ip, port: ingress.httpsPort, path: "/healthz", servername: host, headers: { host }, ca, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => {
      resolve(0);
    });
    req.end();
  });
}

/** Until https://<tenant>.apps.example.com/healthz answers 200 through Traefik with a certificate Pebble's root vouches for. */
async function untilHttps(ingress: IngressAddress, name: string, ca: string, timeoutMs: number): Promise<void> {
  const host = `${name}.apps.example.com`;
  const deadline = Date.now() + timeoutMs;
  while ((await healthz(ingress, host, ca)) !== 200) {
    if (Date.now() > deadline) throw new Error(`https://${host}/healthz did not answer 200 within ${String(timeoutMs / 1000)} s`);
    await sleep(200);
  }
}

/** The seed's goal for a new customer: live in 10 minutes. */
const SEED_MS = 600_000;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const kwokDir = join(dir, "kwok");
const realDir = join(dir, "real");
const stopScaler = new AbortController();
let scaler: Promise<void> = Promise.resolve();
let credentials: Promise<void> = Promise.resolve();
try {
  const kwok = await startControlPlane({ dir: kwokDir, log: (l) => { log(`[kwok] ${l}`); } });
  const real = await startControlPlane({ dir: realDir, log: (l) => { log(`[real] ${l}`); }, realNodes: true });
  const kc = adminConfig(kwok.kubeconfig);
  await waitSeeded(kc);
  await installCrds(kc, crds);
  await installCrds(kc, join(crds, "more"));
  await addNodes(kc, { pool: "shared", count: 3 });
  // The real side is the dev cluster as `npm run cluster:up` starts it.
  const { postgresImage, azurite, ingress, pebble } = await startDevStack(real, crds, (l) => { log(`[real] ${l}`); });
  credentials = runBackupCredentials(realDir, stopScaler.signal, () => undefined);
  const root = await httpsGet(`${pebble.management}/roots/0`, pebble.listenerCa);
  if (root?.status !== 200) throw new Error(`Pebble gave no root at ${pebble.management}/roots/0`);
  // Both sides render the same bundles; only the real one archives (the KWOK side runs no pods).
  const text = realNodesPlatformText(PLATFORM_TEMPLATE, postgresImage, { azurite });
  const k = await side("kwok", kwok.kubeconfig, text);
  const r = await side("real", real.kubeconfig, text);
  scaler = runPoolScaler(realDir, stopScaler.signal);
  const run = Date.now().toString(36).slice(-4);
  const results: Record<string, { real: number[]; kwok: number[] }> = { small: { real: [], kwok: [] }, medium: { real: [], kwok: [] } };
  for (const tier of tiers) {
    for (let i = 0; i < rounds; i++) {
      const name = `${tier[0] ?? "t"}${String(i)}-${run}`;
      // The cloud would have made the pool in the Terraform step: simulated nodes appear at once.
      if (tier === "medium") await addNodes(k.kc, { pool: `k${name}`, count: 1, labels: { [POOL_LABEL]: `k${name}` }, taints: [{ key: POOL_LABEL, value: `k${name}`, effect: "NoSchedule" }] });
      let t = performance.now();
      await onboard(k, `k${name}`, tier);
      results[tier]?.kwok.push(performance.now() - t);
      t = performance.now();
      await onboard(r, name, tier);
      await untilHttps(ingress, name, root.body, 120_000);
      const took = performance.now() - t;
      results[tier]?.real.push(took);
      log(`${tier} ${name}: onboard to HTTPS 200 on real nodes in ${(took / 1000).toFixed(1)} s`);
      // The real nodes have this machine's CPUs only: the next round needs what this one holds.
      await r.kc.makeApiClient(CoreV1Api).deleteNamespace({ name: `tenant-${name}` });
    }
  }
  const line = (label: string, value: string): void => {
    console.log(`${label.padEnd(72)} ${value}`);
  };
  for (const tier of tiers) {
    const res = results[tier] ?? { real: [], kwok: [] };
    const rm = median(res.real);
    const km = median(res.kwok);
    line(`${tier}: onboard -> app answers HTTPS at its hostname, real nodes (median of ${String(rounds)})`, `${(rm / 1000).toFixed(1)} s`);
    line(`${tier}: onboard -> Ready, simulated nodes, same run (median of ${String(rounds)})`, `${(km / 1000).toFixed(1)} s`);
    line(`${tier}: real / simulated`, `${(rm / km).toFixed(1)}x`);
    line(`${tier}: real / the seed's 10 minutes`, `${(rm / SEED_MS).toFixed(2)}x`);
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
