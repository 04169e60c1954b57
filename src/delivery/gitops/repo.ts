/**
 * GitOps delivery: a real Git repository that Landlord commits to, one commit per
 * change naming the tenant and what changed, pushed when a remote is configured.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { CheckRepoActions, simpleGit, type SimpleGit } from "simple-git";
import type { Bundle } from "../../render/bundle.js";
import type { GitopsSettings } from "../../render/gitops/argocd.js";
import { clusterFiles, fleetFiles, manifestFileName, ownedByCluster, ownedByTenant, placementPath, tenantFiles, type RepoFiles } from "../../render/gitops/layout.js";
import type { TenantPlacementFile } from "../../render/gitops/argocd.js";
import type { KubeObject } from "../../render/object.js";
import { toYaml } from "../../render/serialize.js";
import { parse } from "yaml";
import { ConflictError, RetryableError } from "../../errors.js";
import type { Wave } from "../../spec/waves.js";

export interface GitopsRepoOptions {
  readonly dir: string;
  /** Remote name to push to after each commit (e.g. "origin"); no push without it. */
  readonly pushTo?: string;
  readonly branch?: string;
  readonly author?: { name: string; email: string };
}

/** Name prefix of the Backup offboarding commits (src/workflows/tenant/offboard.ts). */
export const FINAL_BACKUP_PREFIX = "db-final-";

/** Folders every commit may touch besides the tenant's own: the fleet's files, and app charts (docs/adr/0013). */
const FLEET_DIRS = ["argocd", "platform", "charts"];

export interface TenantItem {
  readonly bundle: Bundle;
  readonly tenantSpecYaml: string;
  readonly wave: Wave;
}

export interface CommitResult {
  readonly sha: string;
  readonly message: string;
  readonly files: readonly string[];
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.name === ".git") continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(root, full)));
    else out.push(relative(root, full));
  }
  return out;
}

/** Human summary of a staged change to a tenant's manifests: "changed deployment-app, added ...". */
function summarise(status: { path: string; index: string }[], tenant: string): string {
  const prefix = `tenants/${tenant}/manifests/`;
  const groups = new Map<string, string[]>();
  for (const f of status) {
    if (!f.path.startsWith(prefix) || f.path.endsWith("kustomization.yaml")) continue;
    const verb = f.index === "A" || f.index === "?" ? "added" : f.index === "D" ? "removed" : "changed";
    groups.set(verb, [...(groups.get(verb) ?? []), f.path.slice(prefix.length).replace(/\.yaml$/, "")]);
  }
  const parts = ["changed", "added", "removed"].flatMap((v) => (groups.get(v) ? [`${v} ${(groups.get(v) ?? []).join(", ")}`] : []));
  return parts.length > 0 ? parts.join("; ") : "placement or spec changed";
}

export class GitopsRepo {
  private constructor(
    private readonly options: GitopsRepoOptions,
    private readonly git: SimpleGit,
  ) {}

  static async open(options: GitopsRepoOptions): Promise<GitopsRepo> {
    await mkdir(options.dir, { recursive: true });
    const git = simpleGit(options.dir);
    if (!(await git.checkIsRepo(CheckRepoActions.IS_REPO_ROOT))) {
      await git.init(["--initial-branch", options.branch ?? "main"]);
    }
    const author = options.author ?? { name: "Landlord", email: "landlord@localhost" };
    await git.addConfig("user.name", author.name).addConfig("user.email", author.email);
    return new GitopsRepo(options, git);
  }

  get dir(): string {
    return this.options.dir;
  }

  /**
   * Writes the tenant's files, the fleet's files and (dedicated cluster) its cluster's
   * registration, prunes what the tenant no longer has, commits. Cluster files are never
   * pruned here: a cluster goes with `removeCluster`, once no app points at it.
   */
  async putTenant(bundle: Bundle, tenantSpecYaml: string, wave: Wave, settings: GitopsSettings): Promise<CommitResult | undefined> {
    const isNew = !(await this.exists(`tenants/${bundle.tenant}/tenant.yaml`));
    await this.writeTenant(bundle, tenantSpecYaml, wave, settings);
    const message = isNew
      ? `onboard ${bundle.tenant} (tier ${bundle.tier}, cluster ${bundle.placement.cluster}, wave ${wave})`
      : undefined;
    return this.commit([`tenants/${bundle.tenant}`], message, bundle.tenant);
  }

  /**
   * One commit for several tenants (a rollout wave, docs/adr/0012): every tenant of the
   * wave, on every cluster, moves together; the next wave waits for `appsGate` (rollout.ts).
   */
  async putTenants(items: readonly TenantItem[], settings: GitopsSettings, message: string): Promise<CommitResult | undefined> {
    for (const i of items) await this.writeTenant(i.bundle, i.tenantSpecYaml, i.wave, settings);
    return this.commit(items.map((i) => `tenants/${i.bundle.tenant}`), message);
  }

  private async writeTenant(bundle: Bundle, tenantSpecYaml: string, wave: Wave, settings: GitopsSettings): Promise<void> {
    const desired: RepoFiles = new Map([
      ...fleetFiles(settings),
      ...(bundle.placement.dedicatedCluster ? clusterFiles(bundle.placement.cluster, "dedicated", settings) : []),
      ...tenantFiles(bundle, tenantSpecYaml, wave, settings),
    ]);
    for (const path of await listFiles(this.dir)) {
      if (ownedByTenant(path, bundle.tenant) && !desired.has(path)) await rm(join(this.dir, path));
    }
    await this.writeFiles(desired);
    await removeEmptyDirs(this.dir);
  }

  private async writeFiles(files: RepoFiles): Promise<void> {
    for (const [path, text] of files) {
      const full = join(this.dir, path);
      const current = await readFile(full, "utf8").catch(() => undefined);
      if (current === text) continue;
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, text);
    }
  }

  private async exists(path: string): Promise<boolean> {
    return stat(join(this.dir, path)).then(
      () => true,
      () => false,
    );
  }

  /** Extra objects in the tenant's manifests (e.g. the final Backup before offboarding). */
  async putExtra(tenant: string, objects: readonly KubeObject[], reason: string): Promise<CommitResult | undefined> {
    for (const o of objects) {
      const path = join(this.dir, "tenants", tenant, "manifests", manifestFileName(o));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, toYaml(o));
    }
    const kustomization = join(this.dir, "tenants", tenant, "manifests", "kustomization.yaml");
    // A tenant whose onboarding failed before delivery has no kustomization yet.
    const text = await readFile(kustomization, "utf8").catch(() => undefined);
    const current = (text === undefined ? { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: [] } : parse(text)) as { resources: string[] };
    const resources = [...new Set([...current.resources, ...objects.map(manifestFileName)])].sort();
    await writeFile(kustomization, toYaml({ ...current, resources }));
    return this.commit([`tenants/${tenant}`], `${reason} for ${tenant}`, tenant);
  }

  /** The tenant's manifest files as committed to the work tree, or undefined if it has none. */
  async tenantManifests(tenant: string): Promise<string[] | undefined> {
    const dir = join(this.dir, "tenants", tenant, "manifests");
    const names = await readdir(dir).catch(() => undefined);
    if (!names) return undefined;
    const files = names.filter((n) => n.endsWith(".yaml") && n !== "kustomization.yaml").sort();
    return Promise.all(files.map((n) => readFile(join(dir, n), "utf8")));
  }

  /** Where the tenant's app points (its placement file), or undefined if it has none. */
  async placement(tenant: string): Promise<TenantPlacementFile | undefined> {
    const text = await readFile(join(this.dir, placementPath(tenant)), "utf8").catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as TenantPlacementFile);
  }

  /**
   * The placement file as it was before the commit that deleted it, or undefined if none
   * did: an offboarding retried after its removal commit still knows where the tenant ran.
   */
  async removedPlacement(tenant: string): Promise<TenantPlacementFile | undefined> {
    const path = placementPath(tenant);
    const head = await this.git.raw(["rev-parse", "--verify", "--quiet", "HEAD"]).catch(() => "");
    if (head.trim() === "") return undefined;
    const removal = (await this.git.raw(["log", "-1", "--format=%H", "--diff-filter=D", "--", path])).trim();
    if (removal === "") return undefined;
    return JSON.parse(await this.git.raw(["show", `${removal}^:${path}`])) as TenantPlacementFile;
  }

  /** Every tenant's placement file: the fleet as the tenants ApplicationSet sees it. */
  async placements(): Promise<TenantPlacementFile[]> {
    const tenants = await readdir(join(this.dir, "tenants")).catch(() => [] as string[]);
    const out: TenantPlacementFile[] = [];
    for (const t of tenants.sort()) {
      const p = await this.placement(t);
      if (p) out.push(p);
    }
    return out;
  }

  /** Final Backups committed in the tenant's manifests (offboarding), by object name. */
  async finalBackups(tenant: string): Promise<string[]> {
    const names = await readdir(join(this.dir, "tenants", tenant, "manifests")).catch(() => [] as string[]);
    return names.filter((n) => n.startsWith(`backup-${FINAL_BACKUP_PREFIX}`)).map((n) => n.slice("backup-".length).replace(/\.yaml$/, "")).sort();
  }

  /**
   * Removes the tenant's files (its placement file, so its app goes, leaving what it deployed
   * for GitopsDelivery.remove to delete; its project, which Argo CD keeps until the app is
   * gone). Its cluster's files stay: the app is still being deleted against them.
   */
  async removeTenant(tenant: string): Promise<CommitResult | undefined> {
    for (const path of await listFiles(this.dir)) {
      if (ownedByTenant(path, tenant)) await rm(join(this.dir, path));
    }
    await removeEmptyDirs(this.dir);
    return this.commit([`tenants/${tenant}`], `offboard ${tenant}`, tenant);
  }

  /**
   * Unregisters a cluster (a dedicated cluster after its tenant left and it was destroyed).
   * Refused while any tenant's placement still names it.
   */
  async removeCluster(cluster: string): Promise<CommitResult | undefined> {
    const users = (await this.placements()).filter((p) => p.cluster === cluster).map((p) => p.tenant);
    if (users.length > 0) {
      throw new ConflictError(`cluster ${cluster} still has tenants (${users.join(", ")}); offboard or move them before unregistering it`);
    }
    for (const path of await listFiles(this.dir)) {
      if (ownedByCluster(path, cluster)) await rm(join(this.dir, path));
    }
    await removeEmptyDirs(this.dir);
    return this.commit([], `unregister cluster ${cluster}`);
  }

  /**
   * Step 3 of moving a repository from the layout of docs/adr/0005 (docs/adr/0016,
   * Consequences): the old clusters/ tree goes in one commit, once the old bootstrap apps
   * and per-cluster ApplicationSets were deleted without cascade and every tenant was
   * written in the new layout. Refused while a tenant has no placement file yet.
   */
  async removeLegacyLayout(): Promise<CommitResult | undefined> {
    const files = await listFiles(this.dir);
    const legacy = files.filter((f) => f.startsWith("clusters/"));
    if (legacy.length === 0) return undefined;
    const pointed = new Set(legacy.filter((f) => f.split("/")[2] === "waves").map((f) => f.split("/")[4] ?? ""));
    const placed = new Set((await this.placements()).map((p) => p.tenant));
    const missing = [...pointed].filter((t) => !placed.has(t)).sort();
    if (missing.length > 0) {
      throw new ConflictError(`tenants ${missing.join(", ")} are not written in the new layout yet; run \`landlord reconcile\` (or update them) before removing clusters/`);
    }
    await rm(join(this.dir, "clusters"), { recursive: true, force: true });
    await this.git.raw(["add", "-A", "--", "clusters"]);
    const message = "migrate the fleet repository to the layout of docs/adr/0016: remove clusters/";
    const commit = await this.git.commit(message, ["clusters"]);
    await this.pushIfAhead();
    return { sha: commit.commit, message, files: legacy.sort() };
  }

  /**
   * Stages the given tenant folders and the fleet's own folders (argocd/, platform/, charts/), and
   * nothing else, commits, and pushes whatever the remote lacks: a push that failed before
   * is retried with the next change.
   */
  private async commit(tenantPaths: readonly string[], message: string | undefined, tenant?: string): Promise<CommitResult | undefined> {
    const paths: string[] = [];
    // A pathspec that matches nothing (a folder never written, nor tracked) fails git add.
    for (const p of [...tenantPaths, ...FLEET_DIRS]) {
      if ((await this.exists(p)) || (await this.git.raw(["ls-files", "--", p])).trim() !== "") paths.push(p);
    }
    if (paths.length === 0) return undefined;
    await this.git.raw(["add", "-A", "--ignore-errors", "--", ...paths]);
    const status = await this.git.status();
    const staged = status.files.filter((f) => f.index !== " " && f.index !== "?");
    let result: CommitResult | undefined;
    if (staged.length > 0) {
      const text = message ?? `update ${tenant ?? "fleet"}: ${summarise(staged.map((f) => ({ path: f.path, index: f.index })), tenant ?? "")}`;
      const commit = await this.git.commit(text, paths);
      result = { sha: commit.commit, message: text, files: staged.map((f) => f.path).sort() };
    }
    await this.pushIfAhead();
    return result;
  }

  private async pushIfAhead(): Promise<void> {
    const remote = this.options.pushTo;
    if (remote === undefined) return;
    const branch = this.options.branch ?? "main";
    try {
      await this.git.push(remote, branch);
    } catch (err) {
      // The commit is safe locally; the workflow step retries the push.
      throw new RetryableError(`push to ${remote}/${branch} failed: ${err instanceof Error ? err.message.split("\n")[0] ?? "" : String(err)}`);
    }
  }
}

async function removeEmptyDirs(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true });
  let empty = true;
  for (const e of entries) {
    if (e.name === ".git") {
      empty = false;
      continue;
    }
    if (e.isDirectory()) {
      const sub = join(dir, e.name);
      if (await removeEmptyDirs(sub)) await rm(sub, { recursive: true });
      else empty = false;
    } else empty = false;
  }
  return empty;
}
