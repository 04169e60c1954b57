/**
 * The example chart (examples/chart: two Deployments, a CronJob, a migration Job) as the
 * app package of tenants in three tiers, onboarded through the workflow onto the real API
 * server: templated by the real Helm, checked, applied with the platform's objects by
 * server-side apply, its migration run before the workloads. A failing migration stops
 * that tenant's update and the old version keeps running; packages that ask for a
 * ClusterRole, a hostPath or more than the quota are refused before anything is applied.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNodes } from "../../src/devcluster/seed.js";
import { runTenantWorkflow } from "../../src/workflows/tenant/run-tenant-workflow.js";
import { submitUpdate } from "../../src/workflows/tenant/submit.js";
import { tenantDoc } from "../support/fixtures.js";
import { finishedStatus, onboard } from "../workflows/tenant/support/harness.js";
import { helmTools, packagePlatformText } from "../package/support.js";
import { admin, liveHarness, livePlatformText, uniqueName, type LiveHarness } from "./support/live.js";
import { parseAllDocuments } from "yaml";
import { bundleFor } from "../../src/io/package/render-package.js";
import type { GitopsSettings } from "../../src/render/gitops/argocd.js";
import { tenantFiles } from "../../src/render/gitops/layout.js";
import type { KubeObject } from "../../src/render/object.js";
import { toYaml } from "../../src/render/serialize.js";
import { isPlacementRecord, resolveSpec } from "../../src/workflows/tenant/services.js";

const small = uniqueName("pks");
const medium = uniqueName("pkm");
const large = uniqueName("pkl");
let h: LiveHarness;
const { kc } = admin();

type Live = { metadata?: { labels?: Record<string, string> }; spec?: Record<string, unknown>; status?: Record<string, unknown> } | undefined;

async function live(tenant: string, apiVersion: string, kind: string, name: string, cluster = "aks-weu-1"): Promise<Live> {
  return h.delivery.applierFor(cluster).get(apiVersion, kind, `tenant-${tenant}`, name);
}

function imageOf(d: Live): string {
  const containers = (d?.spec?.template as { spec: { containers: { image: string }[] } } | undefined)?.spec.containers ?? [];
  return containers[0]?.image ?? "";
}

async function update(name: string, tier: string, spec: Record<string, unknown>): Promise<string> {
  const wf = await submitUpdate(h.services, h.engine, tenantDoc(name, { tier, spec }), "tester", new Date());
  if (!wf) return "no change";
  return finishedStatus(await runTenantWorkflow(h.services, h.engine, wf.id));
}

beforeAll(async () => {
  // Built (or found) before the workflow needs it, so no step waits on a first build.
  process.env.LANDLORD_HELM_BIN = (await helmTools()).bin;
  h = await liveHarness({ contexts: [`aks-${large}`], platformText: packagePlatformText("", livePlatformText()) });
  await addNodes(kc, { pool: `pool-${medium}`, count: 1, labels: { "landlord.dev/tenant": medium }, taints: [{ key: "landlord.dev/tenant", value: medium, effect: "NoSchedule" }] });
}, 30 * 60_000);

afterAll(async () => {
  await h.close();
});

describe("an app package on the test control plane", () => {
  it("onboards the three tiers: the migration Job completes first, then web, worker and the CronJob run the tenant's version", async () => {
    for (const [name, tier] of [[small, "small"], [medium, "medium"], [large, "large"]] as const) {
      const { result } = await onboard(h, tenantDoc(name, { tier }));
      expect(finishedStatus(result), `${name} (${tier})`).toBe("Succeeded");
      const cluster = tier === "large" ? `aks-${name}` : "aks-weu-1";
      const job = await live(name, "batch/v1", "Job", "migrate", cluster);
      expect(job?.status?.succeeded, `${name}: migration ran`).toBe(1);
      for (const d of ["web", "worker"]) {
        const dep = await live(name, "apps/v1", "Deployment", d, cluster);
        expect(imageOf(dep)).toBe("registry.example.com/saas/app:1.0.0");
        expect(dep?.metadata?.labels).toMatchObject({ "app.kubernetes.io/managed-by": "landlord", "landlord.dev/tenant": name });
      }
      expect(await live(name, "batch/v1", "CronJob", "cleanup", cluster)).toBeDefined();
      expect(await live(name, "autoscaling/v2", "HorizontalPodAutoscaler", "web", cluster)).toBeDefined();
      // The platform's own objects came with it, and the built-in app did not.
      expect(await live(name, "v1", "ResourceQuota", "tenant-quota", cluster)).toBeDefined();
      expect(await live(name, "apps/v1", "Deployment", "app", cluster)).toBeUndefined();
      const ingress = await live(name, "networking.k8s.io/v1", "Ingress", "app", cluster);
      expect(JSON.stringify(ingress?.spec)).toContain('"service":{"name":"web","port":{"name":"http"}}');
    }
    const web = await live(medium, "apps/v1", "Deployment", "web");
    expect((web?.spec?.template as { spec: { nodeSelector: unknown } }).spec.nodeSelector).toEqual({ "landlord.dev/tenant": medium });
    // The migration finished before the workloads were created (first install).
    const job = await live(small, "batch/v1", "Job", "migrate");
    const first = await live(small, "apps/v1", "Deployment", "web");
    const completed = Date.parse(String(job?.status?.completionTime));
    const created = Date.parse(String((first?.metadata as { creationTimestamp?: string } | undefined)?.creationTimestamp));
    expect(completed).toBeLessThanOrEqual(created);
  });

  it("renders the same tenant for GitOps: an Application the API server accepts, with the values direct delivery templated", async () => {
    const record = await h.store.tenants.require(medium);
    const placement = isPlacementRecord(record.placement) ? record.placement : undefined;
    const bundle = await bundleFor(h.platform, resolveSpec(h.services, record.spec, placement ? { placement } : {}));
    const settings: GitopsSettings = { repoURL: "https://git.example.com/fleet.git", revision: "main", argocdNamespace: "argocd", namespacePrefix: "tenant-", sharedClusters: ["aks-weu-1"], bootstrap: [] };
    const files = tenantFiles(bundle, toYaml(record.spec), "w10", settings);
    const [project, app] = parseAllDocuments(files.get(`argocd/projects/tenant-${medium}.yaml`) ?? "").map((d) => d.toJS() as KubeObject);
    if (!project || !app) throw new Error("no Application written");
    const applier = h.delivery.applierFor("aks-weu-1");
    await applier.patch({ apiVersion: "v1", kind: "Namespace", metadata: { name: "argocd", labels: {} } }, { force: true, dryRun: false });
    await applier.patch(project, { force: true, dryRun: false });
    const stored = await applier.patch(app, { force: true, dryRun: false });
    const source = (stored.spec as { source: { helm: { valuesObject: unknown }; path: string } }).source;
    expect(source.path).toBe("charts/example-shop/0.3.0");
    // What the API server stored is what the live Deployments were templated with.
    expect(source.helm.valuesObject).toEqual(bundle.app?.values);
    const applied = await live(medium, "autoscaling/v2", "HorizontalPodAutoscaler", "web");
    expect(applied?.spec?.maxReplicas).toBe((source.helm.valuesObject as { web: { maxReplicas: number } }).web.maxReplicas);
  });

  it("stops a tenant's update when its migration fails, and the old version keeps running", async () => {
    // Fake nodes run no code: this migration cannot be scheduled (no node of that architecture;
    // a selector tenants may use) and its activeDeadlineSeconds runs out, which is how a Job
    // fails for the API server.
    const failing = { version: "1.1.0", overrides: { app: { values: { migration: { activeDeadlineSeconds: 2, nodeSelector: { "kubernetes.io/arch": "s390x" } } } } } };
    const generationBefore = ((await live(small, "apps/v1", "Deployment", "web"))?.metadata as { generation?: number } | undefined)?.generation;
    const status = await update(small, "small", failing);
    expect(status).toMatch(/^Failed: step 'apply' failed: MigrationFailedError: migration Job\/migrate of chart example-shop 0\.3\.0 .* for tenant pks-[0-9a-f]{4} \(version 1\.1\.0\) failed \(DeadlineExceeded: .*\); the update of pks-[0-9a-f]{4} stopped before its workloads/);
    const untouched = await live(small, "apps/v1", "Deployment", "web");
    expect(imageOf(untouched)).toBe("registry.example.com/saas/app:1.0.0");
    expect((untouched?.metadata as { generation?: number } | undefined)?.generation).toBe(generationBefore);
    expect(imageOf(await live(small, "apps/v1", "Deployment", "worker"))).toBe("registry.example.com/saas/app:1.0.0");
    // Fixed: the migration of 1.1.0 runs anew (a Job is immutable: recreated), then the workloads move.
    expect(await update(small, "small", { version: "1.1.0" })).toBe("Succeeded");
    const job = await live(small, "batch/v1", "Job", "migrate");
    expect(job?.status?.succeeded).toBe(1);
    expect(JSON.stringify(job?.spec)).toContain("--to=1.1.0");
    expect(imageOf(await live(small, "apps/v1", "Deployment", "web"))).toBe("registry.example.com/saas/app:1.1.0");
  });

  it("refuses a package that asks for a ClusterRole, a hostPath or more than the quota, and applies nothing", async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["pkc", { clusterReader: true }, /chart example-shop 0\.3\.0 .*example-shop\/templates\/cluster-reader\.yaml: ClusterRole\/tenant-pkc-[0-9a-f]{4}-node-reader: cluster-scoped objects are refused/],
      ["pkh", { web: { extraVolumes: [{ name: "host", hostPath: { path: "/var/run" } }] } }, /example-shop\/templates\/web\.yaml: Deployment\/web spec\.template\.spec\.volumes\[1\]\.hostPath: tenant pods may not mount hostPath volumes/],
      ["pkq", { web: { maxReplicas: 30 } }, /Deployment\/web spec\.template\.spec\.containers\[\*\]\.resources: at its peak the package needs pod count of \d+, above the tenant's quota of 20/],
    ];
    for (const [base, values, message] of cases) {
      const name = uniqueName(base);
      const { result } = await onboard(h, tenantDoc(name, { tier: "small", overrides: { app: { values } } }));
      expect(finishedStatus(result)).toMatch(message);
      expect(await h.delivery.applierFor("aks-weu-1").get("v1", "Namespace", undefined, `tenant-${name}`), `${name}: nothing applied`).toBeUndefined();
    }
  });
});
