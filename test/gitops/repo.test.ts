/** GitOps delivery on a real Git repository, with a bare remote to push to. */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeEach, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { GitopsDelivery } from "../../src/delivery/gitops/gitops-delivery.js";
import { GitopsRepo } from "../../src/delivery/gitops/repo.js";
import { renderBundle } from "../../src/render/bundle.js";
import { gitopsSettings } from "../../src/render/gitops/argocd.js";
import { waveOf } from "../../src/spec/waves.js";
import type { KubeObject } from "../../src/render/object.js";
import { toYaml } from "../../src/render/serialize.js";
import type { ResolvedTenant } from "../../src/spec/resolve.js";
import { validateObjects } from "../../src/validate/objects.js";
import { isRetryable } from "../../src/errors.js";
import { fleet, platform, sharedCrds, tenantFile, type TenantOptions } from "../support/fixtures.js";
import { platformWith } from "../support/platform-variants.js";

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

let dir: string;
let remote: string;
let repo: GitopsRepo;
beforeEach(async () => {
  const root = await mkdtemp(join(tmpdir(), "landlord-gitops-"));
  dir = join(root, "fleet");
  remote = join(root, "remote.git");
  await exec("git", ["init", "--bare", "--initial-branch", "main", remote]);
  repo = await GitopsRepo.open({ dir, pushTo: "origin" });
  await git(dir, "remote", "add", "origin", remote);
});

describe("GitOps repository", () => {
  test("onboarding three tenants makes three commits, each naming its tenant, pushed", async () => {
    for (const [name, tier] of [["acme", "small"], ["globex", "medium"], ["initech", "large"]] as const) {
      const c = await put(repo, tenant(name, { tier }));
      expect(c?.message).toMatch(new RegExp(`^onboard ${name} \\(tier ${tier}, cluster `));
    }
    const log = (await git(dir, "log", "--format=%s")).trim().split("\n");
    expect(log).toHaveLength(3);
    expect((await git(remote, "log", "--format=%s", "main")).trim().split("\n")).toEqual(log);
    // The large tenant's own cluster is registered beside the shared one.
    expect(await readdir(join(dir, "argocd/clusters"))).toEqual(["aks-initech", "aks-weu-1"]);
  });

  test("changing one tenant's override changes only that tenant's folder", async () => {
    await put(repo, tenant("acme"));
    await put(repo, tenant("globex"));
    const c = await put(repo, tenant("acme", { overrides: { app: { featureFlags: { newCheckout: true } } } }));
    expect(c?.message).toMatch(/^update acme: changed configmap-app-config, deployment-app/);
    const stat = await git(dir, "diff", "--stat", "HEAD~1", "HEAD");
    const paths = (await git(dir, "diff", "--name-only", "HEAD~1", "HEAD")).trim().split("\n");
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) expect(p, stat).toMatch(/^tenants\/acme\//);
  });

  test("a failed push is retryable and the next change pushes what the remote lacks", async () => {
    await rm(remote, { recursive: true, force: true });
    const error = await put(repo, tenant("acme")).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRetryable(error)).toBe(true);
    expect((error as Error).message).toMatch(/^push to origin\/main failed/);
    expect((await git(dir, "log", "--format=%s")).trim()).toMatch(/^onboard acme/);
    await exec("git", ["init", "--bare", "--initial-branch", "main", remote]);
    expect(await put(repo, tenant("acme"))).toBeUndefined();
    expect((await git(remote, "log", "--format=%s", "main")).trim()).toMatch(/^onboard acme/);
  });

  test("an unchanged tenant makes no commit", async () => {
    await put(repo, tenant("acme"));
    expect(await put(repo, tenant("acme"))).toBeUndefined();
    expect((await git(dir, "rev-list", "--count", "HEAD")).trim()).toBe("1");
  });

  test("offboarding removes the tenant's folder and project; its cluster stays registered until removeCluster", async () => {
    await put(repo, tenant("acme"));
    await put(repo, tenant("initech", { tier: "large" }));
    const c = await repo.removeTenant("initech");
    expect(c?.message).toBe("offboard initech");
    const files = (await git(dir, "ls-files")).trim().split("\n");
    const clusterOwned = (f: string) => f.startsWith("argocd/clusters/aks-initech/") || f.startsWith("platform/clusters/aks-initech/");
    expect(files.filter((f) => f.includes("initech") && !clusterOwned(f))).toEqual([]);
    expect(files.filter((f) => f.includes("aks-initech") && f.startsWith("argocd/")).sort()).toEqual([
      "argocd/clusters/aks-initech/addons-project.yaml",
      "argocd/clusters/aks-initech/project.yaml",
      "argocd/clusters/aks-initech/registration.yaml",
    ]);
    // Its add-ons stay with it: a parent app still syncs them until the cluster is unregistered.
    expect(files.filter((f) => f.startsWith("platform/clusters/aks-initech/addons/")).length).toBeGreaterThan(0);
    expect(files.some((f) => f.startsWith("tenants/acme/"))).toBe(true);
    // A cluster a tenant still points at cannot be unregistered.
    await expect(repo.removeCluster("aks-weu-1")).rejects.toThrow(/cluster aks-weu-1 still has tenants \(acme\)/);
    const u = await repo.removeCluster("aks-initech");
    expect(u?.message).toBe("unregister cluster aks-initech");
    expect(await readdir(join(dir, "argocd/clusters"))).toEqual(["aks-weu-1"]);
    expect(await readdir(join(dir, "platform/clusters"))).toEqual(["aks-weu-1"]);
  });

  test("moving a tenant to another tier moves its placement (and registers the new cluster) in one commit", async () => {
    await put(repo, tenant("acme"));
    const c = await put(repo, tenant("acme", { tier: "large" }));
    expect(c?.files).toEqual(expect.arrayContaining(["argocd/clusters/aks-acme/registration.yaml", "tenants/acme/placement.json"]));
    expect(JSON.parse(await readFile(join(dir, "tenants/acme/placement.json"), "utf8"))).toMatchObject({ tenant: "acme", cluster: "aks-acme", namespace: "tenant-acme" });
  });

  test("the Argo CD objects validate against the real CRDs and fence each tenant", async () => {
    await put(repo, tenant("acme"));
    await put(repo, tenant("initech", { tier: "large" }));
    const files = (await git(dir, "ls-files", "argocd")).trim().split("\n");
    const objects = await Promise.all(files.map(async (f) => parse(await readFile(join(dir, f), "utf8")) as KubeObject));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      "AppProject/addons-aks-initech",
      "AppProject/addons-aks-weu-1",
      "AppProject/cluster-aks-initech",
      "AppProject/cluster-aks-weu-1",
      "AppProject/landlord-platform",
      "AppProject/tenant-acme",
      "AppProject/tenant-initech",
      "Application/landlord-root",
      "ApplicationSet/landlord-addons",
      "ApplicationSet/landlord-clusters",
      "ApplicationSet/landlord-tenants",
      "ExternalSecret/cluster-aks-initech",
      "ExternalSecret/cluster-aks-weu-1",
    ]);
    expect(validateObjects(objects, await sharedCrds())).toEqual([]);
    const project = objects.find((o) => o.kind === "AppProject" && o.metadata.name === "tenant-acme");
    expect((project?.spec as { destinations: unknown[] }).destinations).toEqual([{ name: "aks-weu-1", namespace: "tenant-acme" }]);
    const appset = objects.find((o) => o.kind === "ApplicationSet" && o.metadata.name === "landlord-tenants");
    const spec = appset?.spec as { generators: { git: { files: { path: string }[] } }[]; strategy?: unknown };
    expect(spec.generators[0]?.git.files).toEqual([{ path: "tenants/*/placement.json" }]);
    expect(spec.strategy).toBeUndefined();
  });

  test("each tenant's placement file names its cluster, namespace and wave; its manifests list every object", async () => {
    const t = tenant("acme");
    await put(repo, t);
    expect(JSON.parse(await readFile(join(dir, "tenants/acme/placement.json"), "utf8"))).toEqual({
      tenant: "acme",
      cluster: "aks-weu-1",
      namespace: "tenant-acme",
      wave: waveOf("acme", t.tenant.metadata.labels),
    });
    const kustomization = parse(await readFile(join(dir, "tenants/acme/manifests/kustomization.yaml"), "utf8")) as { resources: string[] };
    expect(kustomization.resources).toHaveLength(renderBundle(ctx.config, t).objects.length);
  });

  test("a rollout wave is one commit across clusters (putTenants)", async () => {
    const tenants = [tenant("acme"), tenant("initech", { tier: "large" })];
    for (const t of tenants) await put(repo, t);
    const next = tenants.map((t) => tenant(t.tenant.metadata.name, { tier: t.tier.name, overrides: { app: { featureFlags: { newCheckout: true } } } }));
    const c = await repo.putTenants(
      next.map((t) => ({ bundle: renderBundle(ctx.config, t), tenantSpecYaml: toYaml(t.tenant), wave: "w50" as const })),
      settings,
      "rollout test: wave w50 (2 tenants)",
    );
    expect(c?.message).toBe("rollout test: wave w50 (2 tenants)");
    expect(new Set(c?.files.map((f) => f.split("/").slice(0, 2).join("/")))).toEqual(new Set(["tenants/acme", "tenants/initech"]));
    expect((await repo.placements()).map((p) => [p.tenant, p.wave])).toEqual([["acme", "w50"], ["initech", "w50"]]);
  });
});

describe("offboarding through GitopsDelivery: removal waits for the final Backup", () => {
  const backup = (name: string): KubeObject => ({
    apiVersion: "postgresql.cnpg.io/v1",
    kind: "Backup",
    metadata: { name, namespace: "tenant-acme", labels: {} },
    spec: { cluster: { name: "db" }, method: "plugin", pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" } },
  });

  test.each([
    [{ found: true, phase: "running" }, /^final backup db-final-00000001 of acme is not completed yet on aks-weu-1 \(phase: running\)$/, true],
    [{ found: true }, /\(phase: none yet\)$/, true],
    [{ found: false }, /\(not on the cluster yet: Argo CD has not synced it\)$/, true],
    [{ found: true, phase: "failed" }, /^final backup db-final-00000001 of acme failed on aks-weu-1; nothing was removed/, false],
  ] as const)("observed %o: refused, nothing removed", async (phase, message, retryable) => {
    await put(repo, tenant("acme"));
    const seen: unknown[] = [];
    const delivery = new GitopsDelivery(repo, settings, (ref) => {
      seen.push(ref);
      return Promise.resolve(phase);
    });
    await delivery.applyExtra("acme", [backup("db-final-00000001")], "final-backup");
    const error = await delivery.remove("acme").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(message);
    expect(isRetryable(error)).toBe(retryable);
    expect(seen).toEqual([{ cluster: "aks-weu-1", namespace: "tenant-acme", name: "db-final-00000001" }]);
    expect((await git(dir, "log", "-1", "--format=%s")).trim()).toBe("final-backup for acme");
  });

  test("completed: the removal is its own commit after the Backup's", async () => {
    await put(repo, tenant("acme"));
    const delivery = new GitopsDelivery(repo, settings, () => Promise.resolve({ found: true, phase: "completed" }));
    await delivery.applyExtra("acme", [backup("db-final-00000002")], "final-backup");
    expect((await delivery.remove("acme")).changed).toBe(true);
    expect((await git(dir, "log", "--format=%s")).trim().split("\n")).toEqual(["offboard acme", "final-backup for acme", expect.stringMatching(/^onboard acme/)]);
    expect((await git(dir, "ls-files", "tenants")).trim()).toBe("");
  });

  test("without an observer, an operator's confirmation of that backup lets the removal through", async () => {
    await put(repo, tenant("acme"));
    const delivery = new GitopsDelivery(repo, settings);
    await delivery.applyExtra("acme", [backup("db-final-00000003")], "final-backup");
    await expect(delivery.remove("acme", { confirmedBackups: ["db-final-99999999"] })).rejects.toThrow(/kubectl --context aks-weu-1 -n tenant-acme get backups.postgresql.cnpg.io db-final-00000003/);
    expect((await delivery.remove("acme", { confirmedBackups: ["db-final-00000003"] })).changed).toBe(true);
  });
});

describe("moving a repository from the layout of docs/adr/0005", () => {
  test("clusters/ goes in one commit, and only once every tenant it points at has a placement file", async () => {
    const { mkdir, writeFile } = await import("node:fs/promises");
    const legacy = async (tenantName: string) => {
      const path = join(dir, "clusters/aks-weu-1/waves/w50", tenantName, "kustomization.yaml");
      await mkdir(join(path, ".."), { recursive: true });
      await writeFile(path, "resources: []\n");
    };
    await legacy("acme");
    await legacy("globex");
    await put(repo, tenant("acme"));
    await git(dir, "add", "-A");
    await git(dir, "commit", "-m", "legacy layout");
    await expect(repo.removeLegacyLayout()).rejects.toThrow(/tenants globex are not written in the new layout yet/);
    await put(repo, tenant("globex"));
    const c = await repo.removeLegacyLayout();
    expect(c?.files).toEqual(["clusters/aks-weu-1/waves/w50/acme/kustomization.yaml", "clusters/aks-weu-1/waves/w50/globex/kustomization.yaml"]);
    expect((await git(dir, "ls-files", "clusters")).trim()).toBe("");
    expect((await git(remote, "log", "-1", "--format=%s", "main")).trim()).toMatch(/^migrate the fleet repository/);
    expect(await repo.removeLegacyLayout()).toBeUndefined();
  });
});
