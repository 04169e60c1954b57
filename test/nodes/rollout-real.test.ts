/**
 * Rollouts gated by the example app's own metrics on real nodes: three small tenants
 * onboarded through the CLI, a real Prometheus scraping each running app pod's /metrics
 * (targets listed from the API server: Debian's Prometheus has no Kubernetes discovery), and traffic sent to every tenant's Service. A good
 * release reaches everyone; a bad release is bad because its running image answers 500
 * (EXAMPLE_APP_FAULT baked in), so the canary's own counters fail the gate and only the
 * canary is rolled back. Nothing in the test decides which release is bad.
 */
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { pushExampleApp } from "../../src/devcluster/images.js";
import { readRealNodes } from "../../src/devcluster/real-node.js";
import { sleep } from "../../src/util/sleep.js";
import { startPrometheus, type RunningPrometheus } from "../support/prometheus-server.js";
import { tenantDoc } from "../support/fixtures.js";
import { uniqueName } from "../kubernetes/support/live.js";
import { podTargets } from "./support/pod-targets.js";
import { type CliResult, deleteNamespaces, landlordIn, nodesAdmin, nodesCluster, realNodesLandlordYaml } from "./support/nodes.js";

const names = [uniqueName("rr0"), uniqueName("rr1"), uniqueName("rr2")];
const namespaces = names.map((n) => `tenant-${n}`);
const GATE = { name: "error-rate", query: 'sum(rate(http_requests_total{code=~"5.."}[10s])) / sum(rate(http_requests_total[10s]))', max: 0.05 };
let dir: string;
let prometheus: RunningPrometheus | undefined;
let targets: { url: string; stop: () => Promise<void> } | undefined;
const stopTraffic = new AbortController();
let traffic: Promise<void> = Promise.resolve();

/** Prometheus scraping every running app pod of the tenants each second (targets from the API server). */
function scrapeConfig(targetsUrl: string): string {
  return stringify({
    global: { scrape_interval: "1s", evaluation_interval: "1s" },
    scrape_configs: [{ job_name: "tenant-apps", scrape_interval: "1s", scrape_timeout: "900ms", http_sd_configs: [{ url: targetsUrl, refresh_interval: "2s" }] }],
  });
}

function landlord(...argv: string[]): Promise<CliResult> {
  return landlordIn(dir, ...argv);
}

function promUrl(): string {
  if (prometheus === undefined) throw new Error("Prometheus did not start");
  return prometheus.url;
}

/** A request every 100 ms to every tenant's app, as its customers would send. */
async function sendTraffic(signal: AbortSignal): Promise<void> {
  const core = nodesAdmin().core;
  const urls: string[] = [];
  for (const ns of namespaces) {
    const svc = await core.readNamespacedService({ namespace: ns, name: "app" });
    urls.push(`http://${svc.spec?.clusterIP ?? ""}:${String(svc.spec?.ports?.[0]?.port ?? 0)}/`);
  }
  while (!signal.aborted) {
    await Promise.all(urls.map((u) => fetch(u, { signal: AbortSignal.timeout(1_000) }).then((r) => r.arrayBuffer(), () => undefined)));
    await sleep(100, signal).catch(() => undefined);
  }
}

async function images(): Promise<Map<string, string>> {
  const apps = nodesAdmin().kc.makeApiClient(AppsV1Api);
  const out = new Map<string, string>();
  for (const n of names) {
    const d = await apps.readNamespacedDeployment({ namespace: `tenant-${n}`, name: "app" });
    out.set(n, d.spec?.template.spec?.containers[0]?.image ?? "");
  }
  return out;
}

/** Until Prometheus holds a few samples of every tenant's own counters. */
async function untilSeries(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = (await fetch(`${promUrl()}/api/v1/query?query=${encodeURIComponent("count by (namespace) (count_over_time(http_requests_total[5s]))")}`).then((r) => r.json())) as { data?: { result?: { metric: { namespace?: string } }[] } };
    const have = new Set((res.data?.result ?? []).map((r) => r.metric.namespace));
    if (namespaces.every((ns) => have.has(ns))) return;
    if (Date.now() > deadline) throw new Error(`Prometheus scrapes no app metrics of ${namespaces.filter((ns) => !have.has(ns)).join(", ")}`);
    await sleep(500);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-rollout-real-"));
  await mkdir(join(dir, "tenants"));
  await copyFile(inject("nodesKubeconfig"), join(dir, "kubeconfig"));
  const nodes = readRealNodes(nodesCluster().dir);
  if (nodes === undefined) throw new Error("no real nodes");
  // The releases exist as images; the bad one is bad in what it runs.
  await pushExampleApp(nodes.pusher, "1.1.0");
  await pushExampleApp(nodes.pusher, "1.2.0", "errors");
  const discovery = await podTargets(nodesAdmin().core, namespaces);
  targets = discovery;
  prometheus = await startPrometheus("", { config: scrapeConfig(discovery.url) });
  const rollout = { prometheusUrl: promUrl(), bakeSeconds: 12, intervalSeconds: 3, maxParallel: 3, tenantTimeoutSeconds: 240, gates: [GATE] };
  await writeFile(
    join(dir, "landlord.yaml"),
    realNodesLandlordYaml(stringify({ rollout })),
  );
  for (const [i, n] of names.entries()) await writeFile(join(dir, "tenants", `${n}.yaml`), stringify(tenantDoc(n, i === 0 ? { spec: { rollout: { ring: 0 } } } : {})));
  const applied = await landlord("--new-store", "apply");
  if (applied.code !== 0) throw new Error(`onboarding failed:\n${applied.stdout}\n${applied.stderr}`);
  traffic = sendTraffic(stopTraffic.signal);
  await untilSeries(60_000);
}, 600_000);

afterAll(async () => {
  stopTraffic.abort();
  await traffic;
  await prometheus?.stop();
  await targets?.stop();
  await deleteNamespaces(nodesAdmin().core, namespaces);
}, 200_000);

describe("landlord rollout gated by the running app's own metrics", () => {
  it("a good release reaches every tenant", { timeout: 400_000 }, async () => {
    expect((await landlord("release", "create", "1.1.0")).code).toBe(0);
    const out = await landlord("rollout", "start", "1.1.0");
    expect(out.code, `${out.stdout}\n${out.stderr}`).toBe(0);
    for (const [n, image] of await images()) expect(image, n).toBe("registry.example.com/saas/app:1.1.0");
  });

  it("a release whose pods answer 500 fails the canary's gate on its own counters, and only the canary goes back", { timeout: 400_000 }, async () => {
    const started = Date.now();
    expect((await landlord("release", "create", "1.2.0")).code).toBe(0);
    const out = await landlord("rollout", "start", "1.2.0");
    expect(out.code, out.stdout).toBe(1);
    expect(out.stdout).toMatch(new RegExp(`gate error-rate failed for ${names[0] ?? ""}`));
    for (const [n, image] of await images()) expect(image, n).toBe("registry.example.com/saas/app:1.1.0");
    // The canary's pods did run 1.2.0 and answered 500: the counters Prometheus read say so.
    // Counted over this rollout only (plus a scrape of slack): an error an earlier step saw is not this release's.
    const window = `${String(Math.ceil((Date.now() - started) / 1000) + 30)}s`;
    const q = `sum(increase(http_requests_total{namespace="tenant-${names[0] ?? ""}",code="500"}[${window}]))`;
    const res = (await fetch(`${promUrl()}/api/v1/query?query=${encodeURIComponent(q)}`).then((r) => r.json())) as { data?: { result?: { value: [number, string] }[] } };
    expect(Number(res.data?.result?.[0]?.value[1] ?? "0")).toBeGreaterThan(0);
    const others = `sum(increase(http_requests_total{namespace=~"tenant-(${names.slice(1).join("|")})",code="500"}[${window}]))`;
    const rest = (await fetch(`${promUrl()}/api/v1/query?query=${encodeURIComponent(others)}`).then((r) => r.json())) as { data?: { result?: { value: [number, string] }[] } };
    expect(Number(rest.data?.result?.[0]?.value[1] ?? "0")).toBe(0);
    const pods = await nodesAdmin().kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: namespaces[0] ?? "", labelSelector: "app.kubernetes.io/name=app" });
    for (const p of pods.items.filter((x) => x.metadata?.deletionTimestamp === undefined)) expect(p.spec?.containers[0]?.image).toBe("registry.example.com/saas/app:1.1.0");
  });
});
