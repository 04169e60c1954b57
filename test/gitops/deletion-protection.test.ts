/**
 * Issue 24, item 6: a commit that deletes or renames argocd/applicationsets/tenants.yaml let
 * the root app prune the tenants ApplicationSet, whose Applications went with it and, through
 * the resources finalizer, every tenant's namespace and volumes, with no final backup.
 *
 * The objects are checked field by field, and by what Argo CD would do with them: a small
 * model of the root app's prune and cascade, the ApplicationSet controller (owner references,
 * the finalizer it adds to a template without one unless preserveResourcesOnDeletion) and
 * the Application's finalizer cascade, which spares resources marked Delete=false.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, test } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { GitopsRepo } from "../../src/delivery/gitops/repo.js";
import { renderBundle } from "../../src/render/bundle.js";
import {
  clustersApplicationSet,
  gitopsSettings,
  platformProject,
  RESOURCES_FINALIZER,
  rootApplication,
  SYNC_OPTIONS,
  tenantsApplicationSet,
} from "../../src/render/gitops/argocd.js";
import type { KubeObject } from "../../src/render/object.js";
import { toYaml } from "../../src/render/serialize.js";
import type { ResolvedTenant } from "../../src/spec/resolve.js";
import { waveOf } from "../../src/spec/waves.js";
import { validateObjects } from "../../src/validate/objects.js";
import { fleet, platform, sharedCrds, tenantFile, type TenantOptions } from "../support/fixtures.js";
import { platformWith } from "../support/platform-variants.js";
import { clusterApps, fillTemplate } from "./support/generators.js";

const exec = promisify(execFile);
const ctx = platform(platformWith(["integrations", "gitops"], { repoURL: "https://git.example.com/fleet.git", revision: "main", argocdNamespace: "argocd" }));
const settings = gitopsSettings(ctx.config);

type Files = ReadonlyMap<string, string>;

function tenant(name: string, o: TenantOptions = {}): ResolvedTenant {
  const [t] = fleet(ctx, [tenantFile(name, o)]);
  if (!t) throw new Error("no tenant");
  return t;
}

/** The fleet repository as committed: a shared-cluster tenant, a second one, and a dedicated-cluster one. */
async function committedFiles(): Promise<Map<string, string>> {
  const dir = join(await mkdtemp(join(tmpdir(), "landlord-gitops-protect-")), "fleet");
  const repo = await GitopsRepo.open({ dir });
  for (const t of [tenant("acme"), tenant("globex", { tier: "medium" }), tenant("initech", { tier: "large" })]) {
    await repo.putTenant(renderBundle(ctx.config, t), toYaml(t.tenant), waveOf(t.tenant.metadata.name, t.tenant.metadata.labels), settings);
  }
  const paths = (await exec("git", ["ls-files"], { cwd: dir })).stdout.trim().split("\n");
  return new Map(await Promise.all(paths.map(async (p) => [p, await readFile(join(dir, p), "utf8")] as const)));
}

const options = (o: KubeObject): string[] => (o.metadata.annotations?.[SYNC_OPTIONS] ?? "").split(",").map((x) => x.trim());
const finalizers = (o: KubeObject): string[] => (o.metadata as { finalizers?: string[] }).finalizers ?? [];
const key = (o: KubeObject): string => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

function objectsOf(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o?.kind !== undefined && o.kind !== "Kustomization");
}

/** What the root app syncs: every YAML file under argocd/, recursively. */
function rootObjects(files: Files): KubeObject[] {
  return [...files].filter(([p]) => p.startsWith("argocd/") && p.endsWith(".yaml")).flatMap(([, text]) => objectsOf(text));
}

interface AppSetSpec {
  syncPolicy?: { preserveResourcesOnDeletion?: boolean };
  generators: { git?: { files?: { path: string }[] }; clusters?: unknown }[];
  template: { metadata: Record<string, unknown>; spec: Record<string, unknown> };
}

/**
 * The Applications an ApplicationSet generates from the repository and the live cluster
 * registrations, with the finalizer the controller itself adds when the template has none
 * and the ApplicationSet does not preserve resources on deletion.
 */
function generated(appset: KubeObject, files: Files, registrations: readonly KubeObject[]): KubeObject[] {
  const spec = appset.spec as AppSetSpec;
  const apps: KubeObject[] = [];
  for (const g of spec.generators) {
    for (const f of g.git?.files ?? []) {
      const glob = new RegExp(`^${f.path.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]+")}$`);
      for (const [path, text] of files) {
        if (!glob.test(path)) continue;
        const filled = fillTemplate(spec.template, JSON.parse(text) as Record<string, unknown>);
        apps.push({ apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: { ...(filled.metadata as unknown as KubeObject["metadata"]), namespace: appset.metadata.namespace ?? "" }, spec: filled.spec });
      }
    }
    if (g.clusters) apps.push(...clusterApps({ ...appset, spec: { ...spec, generators: [g] } }, registrations));
  }
  const preserve = spec.syncPolicy?.preserveResourcesOnDeletion === true;
  return apps.map((a) => (finalizers(a).length === 0 && !preserve ? { ...a, metadata: { ...a.metadata, finalizers: [RESOURCES_FINALIZER] } as KubeObject["metadata"] } : a));
}

/** Every Application in Argo CD: those the root app applies and those the live ApplicationSets generate. */
function applications(live: readonly KubeObject[], files: Files): Map<string, KubeObject> {
  const registrations = live.filter((o) => o.kind === "ExternalSecret");
  const apps = [...live.filter((o) => o.kind === "Application"), ...live.filter((o) => o.kind === "ApplicationSet").flatMap((s) => generated(s, files, registrations))];
  return new Map(apps.map((a) => [key(a), a]));
}

/** What an Application deployed: its path's kustomization (or every file under it), or a chart as one opaque whole. */
function deployed(app: KubeObject, files: Files): KubeObject[] {
  const source = (app.spec as { source: { path?: string; chart?: string } }).source;
  if (source.chart !== undefined) return [{ apiVersion: "helm", kind: "Chart", metadata: { name: `${app.metadata.name}:${source.chart}`, labels: {} } }];
  const path = source.path ?? "";
  const kustomization = files.get(`${path}/kustomization.yaml`);
  const listed = kustomization ? (parse(kustomization) as { resources: string[] }).resources.map((r) => `${path}/${r}`) : [...files.keys()].filter((p) => p.startsWith(`${path}/`));
  return listed.flatMap((p) => objectsOf(files.get(p) ?? ""));
}

/**
 * What goes from the clusters when the root app's objects go from `before` to `live`:
 * Applications no longer applied or generated are deleted, and one that carries the
 * resources finalizer deletes what it deployed, save what is marked Delete=false (an
 * Application among those goes the same way).
 */
function destroyed(before: readonly KubeObject[], live: readonly KubeObject[], files: Files, filesAfter: Files): string[] {
  const was = applications(before, files);
  const is = applications(live, filesAfter);
  const out: string[] = [];
  const cascade = (app: KubeObject): void => {
    if (!finalizers(app).some((f) => f.startsWith(RESOURCES_FINALIZER))) return;
    for (const r of deployed(app, files)) {
      if (options(r).includes("Delete=false")) continue;
      out.push(key(r));
      if (r.kind === "Application") cascade(r);
    }
  };
  for (const [k, app] of was) if (!is.has(k)) cascade(app);
  return out.sort();
}

/** The root app's objects after a sync to `after`: what left Git is pruned unless marked Prune=false. */
function afterPrune(before: readonly KubeObject[], after: readonly KubeObject[]): KubeObject[] {
  const kept = new Set(after.map(key));
  return [...after, ...before.filter((o) => !kept.has(key(o)) && options(o).includes("Prune=false"))];
}

const dataOrNamespace = (k: string): boolean => /^(Namespace|Chart|PersistentVolumeClaim|Cluster)\//.test(k);
const tenantNamespaces = ["Namespace//tenant-acme", "Namespace//tenant-globex", "Namespace//tenant-initech"];

let files: Map<string, string>;
beforeAll(async () => {
  files = await committedFiles();
});

describe("issue 24, item 6: what Argo CD may delete on its own", () => {
  test("the model sees the old layout's hole: pruning an ApplicationSet whose apps carry the finalizer deletes every tenant namespace", () => {
    const before = rootObjects(files);
    const unprotected = before.map((o) => (o.kind === "ApplicationSet" ? { ...o, metadata: { ...o.metadata, annotations: {} }, spec: { ...(o.spec as AppSetSpec), syncPolicy: {} } } : o));
    const after = unprotected.filter((o) => o.metadata.name !== "landlord-tenants");
    expect(destroyed(unprotected, afterPrune(unprotected, after), files, files).filter((k) => k.startsWith("Namespace/"))).toEqual(tenantNamespaces);
  });

  test("a commit that deletes tenants.yaml deletes no tenant namespace", () => {
    const gone = new Map(files);
    gone.delete("argocd/applicationsets/tenants.yaml");
    const before = rootObjects(files);
    const live = afterPrune(before, rootObjects(gone));
    expect(destroyed(before, live, files, gone)).toEqual([]);
    expect(live.map(key)).toContain("ApplicationSet/argocd/landlord-tenants");
  });

  test("a commit that renames tenants.yaml deletes no tenant namespace", () => {
    const renamed = new Map([...files].map(([p, t]) => [p === "argocd/applicationsets/tenants.yaml" ? "argocd/applicationsets/tenants.yaml.old" : p, t] as const));
    const before = rootObjects(files);
    // Argo CD's directory source reads .yaml, .yml and .json only: for the root app the ApplicationSet left Git.
    const live = afterPrune(before, rootObjects(renamed));
    expect(destroyed(before, live, files, renamed)).toEqual([]);
  });

  test("even an ApplicationSet deleted by hand takes no namespace nor chart with its apps", () => {
    const before = rootObjects(files);
    for (const name of ["landlord-tenants", "landlord-clusters", "landlord-addons"]) {
      const live = before.filter((o) => o.metadata.name !== name);
      // The add-ons parents do cascade, to the add-on Applications, which carry no finalizer: their charts stay.
      expect(destroyed(before, live, files, files).filter(dataOrNamespace), name).toEqual([]);
    }
  });

  test("deleting the root app with cascade (the default of `argocd app delete`) deletes no namespace nor chart", () => {
    const before = rootObjects(files);
    const live = before.filter((o) => options(o).includes("Delete=false"));
    expect(live.map((o) => o.metadata.name).sort()).toEqual(["landlord-addons", "landlord-clusters", "landlord-platform", "landlord-root", "landlord-tenants"]);
    expect(destroyed(before, live, files, files).filter(dataOrNamespace)).toEqual([]);
  });

  test("a tenant's app that goes for another reason than offboarding (its placement file lost) leaves the namespace", () => {
    const lost = new Map(files);
    lost.delete("tenants/acme/placement.json");
    const before = rootObjects(files);
    const was = applications(before, files);
    const is = applications(before, lost);
    expect([...was.keys()].filter((k) => !is.has(k))).toEqual(["Application/argocd/tenant-acme"]);
    expect(destroyed(before, before, files, lost)).toEqual([]);
  });
});

describe("issue 24, item 6: the protection on the rendered objects", () => {
  test("the fleet-wide objects of the root app carry Prune=false,Delete=false", () => {
    for (const o of [tenantsApplicationSet(settings), clustersApplicationSet(settings), platformProject(settings), rootApplication(settings)]) {
      expect(o.metadata.annotations?.[SYNC_OPTIONS], o.metadata.name).toBe("Prune=false,Delete=false");
    }
    const addons = rootObjects(files).find((o) => o.kind === "ApplicationSet" && o.metadata.name === "landlord-addons");
    expect(addons?.metadata.annotations?.[SYNC_OPTIONS]).toBe("Prune=false,Delete=false");
  });

  test("the tenants ApplicationSet preserves resources on deletion and its template has no finalizer, so no tenant app gets one", () => {
    const set = tenantsApplicationSet(settings);
    const spec = set.spec as AppSetSpec;
    expect(spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
    // A finalizer in the template would be kept whatever preserveResourcesOnDeletion says.
    expect(spec.template.metadata["finalizers"]).toBeUndefined();
    const apps = generated(set, files, []);
    expect(apps.map((a) => a.metadata.name)).toEqual(["tenant-acme", "tenant-globex", "tenant-initech"]);
    for (const a of apps) expect(finalizers(a), a.metadata.name).toEqual([]);
  });

  test("the bootstrap apps get no finalizer from the controller either, as their template always meant", () => {
    const set = clustersApplicationSet(settings);
    expect((set.spec as AppSetSpec).syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
    const apps = generated(set, files, rootObjects(files).filter((o) => o.kind === "ExternalSecret"));
    expect(apps.length).toBeGreaterThan(0);
    for (const a of apps) expect(finalizers(a), a.metadata.name).toEqual([]);
  });

  test("what offboarding and removeCluster remove on purpose stays prunable", () => {
    const prunable = rootObjects(files).filter((o) => !options(o).includes("Prune=false"));
    const names = prunable.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names).toEqual(expect.arrayContaining(["AppProject/tenant-acme", "AppProject/tenant-initech", "AppProject/cluster-aks-initech", "ExternalSecret/cluster-aks-initech"]));
    expect(prunable.filter((o) => o.kind === "ApplicationSet")).toEqual([]);
  });

  test("the protected objects validate against the real CRDs", async () => {
    const objects = rootObjects(files).filter((o) => o.metadata.annotations?.[SYNC_OPTIONS] !== undefined);
    expect(objects.length).toBe(5);
    expect(validateObjects(objects, await sharedCrds())).toEqual([]);
  });
});
