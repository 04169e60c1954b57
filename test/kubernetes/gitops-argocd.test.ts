/**
 * The fleet repository's Argo CD objects, and the Applications its two ApplicationSets
 * would generate, sent to a real kube-apiserver with the Argo CD and External Secrets CRDs
 * installed (server-side apply, dry run): the API server's own schema validation and
 * defaulting, not only the offline validator. Argo CD itself does not run here.
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
import type { KubeObject } from "../../src/render/object.js";
import { toYaml } from "../../src/render/serialize.js";
import { waveOf } from "../../src/spec/waves.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";
import { platformWith } from "../support/platform-variants.js";
import { clusterApps, gitFilesApps } from "../gitops/support/generators.js";
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

describe("the fleet repository on a real API server", () => {
  test("every Argo CD object, and every Application the generators would make, is accepted", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "landlord-gitops-live-")), "fleet");
    const repo = await GitopsRepo.open({ dir });
    for (const t of fleet(ctx, [tenantFile("acme"), tenantFile("globex", { tier: "medium" }), tenantFile("initech", { tier: "large" })])) {
      await repo.putTenant(renderBundle(ctx.config, t), toYaml(t.tenant), waveOf(t.tenant.metadata.name, t.tenant.metadata.labels), settings);
    }
    const files = (await exec("git", ["ls-files", "argocd"], { cwd: dir })).stdout.trim().split("\n");
    const objects = await Promise.all(files.map(async (f) => parse(await readFile(join(dir, f), "utf8")) as KubeObject));
    const appsets = objects.filter((o) => o.kind === "ApplicationSet");
    const tenantApps = await gitFilesApps(dir, appsets.find((o) => o.metadata.name === "landlord-tenants") as KubeObject);
    const bootstrapApps = clusterApps(
      appsets.find((o) => o.metadata.name === "landlord-clusters") as KubeObject,
      objects.filter((o) => o.kind === "ExternalSecret"),
    );
    expect(tenantApps).toHaveLength(3);
    expect(bootstrapApps.map((a) => a.metadata.name).sort()).toEqual(["bootstrap-aks-initech", "bootstrap-aks-weu-1"]);
    const applier = new Applier(client);
    const accepted: string[] = [];
    for (const o of [...objects, ...tenantApps, ...bootstrapApps]) {
      const live = await applier.patch(o, { force: false, dryRun: true });
      expect((live.metadata as { name?: string } | undefined)?.name, `${o.kind}/${o.metadata.name}`).toBe(o.metadata.name);
      accepted.push(`${o.kind}/${o.metadata.name}`);
    }
    expect(accepted).toHaveLength(objects.length + 5);
  });
});
