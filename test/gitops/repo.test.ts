/** GitOps delivery on a real Git repository, with a bare remote to push to. */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeEach, describe, expect, test } from "vitest";
import { parse } from "yaml";
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
    // The large tenant has its own cluster and ApplicationSet.
    expect(await readdir(join(dir, "clusters"))).toEqual(["aks-initech", "aks-weu-1"]);
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

  test("offboarding removes the tenant's folder, project and wave entry, and an emptied cluster", async () => {
    await put(repo, tenant("acme"));
    await put(repo, tenant("initech", { tier: "large" }));
    const c = await repo.removeTenant("initech");
    expect(c?.message).toBe("offboard initech");
    const files = (await git(dir, "ls-files")).trim().split("\n");
    expect(files.some((f) => f.includes("initech"))).toBe(false);
    expect(files.some((f) => f.startsWith("tenants/acme/"))).toBe(true);
    expect(await readdir(join(dir, "clusters"))).toEqual(["aks-weu-1"]);
  });

  test("moving a tenant to another tier moves it between clusters in one commit", async () => {
    await put(repo, tenant("acme"));
    const c = await put(repo, tenant("acme", { tier: "large" }));
    expect(c?.files).toContain("clusters/aks-acme/applicationset.yaml");
    const files = (await git(dir, "ls-files")).trim().split("\n");
    expect(files.filter((f) => f.startsWith("clusters/aks-weu-1/"))).toEqual([]);
  });

  test("the Argo CD objects validate against the real CRDs and fence each tenant", async () => {
    await put(repo, tenant("acme"));
    await put(repo, tenant("initech", { tier: "large" }));
    const files = (await git(dir, "ls-files")).trim().split("\n").filter((f) => f.startsWith("clusters/") && !f.includes("/waves/"));
    const objects = await Promise.all(files.map(async (f) => parse(await readFile(join(dir, f), "utf8")) as KubeObject));
    expect(objects.map((o) => o.kind).sort()).toEqual(["AppProject", "AppProject", "Application", "Application", "ApplicationSet", "ApplicationSet"]);
    expect(validateObjects(objects, await sharedCrds())).toEqual([]);
    const project = objects.find((o) => o.kind === "AppProject" && o.metadata.name === "tenant-acme");
    expect((project?.spec as { destinations: unknown[] }).destinations).toEqual([{ name: "aks-weu-1", namespace: "tenant-acme" }]);
    const appset = objects.find((o) => o.kind === "ApplicationSet" && o.metadata.name === "tenants-aks-weu-1");
    const spec = appset?.spec as { generators: { git: { directories: { path: string }[] } }[]; strategy: { rollingSync: { steps: unknown[] } } };
    expect(spec.generators[0]?.git.directories).toEqual([{ path: "clusters/aks-weu-1/waves/*/*" }]);
    expect(spec.strategy.rollingSync.steps).toHaveLength(4);
  });

  test("each wave entry points at the tenant's manifests, which list every object", async () => {
    await put(repo, tenant("acme"));
    const pointers = (await git(dir, "ls-files", "clusters/aks-weu-1/waves")).trim().split("\n");
    expect(pointers).toHaveLength(1);
    const pointer = parse(await readFile(join(dir, pointers[0] ?? ""), "utf8")) as { resources: string[] };
    expect(pointer.resources).toEqual(["../../../../../tenants/acme/manifests"]);
    const kustomization = parse(await readFile(join(dir, "tenants/acme/manifests/kustomization.yaml"), "utf8")) as { resources: string[] };
    expect(kustomization.resources).toHaveLength(32);
  });
});
