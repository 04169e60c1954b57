/**
 * The cluster add-ons of the fleet repository (docs/adr/0019) on a real API server with the
 * Argo CD CRDs installed: the add-ons ApplicationSet, each cluster's add-ons project, the
 * parents the cluster generator would make and every add-on Application they sync, sent as
 * server-side-apply dry runs (the API server's schema validation and defaulting, beyond the
 * offline validator). Argo CD and the charts do not run here.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { Applier } from "../../src/delivery/kubernetes/applier.js";
import { KubeClient } from "../../src/delivery/kubernetes/client.js";
import { GitopsRepo } from "../../src/delivery/gitops/repo.js";
import { renderBundle } from "../../src/render/bundle.js";
import { gitopsSettings } from "../../src/render/gitops/argocd.js";
import { AZURE_PIP_NAME } from "../../src/render/gitops/addons.js";
import type { KubeObject } from "../../src/render/object.js";
import { toYaml } from "../../src/render/serialize.js";
import { waveOf } from "../../src/spec/waves.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";
import { platformWith } from "../support/platform-variants.js";
import { clusterApps } from "../gitops/support/generators.js";
import { admin } from "./support/live.js";

const exec = promisify(execFile);
const ctx = platform(platformWith(["integrations", "gitops"], { repoURL: "https://git.example.com/fleet.git", revision: "main", argocdNamespace: "argocd" }));
const settings = gitopsSettings(ctx.config);

let client: KubeClient;
beforeAll(async () => {
  const { kc, core } = admin();
  client = new KubeClient(kc, kc.getCurrentContext());
  await core.createNamespace({ body: { metadata: { name: "argocd" } } }).catch((e: unknown) => {
    if ((e as { code?: number }).code !== 409) throw e;
  });
});
afterAll(() => {
  client.close();
});

describe("cluster add-ons on a real API server", () => {
  test("the add-ons ApplicationSet, projects, per-cluster parents and every add-on Application are accepted", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "landlord-addons-live-")), "fleet");
    const repo = await GitopsRepo.open({ dir });
    for (const t of fleet(ctx, [tenantFile("acme"), tenantFile("initech", { tier: "large" })])) {
      await repo.putTenant(renderBundle(ctx.config, t), toYaml(t.tenant), waveOf(t.tenant.metadata.name, t.tenant.metadata.labels), settings);
    }
    const ls = async (path: string) => (await exec("git", ["ls-files", path], { cwd: dir })).stdout.trim().split("\n").filter((f) => f !== "");
    const read = async (f: string) => parse(await readFile(join(dir, f), "utf8")) as KubeObject;
    const argocd = await Promise.all((await ls("argocd")).map(read));
    const appset = argocd.find((o) => o.kind === "ApplicationSet" && o.metadata.name === "landlord-addons") as KubeObject;
    const projects = argocd.filter((o) => o.kind === "AppProject" && o.metadata.name.startsWith("addons-"));
    const parents = clusterApps(appset, argocd.filter((o) => o.kind === "ExternalSecret"));
    const addons = await Promise.all((await ls("platform/clusters")).filter((f) => !f.endsWith("kustomization.yaml")).map(read));
    expect(projects.map((p) => p.metadata.name).sort()).toEqual(["addons-aks-initech", "addons-aks-weu-1"]);
    expect(parents.map((p) => p.metadata.name).sort()).toEqual(["addons-aks-initech", "addons-aks-weu-1"]);
    expect(addons).toHaveLength(12);

    const applier = new Applier(client);
    const accepted: KubeObject[] = [];
    for (const o of [appset, ...projects, ...parents, ...addons]) {
      const live = (await applier.patch(o, { force: false, dryRun: true })) as KubeObject;
      expect(live.metadata.name, `${o.kind}/${o.metadata.name}`).toBe(o.metadata.name);
      accepted.push(live);
    }
    expect(accepted).toHaveLength(1 + 2 + 2 + 12);
    // The chart values survive the API server's pruning of unknown fields (valuesObject keeps them).
    const ingress = accepted.find((o) => o.kind === "Application" && o.metadata.name === "aks-initech-ingress");
    const values = (ingress?.spec as { source: { helm: { valuesObject: { controller: { service: { annotations: Record<string, string> } } } } } }).source.helm.valuesObject;
    expect(values.controller.service.annotations[AZURE_PIP_NAME]).toBe("pip-aks-initech-ingress");
  });
});
