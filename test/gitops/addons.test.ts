/**
 * Cluster add-ons in the fleet repository (docs/adr/0019): every cluster of the registry,
 * shared and dedicated, gets the add-ons its tenants depend on, from the charts pinned in
 * landlord.yaml, in a project that allows only what they need, CRD owners in an earlier wave.
 * Each test fails on the layout before this change (no add-on files at all).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeEach, describe, expect, test } from "vitest";
import { parse, parseDocument } from "yaml";
import { GitopsRepo } from "../../src/delivery/gitops/repo.js";
import { renderBundle } from "../../src/render/bundle.js";
import { dedicatedIngressAddress } from "../../src/render/cloud.js";
import { ADDON_WAVES, AZURE_PIP_NAME, AZURE_PIP_RESOURCE_GROUP, SYNC_WAVE } from "../../src/render/gitops/addons.js";
import { gitopsSettings, PLATFORM_PROJECT, platformProject } from "../../src/render/gitops/argocd.js";
import type { KubeObject } from "../../src/render/object.js";
import { toYaml } from "../../src/render/serialize.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import type { PlatformContext } from "../../src/spec/platform.js";
import { waveOf } from "../../src/spec/waves.js";
import { validateObjects } from "../../src/validate/objects.js";
import { fleet, platform, sharedCrds, tenantFile, type TenantOptions } from "../support/fixtures.js";
import { clusterApps } from "./support/generators.js";

const exec = promisify(execFile);
const GITOPS = { repoURL: "https://git.example.com/fleet.git", revision: "main", argocdNamespace: "argocd" };

/** The init template with gitops configured and the given paths set. */
function platformText(changes: [(string | number)[], unknown][] = []): string {
  const doc = parseDocument(PLATFORM_TEMPLATE);
  doc.setIn(["integrations", "gitops"], GITOPS);
  for (const [path, value] of changes) doc.setIn(path, value);
  return doc.toString();
}

async function writeFleet(ctx: PlatformContext, dir: string, tenants: [string, TenantOptions][]): Promise<void> {
  const repo = await GitopsRepo.open({ dir });
  const settings = gitopsSettings(ctx.config);
  for (const [name, o] of tenants) {
    const [t] = fleet(ctx, [tenantFile(name, o)]);
    if (!t) throw new Error("no tenant");
    await repo.putTenant(renderBundle(ctx.config, t), toYaml(t.tenant), waveOf(name, t.tenant.metadata.labels), settings);
  }
}

const ls = async (dir: string, path: string) => (await exec("git", ["ls-files", path], { cwd: dir })).stdout.trim().split("\n").filter((f) => f !== "");
const read = async (dir: string, f: string) => parse(await readFile(join(dir, f), "utf8")) as KubeObject;

/** The add-on apps a cluster's parent syncs: what its kustomization lists. */
async function addonApps(dir: string, cluster: string): Promise<KubeObject[]> {
  const base = `platform/clusters/${cluster}/addons`;
  const k = parse(await readFile(join(dir, base, "kustomization.yaml"), "utf8")) as { resources: string[] };
  return Promise.all(k.resources.map((r) => read(dir, `${base}/${r}`)));
}

interface AppSpec {
  project: string;
  source: { repoURL: string; chart: string; targetRevision: string; helm: { releaseName: string; valuesObject: Record<string, unknown> } };
  destination: { name: string; namespace: string };
}
const spec = (o: KubeObject) => o.spec as AppSpec;
const addonOf = (o: KubeObject) => o.metadata.labels["landlord.dev/addon"];
const annotations = (o: KubeObject) => (o.metadata as { annotations?: Record<string, string> }).annotations ?? {};

let dir: string;
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), "landlord-addons-")), "fleet");
});

describe("every cluster gets the add-ons its tenants depend on", () => {
  test("shared and dedicated clusters each get the six add-ons, from the charts and versions pinned in landlord.yaml; everything validates against the Argo CD CRDs", async () => {
    const ctx = platform(platformText());
    await writeFleet(ctx, dir, [["acme", {}], ["initech", { tier: "large" }]]);
    const crds = await sharedCrds();
    for (const cluster of ["aks-weu-1", "aks-initech"]) {
      const apps = await addonApps(dir, cluster);
      expect(apps.map(addonOf), cluster).toEqual(["barman-cloud", "cert-manager", "cloudnative-pg", "external-secrets", "ingress", "monitoring"]);
      for (const a of apps) {
        const s = spec(a);
        expect(s.destination.name).toBe(cluster);
        expect(s.project).toBe(`addons-${cluster}`);
      }
      const pinned = Object.values(ctx.config.addons).map((a) => [a.repoURL, a.chart, a.version]);
      expect(apps.map((a) => [spec(a).source.repoURL, spec(a).source.chart, spec(a).source.targetRevision]).sort()).toEqual(pinned.sort());
      expect(validateObjects(apps, crds)).toEqual([]);
    }
    const argocd = await Promise.all((await ls(dir, "argocd")).map((f) => read(dir, f)));
    expect(validateObjects(argocd, crds)).toEqual([]);
    expect(argocd.filter((o) => o.kind === "AppProject").map((o) => o.metadata.name)).toEqual(expect.arrayContaining(["addons-aks-weu-1", "addons-aks-initech"]));
  });

  test("the add-ons ApplicationSet makes one parent per registered cluster, which syncs that cluster's add-on folder from the platform project", async () => {
    const ctx = platform(platformText());
    await writeFleet(ctx, dir, [["acme", {}], ["initech", { tier: "large" }]]);
    const argocd = await Promise.all((await ls(dir, "argocd")).map((f) => read(dir, f)));
    const appset = argocd.find((o) => o.kind === "ApplicationSet" && o.metadata.name === "landlord-addons");
    expect(appset).toBeDefined();
    const parents = clusterApps(appset as KubeObject, argocd.filter((o) => o.kind === "ExternalSecret"));
    expect(parents.map((p) => p.metadata.name).sort()).toEqual(["addons-aks-initech", "addons-aks-weu-1"]);
    expect(validateObjects(parents, await sharedCrds())).toEqual([]);
    const project = platformProject(gitopsSettings(ctx.config));
    for (const p of parents) {
      const s = p.spec as { project: string; source: { path: string }; destination: { server: string; namespace: string } };
      expect(s.project).toBe(PLATFORM_PROJECT);
      // The platform project may create Applications in Argo CD's namespace, which is all a parent holds.
      expect((project.spec as { destinations: unknown[] }).destinations).toContainEqual({ server: s.destination.server, namespace: s.destination.namespace });
      expect((project.spec as { namespaceResourceWhitelist: unknown[] }).namespaceResourceWhitelist).toContainEqual({ group: "argoproj.io", kind: "Application" });
      const cluster = p.metadata.labels["landlord.dev/cluster"] ?? "";
      const listed = await addonApps(dir, cluster);
      expect(s.source.path).toBe(`platform/clusters/${cluster}/addons`);
      expect(listed).toHaveLength(6);
      // The parent runs where Argo CD runs: its cascade (the resources finalizer) cannot hang on a destroyed cluster.
      expect((p.metadata as { finalizers?: string[] }).finalizers).toEqual(["resources-finalizer.argocd.argoproj.io"]);
      for (const a of listed) expect((a.metadata as { finalizers?: string[] }).finalizers).toBeUndefined();
    }
  });

  test("every CRD group a tenant's objects use is installed by an add-on of its cluster, in a wave before the tenant's (0); the ingress controller after the CRD owners", async () => {
    const ctx = platform(platformText());
    await writeFleet(ctx, dir, [["initech", { tier: "large" }]]);
    const apps = await addonApps(dir, "aks-initech");
    const wave = (id: string) => Number(annotations(apps.find((a) => addonOf(a) === id) as KubeObject)[SYNC_WAVE]);
    const [t] = fleet(ctx, [tenantFile("initech", { tier: "large" })]);
    const owners: Record<string, string> = { "cert-manager.io": "cert-manager", "postgresql.cnpg.io": "cloudnative-pg", "barmancloud.cnpg.io": "barman-cloud", "external-secrets.io": "external-secrets", "monitoring.coreos.com": "monitoring" };
    const groups = new Set(renderBundle(ctx.config, t as NonNullable<typeof t>).objects.map((o) => o.apiVersion.split("/")[0] ?? ""));
    const crdGroups = [...groups].filter((g) => g.includes("."));
    const usedByTenant = crdGroups.filter((g) => !g.endsWith(".k8s.io"));
    expect(usedByTenant.length).toBeGreaterThan(2);
    for (const g of usedByTenant) {
      const owner = owners[g];
      expect(owner, `no add-on installs ${g}`).toBeDefined();
      expect(wave(owner ?? ""), g).toBeLessThan(0);
    }
    expect(wave("ingress")).toBeGreaterThan(wave("monitoring"));
    expect(wave("ingress")).toBeLessThan(0);
    expect(String(wave("cert-manager"))).toBe(ADDON_WAVES.crdOwner);
    // The plugin's chart makes its TLS with cert-manager's kinds.
    expect(wave("barman-cloud")).toBeGreaterThan(wave("cert-manager"));
  });

  test("the add-ons' project allows exactly their repositories, namespaces and cluster-scoped kinds; no wildcard cluster kind", async () => {
    const ctx = platform(platformText());
    await writeFleet(ctx, dir, [["acme", {}]]);
    const project = await read(dir, "argocd/clusters/aks-weu-1/addons-project.yaml");
    const p = project.spec as { sourceRepos: string[]; destinations: { name: string; namespace: string }[]; clusterResourceWhitelist: { group: string; kind: string }[] };
    const apps = await addonApps(dir, "aks-weu-1");
    for (const a of apps) {
      expect(p.sourceRepos).toContain(spec(a).source.repoURL);
      expect(p.destinations).toContainEqual(spec(a).destination);
    }
    expect(p.sourceRepos).not.toContain("*");
    expect(p.destinations.every((d) => d.name === "aks-weu-1" && d.namespace !== "*")).toBe(true);
    expect(p.clusterResourceWhitelist).toContainEqual({ group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" });
    expect(p.clusterResourceWhitelist).toContainEqual({ group: "networking.k8s.io", kind: "IngressClass" });
    expect(p.clusterResourceWhitelist.some((k) => k.kind === "*" || k.group === "*")).toBe(false);
    // Nothing the tenants' own projects hold: tenant namespaces are not destinations.
    expect(p.destinations.some((d) => d.namespace.startsWith(ctx.config.platform.namespacePrefix))).toBe(false);
  });
});

describe("a dedicated cluster's ingress controller takes the address its Terraform created", () => {
  test("the dedicated ingress is told the public IP and resource group the module names; the shared one is not", async () => {
    const ctx = platform(platformText());
    await writeFleet(ctx, dir, [["acme", {}], ["initech", { tier: "large" }]]);
    const ingress = async (cluster: string) => (await addonApps(dir, cluster)).find((a) => addonOf(a) === "ingress") as KubeObject;
    const dedicated = spec(await ingress("aks-initech")).source.helm.valuesObject as { controller: { service: { annotations: Record<string, string> }; ingressClassResource: { name: string } } };
    const address = dedicatedIngressAddress(ctx.config, "initech");
    expect(dedicated.controller.service.annotations).toMatchObject({ [AZURE_PIP_NAME]: address.publicIpName, [AZURE_PIP_RESOURCE_GROUP]: address.resourceGroup });
    expect(address).toEqual({ publicIpName: "pip-aks-initech-ingress", resourceGroup: "rg-tenant-initech-ingress" });
    expect(dedicated.controller.ingressClassResource.name).toBe(ctx.config.integrations.ingress.className);
    const shared = spec(await ingress("aks-weu-1")).source.helm.valuesObject as { controller: { service: { annotations: Record<string, string> } } };
    expect(shared.controller.service.annotations[AZURE_PIP_NAME]).toBeUndefined();
  });

  test("landlord.yaml's values and per-cluster values apply in order, and the address Landlord knows wins over them", async () => {
    const ctx = platform(
      platformText([
        [["addons", "ingress", "values"], { controller: { replicaCount: 3, service: { annotations: { [AZURE_PIP_NAME]: "wrong" } } } }],
        [["addons", "ingress", "clusterValues"], { "aks-weu-1": { controller: { service: { annotations: { [AZURE_PIP_NAME]: "pip-shared-ingress" } } } } }],
      ]),
    );
    await writeFleet(ctx, dir, [["acme", {}], ["initech", { tier: "large" }]]);
    const values = async (cluster: string) =>
      spec((await addonApps(dir, cluster)).find((a) => addonOf(a) === "ingress") as KubeObject).source.helm.valuesObject as { controller: { replicaCount: number; service: { annotations: Record<string, string> } } };
    expect((await values("aks-weu-1")).controller).toMatchObject({ replicaCount: 3, service: { annotations: { [AZURE_PIP_NAME]: "pip-shared-ingress" } } });
    expect((await values("aks-initech")).controller).toMatchObject({ replicaCount: 3, service: { annotations: { [AZURE_PIP_NAME]: "pip-aks-initech-ingress" } } });
    // Landlord's base values stay under the operator's.
    expect((await values("aks-initech")).controller.service.annotations["service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path"]).toBe("/healthz");
  });
});

describe("landlord.yaml drives the add-ons", () => {
  test("a new pinned version changes the app; a disabled add-on leaves the cluster's list (its parent prunes it)", async () => {
    const before = platform(platformText());
    await writeFleet(before, dir, [["acme", {}]]);
    const after = platform(platformText([[["addons", "certManager", "version"], "v1.21.2"], [["addons", "externalSecrets", "enabled"], false]]));
    await writeFleet(after, dir, [["acme", {}]]);
    const apps = await addonApps(dir, "aks-weu-1");
    expect(apps.map(addonOf)).toEqual(["barman-cloud", "cert-manager", "cloudnative-pg", "ingress", "monitoring"]);
    expect(spec(apps[1] as KubeObject).source.targetRevision).toBe("v1.21.2");
    const project = (await read(dir, "argocd/clusters/aks-weu-1/addons-project.yaml")).spec as { sourceRepos: string[] };
    expect(project.sourceRepos).not.toContain(before.config.addons.externalSecrets.repoURL);
  });

  test("a version range is refused with the field and the fix", () => {
    expect(() => platform(platformText([[["addons", "monitoring", "version"], "^77.0.0"]]))).toThrow(/addons\.monitoring\.version[\s\S]*pin it/);
  });

  test("the monitoring stack selects exactly the rule labels tenants' PrometheusRules carry", async () => {
    const ctx = platform(platformText());
    await writeFleet(ctx, dir, [["acme", {}]]);
    const monitoring = (await addonApps(dir, "aks-weu-1")).find((a) => addonOf(a) === "monitoring") as KubeObject;
    const values = spec(monitoring).source.helm.valuesObject as { prometheus: { prometheusSpec: { ruleSelector: { matchLabels: Record<string, string> } } } };
    expect(values.prometheus.prometheusSpec.ruleSelector.matchLabels).toEqual(ctx.config.integrations.monitoring.ruleLabels);
    expect(spec(monitoring).source.helm.releaseName).toBe("kube-prometheus-stack");
  });
});

describe("the init template", () => {
  test("its commented cloudPosture, gitops and addons examples are valid landlord.yaml once uncommented", () => {
    const lines = PLATFORM_TEMPLATE.split("\n");
    const from = lines.findIndex((l) => l.startsWith("  azure:"));
    const uncommented = lines.map((l, i) => (i > from ? l.replace(/^(\s*)# (\s*([A-Za-z][\w.-]*:|- ))/, "$1$2") : l)).join("\n");
    expect(uncommented).toMatch(/^addons:$/m);
    expect(uncommented).toMatch(/^ {2}cloudPosture:$/m);
    const ctx = platform(uncommented);
    expect(ctx.config.addons.ingress.values).toEqual({ controller: { replicaCount: 2 } });
    expect(ctx.config.addons.monitoring.version).toBe("77.8.0");
    expect(ctx.config.integrations.cloudPosture.privateEndpointSubnetId).toMatch(/\/subnets\//);
    expect(ctx.config.integrations.gitops?.clusterRegistration?.argocdPrincipalId).toBe("00000000-0000-0000-0000-000000000000");
    // The pins in the template's comments are the defaults.
    const defaults = platform().config.addons;
    for (const key of ["ingress", "certManager", "cloudnativePg", "barmanCloud", "externalSecrets", "monitoring"] as const) expect(ctx.config.addons[key].version, key).toBe(defaults[key].version);
  });
});
