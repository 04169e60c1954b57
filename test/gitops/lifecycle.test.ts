/**
 * The findings of issue 10 against the Argo CD layout, each checked over the generated
 * repository (files as Argo CD reads them, objects as the ApplicationSet controller would
 * generate them, validated against the real CRDs). Each test fails on the layout of
 * docs/adr/0005 (per-cluster ApplicationSets with RollingSync and no prune, projects
 * without finalizer, cluster folders removed with their last tenant, final Backup deleted
 * a commit later, dedicated clusters unregistered).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeEach, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { GitopsDelivery } from "../../src/delivery/gitops/gitops-delivery.js";
import { GitopsRepo } from "../../src/delivery/gitops/repo.js";
import { renderBundle } from "../../src/render/bundle.js";
import { gitopsSettings } from "../../src/render/gitops/argocd.js";
import type { KubeObject } from "../../src/render/object.js";
import { clusterBootstrap } from "../../src/render/platform/bootstrap.js";
import { toYaml } from "../../src/render/serialize.js";
import type { ResolvedTenant } from "../../src/spec/resolve.js";
import { waveOf } from "../../src/spec/waves.js";
import { validateObjects } from "../../src/validate/objects.js";
import { fleet, platform, sharedCrds, tenantFile, type TenantOptions } from "../support/fixtures.js";
import { platformWith } from "../support/platform-variants.js";
import { clusterApps, gitFilesApps } from "./support/generators.js";

const exec = promisify(execFile);
const git = async (dir: string, ...args: string[]) => (await exec("git", args, { cwd: dir })).stdout;

const ctx = platform(platformWith(["integrations", "gitops"], { repoURL: "https://git.example.com/fleet.git", revision: "main", argocdNamespace: "argocd" }));
const settings = gitopsSettings(ctx.config);

function tenant(name: string, o: TenantOptions = {}): ResolvedTenant {
  const [t] = fleet(ctx, [tenantFile(name, o)]);
  if (!t) throw new Error("no tenant");
  return t;
}

async function put(repo: GitopsRepo, t: ResolvedTenant) {
  return repo.putTenant(renderBundle(ctx.config, t), toYaml(t.tenant), waveOf(t.tenant.metadata.name, t.tenant.metadata.labels), settings);
}

const files = async (dir: string): Promise<string[]> => (await git(dir, "ls-files")).trim().split("\n").filter((f) => f !== "");

/** Every object outside the tenants' own folders: what Argo CD itself is given. */
async function fleetObjects(dir: string): Promise<{ file: string; object: KubeObject }[]> {
  const out: { file: string; object: KubeObject }[] = [];
  for (const f of await files(dir)) {
    if (f.startsWith("tenants/") || !f.endsWith(".yaml")) continue;
    const object = parse(await readFile(join(dir, f), "utf8")) as Partial<KubeObject> | null;
    // Kustomizations are Argo CD's input, not objects it creates.
    if (object?.kind === undefined || object.metadata === undefined || object.kind === "Kustomization") continue;
    out.push({ file: f, object: object as KubeObject });
  }
  return out;
}

interface TemplateSpec {
  strategy?: { type?: string };
  template: { metadata: { labels?: Record<string, string> }; spec: { syncPolicy?: { automated?: { prune?: boolean; selfHeal?: boolean } } } };
}
const appsets = async (dir: string) => (await fleetObjects(dir)).map((x) => x.object).filter((o) => o.kind === "ApplicationSet");
const generatesTenants = (o: KubeObject) => (o.spec as TemplateSpec).template.metadata.labels?.["landlord.dev/tenant"] !== undefined;

let dir: string;
let repo: GitopsRepo;
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), "landlord-gitops-life-")), "fleet");
  repo = await GitopsRepo.open({ dir });
});

describe("issue 10, item 3: Argo CD converges, waves span the fleet", () => {
  test("every generated app prunes what was removed from Git (RollingSync or not, prune comes from the template)", async () => {
    await put(repo, tenant("acme"));
    await put(repo, tenant("initech", { tier: "large" }));
    const sets = await appsets(dir);
    expect(sets.length).toBeGreaterThan(0);
    for (const s of sets) expect((s.spec as TemplateSpec).template.spec.syncPolicy?.automated?.prune, s.metadata.name).toBe(true);
  });

  test("no tenant's app waits for another tenant's health: no progressive strategy on tenant apps, auto-sync on", async () => {
    await put(repo, tenant("acme"));
    await put(repo, tenant("globex", { tier: "medium" }));
    const tenantSets = (await appsets(dir)).filter(generatesTenants);
    expect(tenantSets.length).toBeGreaterThan(0);
    for (const s of tenantSets) {
      const spec = s.spec as TemplateSpec;
      // RollingSync switches auto-sync off on every generated app and holds each behind all earlier steps.
      expect(spec.strategy?.type ?? "AllAtOnce", s.metadata.name).toBe("AllAtOnce");
      expect(spec.template.spec.syncPolicy?.automated, s.metadata.name).toEqual({ prune: true, selfHeal: true });
    }
  });

  test("one ApplicationSet generates every tenant's app on every cluster, labelled with its wave; the apps validate against the CRD", async () => {
    const tenants = [tenant("acme"), tenant("globex", { tier: "medium" }), tenant("initech", { tier: "large" })];
    for (const t of tenants) await put(repo, t);
    const tenantSets = (await appsets(dir)).filter(generatesTenants);
    expect(tenantSets.map((s) => s.metadata.name)).toEqual(["landlord-tenants"]);
    const apps = await gitFilesApps(dir, tenantSets[0] as KubeObject);
    expect(apps.map((a) => [a.metadata.name, (a.spec as { destination: { name: string } }).destination.name, a.metadata.labels["landlord.dev/wave"]])).toEqual(
      tenants.map((t) => [`tenant-${t.tenant.metadata.name}`, t.placement.cluster, waveOf(t.tenant.metadata.name, t.tenant.metadata.labels)]),
    );
    // The dedicated cluster's tenant is in the same progression as the shared ones.
    expect(new Set(apps.map((a) => (a.spec as { destination: { name: string } }).destination.name))).toEqual(new Set(["aks-weu-1", "aks-initech"]));
    expect(validateObjects(apps, await sharedCrds())).toEqual([]);
    for (const a of apps) {
      const path = (a.spec as { source: { path: string } }).source.path;
      expect(await readFile(join(dir, path, "kustomization.yaml"), "utf8")).toMatch(/^kind: Kustomization$/m);
    }
  });
});

describe("issue 10, item 4: offboarding in GitOps mode", () => {
  test("every AppProject carries the resources finalizer", async () => {
    await put(repo, tenant("acme"));
    await put(repo, tenant("initech", { tier: "large" }));
    const projects = (await fleetObjects(dir)).map((x) => x.object).filter((o) => o.kind === "AppProject");
    expect(projects.map((p) => p.metadata.name)).toEqual(expect.arrayContaining(["tenant-acme", "tenant-initech"]));
    for (const p of projects) expect((p.metadata as { finalizers?: string[] }).finalizers ?? [], p.metadata.name).toContain("resources-finalizer.argocd.argoproj.io");
  });

  test("the last tenant leaving a dedicated cluster leaves the cluster's registration, project and ApplicationSet in place", async () => {
    await put(repo, tenant("acme"));
    await put(repo, tenant("initech", { tier: "large" }));
    const clusterFiles = (await fleetObjects(dir))
      .filter((x) => x.object.metadata.labels["landlord.dev/tenant"] === undefined)
      .filter((x) => JSON.stringify(x.object).includes("aks-initech") || x.object.kind === "ApplicationSet")
      .map((x) => x.file);
    expect(clusterFiles.length).toBeGreaterThan(0);
    await repo.removeTenant("initech");
    const after = await files(dir);
    for (const f of clusterFiles) expect(after, f).toContain(f);
    expect(after.some((f) => f.startsWith("tenants/initech/"))).toBe(false);
  });

  test("the final Backup is committed, and the removal is refused until it is observed completed", async () => {
    await put(repo, tenant("acme"));
    const delivery = new GitopsDelivery(repo, settings);
    const backup: KubeObject = {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Backup",
      metadata: { name: "db-final-0123abcd", namespace: "tenant-acme", labels: {} },
      spec: { cluster: { name: "db" }, method: "plugin", pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" } },
    };
    await delivery.applyExtra("acme", [backup], "final-backup");
    await expect(delivery.remove("acme")).rejects.toThrow(/final backup db-final-0123abcd of acme is committed, but .* nothing was removed/);
    expect((await git(dir, "log", "-1", "--format=%s")).trim()).toBe("final-backup for acme");
    expect(await files(dir)).toContain("tenants/acme/manifests/backup-db-final-0123abcd.yaml");
  });
});

describe("issue 10, item 7: a new cluster needs no hand step", () => {
  test("a dedicated cluster is registered for the cluster generator, without any credential in Git, and gets its bootstrap app", async () => {
    await put(repo, tenant("initech", { tier: "large" }));
    const objects = await fleetObjects(dir);
    const registrations = objects
      .map((x) => x.object)
      .filter((o) => o.kind === "ExternalSecret" && (o.spec as { target?: { template?: { data?: Record<string, string> } } }).target?.template?.data?.["name"] === "aks-initech");
    expect(registrations).toHaveLength(1);
    const crds = await sharedCrds();
    expect(validateObjects(registrations, crds)).toEqual([]);
    for (const { file, object } of objects) {
      const text = JSON.stringify(object);
      expect(text, file).not.toMatch(/"(bearerToken|password|keyData|certData|clientSecret|clientKeyData)"/);
      expect(text, file).not.toMatch(/-----BEGIN/);
    }
    const clustersSet = objects.map((x) => x.object).find((o) => o.kind === "ApplicationSet" && o.metadata.name === "landlord-clusters");
    expect(clustersSet).toBeDefined();
    const apps = clusterApps(clustersSet as KubeObject, registrations);
    expect(apps.map((a) => a.metadata.name)).toEqual(["bootstrap-aks-initech"]);
    expect(validateObjects(apps, crds)).toEqual([]);
    const app = apps[0] as KubeObject;
    const spec = app.spec as { project: string; source: { path: string }; destination: { name: string } };
    expect(spec.project).not.toBe("default");
    const project = objects.map((x) => x.object).find((o) => o.kind === "AppProject" && o.metadata.name === spec.project);
    expect((project?.spec as { destinations: { name: string }[] }).destinations.map((d) => d.name)).toEqual(["aks-initech"]);
    // The bootstrap app installs exactly what `landlord bootstrap` prints.
    const kustomization = parse(await readFile(join(dir, spec.source.path, "kustomization.yaml"), "utf8")) as { resources: string[] };
    const installed = await Promise.all(kustomization.resources.map(async (r) => parse(await readFile(join(dir, spec.source.path, r), "utf8")) as KubeObject));
    const key = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
    expect(installed.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(clusterBootstrap(ctx.config).sort((a, b) => key(a).localeCompare(key(b))));
    // What the bootstrap holds is what its project allows, and nothing namespaced.
    const allowed = (project?.spec as { clusterResourceWhitelist: { group: string; kind: string }[] }).clusterResourceWhitelist;
    for (const o of installed) expect(allowed).toContainEqual({ group: o.apiVersion.split("/")[0], kind: o.kind });
    expect(validateObjects(objects.map((x) => x.object).filter((o) => o.kind === "AppProject"), crds)).toEqual([]);
  });
});
