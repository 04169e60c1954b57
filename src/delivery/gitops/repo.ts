/**
 * GitOps delivery: a real Git repository that Landlord commits to, one commit per
 * change naming the tenant and what changed, pushed when a remote is configured.
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { CheckRepoActions, simpleGit, type SimpleGit } from "simple-git";
import type { Bundle } from "../../render/bundle.js";
import type { GitopsSettings } from "../../render/gitops/argocd.js";
import { clusterFiles, manifestFileName, ownedByTenant, tenantFiles, type RepoFiles } from "../../render/gitops/layout.js";
import type { KubeObject } from "../../render/object.js";
import { toYaml } from "../../render/serialize.js";
import { parse } from "yaml";
import { RetryableError } from "../../errors.js";
import type { Wave } from "../../spec/waves.js";

export interface GitopsRepoOptions {
  readonly dir: string;
  /** Remote name to push to after each commit (e.g. "origin"); no push without it. */
  readonly pushTo?: string;
  readonly branch?: string;
  readonly author?: { name: string; email: string };
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

  /** Writes the tenant's files (and its cluster's shared files), prunes what it no longer has, commits. */
  async putTenant(bundle: Bundle, tenantSpecYaml: string, wave: Wave, settings: GitopsSettings): Promise<CommitResult | undefined> {
    const desired: RepoFiles = new Map([...clusterFiles(bundle.placement.cluster, settings), ...tenantFiles(bundle, tenantSpecYaml, wave, settings)]);
    const existing = await listFiles(this.dir);
    const isNew = !existing.includes(`tenants/${bundle.tenant}/tenant.yaml`);
    for (const path of existing) {
      if (ownedByTenant(path, bundle.tenant) && !desired.has(path)) await rm(join(this.dir, path));
    }
    for (const [path, text] of desired) {
      const full = join(this.dir, path);
      const current = await readFile(full, "utf8").catch(() => undefined);
      if (current === text) continue;
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, text);
    }
    await this.pruneEmptyClusters();
    const message = isNew
      ? `onboard ${bundle.tenant} (tier ${bundle.tier}, cluster ${bundle.placement.cluster}, wave ${wave})`
      : undefined;
    return this.commit(bundle.tenant, message);
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
    return this.commit(tenant, `${reason} for ${tenant}`);
  }

  /** The tenant's manifest files as committed to the work tree, or undefined if it has none. */
  async tenantManifests(tenant: string): Promise<string[] | undefined> {
    const dir = join(this.dir, "tenants", tenant, "manifests");
    const names = await readdir(dir).catch(() => undefined);
    if (!names) return undefined;
    const files = names.filter((n) => n.endsWith(".yaml") && n !== "kustomization.yaml").sort();
    return Promise.all(files.map((n) => readFile(join(dir, n), "utf8")));
  }

  async removeTenant(tenant: string): Promise<CommitResult | undefined> {
    for (const path of await listFiles(this.dir)) {
      if (ownedByTenant(path, tenant)) await rm(join(this.dir, path));
    }
    await this.pruneEmptyClusters();
    return this.commit(tenant, `offboard ${tenant}`);
  }

  /** A cluster folder with no tenant left (a dedicated cluster after offboarding) goes too. */
  private async pruneEmptyClusters(): Promise<void> {
    const files = await listFiles(this.dir);
    const clusters = new Set(files.filter((f) => f.startsWith("clusters/")).map((f) => f.split("/")[1] ?? ""));
    for (const c of clusters) {
      const hasTenants = files.some((f) => f.startsWith(`clusters/${c}/waves/`));
      if (!hasTenants) await rm(join(this.dir, "clusters", c), { recursive: true, force: true });
    }
    // Empty directories are invisible to Git but not to the directory generator's checkout.
    await removeEmptyDirs(this.dir);
  }

  /**
   * Stages only what belongs to this tenant (its folder, and the clusters/ tree where its
   * project, pointer and shared cluster files live), commits, and pushes whatever the
   * remote lacks: a push that failed before is retried with the next change.
   */
  private async commit(tenant: string, message: string | undefined): Promise<CommitResult | undefined> {
    const paths = [`tenants/${tenant}`, "clusters"];
    await this.git.raw(["add", "-A", "--ignore-errors", "--", ...paths]);
    const status = await this.git.status();
    const staged = status.files.filter((f) => f.index !== " " && f.index !== "?");
    let result: CommitResult | undefined;
    if (staged.length > 0) {
      const text = message ?? `update ${tenant}: ${summarise(staged.map((f) => ({ path: f.path, index: f.index })), tenant)}`;
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
