/**
 * The same tenant through GitOps: an Argo CD Application carrying the chart and the
 * tenant's values (valid against the real Argo CD CRD), the chart committed where the
 * Application reads it, and the templated output kept for review. Argo CD's render is
 * reproduced with the same Helm from the committed files and the Application's values: it
 * gives exactly the objects direct delivery templated.
 */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRendered } from "../../src/io/package/docs.js";
import { helmTemplate, type HelmTools } from "../../src/io/package/helm.js";
import { renderTenantBundle } from "../../src/io/package/render-package.js";
import type { Bundle } from "../../src/render/bundle.js";
import type { GitopsSettings } from "../../src/render/gitops/argocd.js";
import { tenantFiles } from "../../src/render/gitops/layout.js";
import type { KubeObject } from "../../src/render/object.js";
import { toYaml, toYamlStream } from "../../src/render/serialize.js";
import { validateObjects } from "../../src/validate/objects.js";
import { sharedCrds } from "../support/fixtures.js";
import { GitopsRepo } from "../../src/delivery/gitops/repo.js";
import { helmTools, must, packagePlatform, REPO, tenants } from "./support.js";

const settings: GitopsSettings = { repoURL: "https://git.example.com/fleet.git", revision: "main", argocdNamespace: "argocd", namespacePrefix: "tenant-", sharedClusters: ["aks-weu-1"], bootstrap: [] };
let helm: HelmTools;
let bundle: Bundle;
let files: Map<string, string>;
let work: string;
const ctx = packagePlatform();
const [t] = tenants(ctx, [["bolt", { tier: "medium", overrides: { app: { values: { web: { maxReplicas: 5 }, worker: { queues: ["default", "mail"] } } } } }]]);

beforeAll(async () => {
  helm = await helmTools();
  if (!t) throw new Error("fixture");
  bundle = await renderTenantBundle(ctx.config, t, { baseDir: REPO, helm });
  files = tenantFiles(bundle, toYaml(t.tenant), "w50", settings);
  work = await mkdtemp(join(tmpdir(), "landlord-gitops-package-"));
}, 30 * 60_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function docs(text: string): KubeObject[] {
  return parseAllDocuments(text).map((d) => d.toJS() as KubeObject);
}

describe("a Helm package delivered through GitOps", () => {
  it("writes an Application with the chart and the tenant's values beside the tenant's AppProject, valid against Argo CD's CRDs", async () => {
    const objects = docs(files.get("argocd/projects/tenant-bolt.yaml") ?? "");
    expect(objects.map((o) => o.kind)).toEqual(["AppProject", "Application"]);
    expect(validateObjects(objects, await sharedCrds())).toEqual([]);
    const app = objects[1] as KubeObject & { spec: { project: string; source: Record<string, unknown>; destination: unknown } };
    expect(app.metadata.name).toBe("tenant-bolt-app");
    expect(app.spec.project).toBe("tenant-bolt");
    expect(app.spec.destination).toEqual({ name: bundle.placement.cluster, namespace: "tenant-bolt" });
    expect(app.spec.source).toMatchObject({ repoURL: settings.repoURL, targetRevision: "main", path: "charts/example-shop/0.3.0", helm: { releaseName: "app", skipTests: true } });
    // The values Argo CD renders with are the values direct delivery templated.
    expect((app.spec.source.helm as { valuesObject: unknown }).valuesObject).toEqual(bundle.app?.values);
    expect(app.metadata.labels).toMatchObject({ "landlord.dev/tenant": "bolt", "landlord.dev/wave": "w50" });
  });

  it("keeps the chart's objects out of the synced manifests and the templated output beside them for review", () => {
    const manifests = [...files.keys()].filter((f) => f.startsWith("tenants/bolt/manifests/"));
    expect(manifests).toContain("tenants/bolt/manifests/namespace-tenant-bolt.yaml");
    expect(manifests).toContain("tenants/bolt/manifests/ingress-app.yaml");
    expect(manifests.some((f) => f.includes("deployment-web") || f.includes("job-migrate"))).toBe(false);
    expect(files.get("tenants/bolt/app/rendered.yaml")).toBe(toYamlStream(bundle.app?.objects ?? []));
    expect(JSON.parse(files.get("tenants/bolt/app/values.json") ?? "{}")).toEqual(bundle.app?.values);
    expect(files.get("charts/example-shop/0.3.0/Chart.yaml")).toContain("version: 0.3.0");
  });

  it("renders, from the committed chart and the Application's values, what direct delivery templated", async () => {
    for (const [path, text] of files) {
      if (!path.startsWith("charts/")) continue;
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), text);
    }
    const app = docs(files.get("argocd/projects/tenant-bolt.yaml") ?? "")[1] as KubeObject & { spec: { source: { path: string; helm: { releaseName: string; valuesObject: Record<string, unknown> } } } };
    const text = await helmTemplate(helm, { path: join(work, app.spec.source.path), display: "committed chart" }, app.spec.source.helm.releaseName, "tenant-bolt", app.spec.source.helm.valuesObject, undefined);
    const direct = await helmTemplate(helm, { path: join(REPO, "examples/chart"), display: "examples/chart" }, "app", "tenant-bolt", bundle.app?.values ?? {}, undefined);
    expect(parseRendered(text, "argo").map((d) => d.object)).toEqual(parseRendered(direct, "direct").map((d) => d.object));
    // And what Landlord applies is that output, placed and labelled: same workloads, same values in them.
    const web = bundle.app?.objects.find((o) => o.kind === "HorizontalPodAutoscaler");
    expect((web?.spec as { maxReplicas: number }).maxReplicas).toBe(5);
  });
});

describe("the fleet repository, committed by the GitOps delivery", () => {
  it("holds the chart, the Application and the review copy; a values change touches only that tenant; offboarding removes its Application", async () => {
    const repo = await GitopsRepo.open({ dir: join(work, "fleet") });
    const first = await repo.putTenant(bundle, toYaml(must(t).tenant), "w50", settings);
    expect(first?.files).toEqual(expect.arrayContaining(["argocd/projects/tenant-bolt.yaml", "charts/example-shop/0.3.0/Chart.yaml", "charts/example-shop/0.3.0/templates/migrate-job.yaml", "tenants/bolt/app/rendered.yaml", "tenants/bolt/app/values.json"]));
    const [changed] = tenants(ctx, [["bolt", { tier: "medium", overrides: { app: { values: { web: { maxReplicas: 4 }, worker: { queues: ["default", "mail"] } } } } }]]);
    const next = await renderTenantBundle(ctx.config, must(changed), { baseDir: REPO, helm });
    const second = await repo.putTenant(next, toYaml(must(changed).tenant), "w50", settings);
    expect([...(second?.files ?? [])].sort()).toEqual(["argocd/projects/tenant-bolt.yaml", "tenants/bolt/app/rendered.yaml", "tenants/bolt/app/values.json", "tenants/bolt/tenant.yaml"]);
    const removed = await repo.removeTenant("bolt");
    expect(removed?.files).toContain("argocd/projects/tenant-bolt.yaml");
    expect(removed?.files.some((f) => f.startsWith("charts/"))).toBe(false);
  });
});
