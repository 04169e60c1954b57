/**
 * Issue 24, item 6: Argo CD no longer deletes a tenant's namespace when the tenant's app goes
 * (docs/adr/0026), so GitOps offboarding deletes it itself: after the final Backup was seen
 * completed, after the removal commit reached the remote Argo CD reads, and only a namespace
 * that carries the tenant's label. Without write access to the cluster it is kept, and the
 * result says how to delete it.
 */
import { once } from "node:events";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { kubeTenantNamespaces } from "../../src/delivery/gitops/backup-observer.js";
import { GitopsDelivery, type BackupObservation, type NamespaceRef, type TenantNamespaces } from "../../src/delivery/gitops/gitops-delivery.js";
import { GitopsRepo } from "../../src/delivery/gitops/repo.js";
import { KubeconfigResolver } from "../../src/delivery/kubernetes/kubeconfig.js";
import { ConflictError, isRetryable, RetryableError } from "../../src/errors.js";
import type { KubeObject } from "../../src/render/object.js";
import { toYaml } from "../../src/render/serialize.js";
import { runTenantWorkflow } from "../../src/workflows/tenant/run-tenant-workflow.js";
import { submitOffboard } from "../../src/workflows/tenant/submit.js";
import { tenantDoc } from "../support/fixtures.js";
import { ctx, git, put, settings, tenant } from "./support/fleet-repo.js";
import { BACKENDS, unique, useBackend } from "../store/support/backends.js";
import { finishedStatus, foldersUnder, harness, OFFBOARD_STEPS, onboard, useTempRoot } from "../workflows/tenant/support/harness.js";


const backup = (tenantName: string, name: string): KubeObject => ({
  apiVersion: "postgresql.cnpg.io/v1",
  kind: "Backup",
  metadata: { name, namespace: `tenant-${tenantName}`, labels: {} },
  spec: { cluster: { name: "db" }, method: "plugin", pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" } },
});

/** Namespaces on fake clusters; each deletion records what the remote held at that moment. */
class FakeNamespaces implements TenantNamespaces {
  readonly live = new Set<string>();
  readonly deletions: { ref: NamespaceRef; remoteHead: string }[] = [];
  failNext: Error | undefined;
  terminatingPolls = 0;
  constructor(private readonly remote: string | undefined) {}

  async delete(ref: NamespaceRef): Promise<boolean> {
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    const remoteHead = this.remote === undefined ? "" : (await git(this.remote, "log", "-1", "--format=%s")).trim();
    this.deletions.push({ ref, remoteHead });
    return this.live.delete(`${ref.cluster}/${ref.namespace}`);
  }

  exists(ref: NamespaceRef): Promise<boolean> {
    if (this.terminatingPolls > 0) {
      this.terminatingPolls--;
      return Promise.resolve(true);
    }
    return Promise.resolve(this.live.has(`${ref.cluster}/${ref.namespace}`));
  }
}

const completed = (): Promise<BackupObservation> => Promise.resolve({ found: true, phase: "completed" });

describe("GitopsDelivery.remove deletes the tenant's namespace itself", () => {
  let dir: string;
  let remote: string;
  let repo: GitopsRepo;
  beforeEach(async () => {
    const root = await mkdtemp(join(tmpdir(), "landlord-gitops-offboard-"));
    dir = join(root, "fleet");
    remote = join(root, "remote.git");
    await git(root, "init", "--bare", "--initial-branch", "main", remote);
    repo = await GitopsRepo.open({ dir, pushTo: "origin" });
    await git(dir, "remote", "add", "origin", remote);
  });

  test("not before the final Backup completed, and only once the removal commit is on the remote", async () => {
    await put(repo, tenant("acme"));
    const namespaces = new FakeNamespaces(remote);
    namespaces.live.add("aks-weu-1/tenant-acme");
    let phase: BackupObservation = { found: true, phase: "running" };
    const delivery = new GitopsDelivery(repo, settings, () => Promise.resolve(phase), namespaces);
    await delivery.applyExtra("acme", [backup("acme", "db-final-00000010")], "final-backup");

    await expect(delivery.remove("acme")).rejects.toThrow(/not completed yet/);
    expect(namespaces.deletions).toEqual([]);

    phase = { found: true, phase: "completed" };
    const result = await delivery.remove("acme");
    expect(namespaces.deletions).toEqual([{ ref: { cluster: "aks-weu-1", namespace: "tenant-acme", tenant: "acme" }, remoteHead: "offboard acme" }]);
    expect(result).toMatchObject({ changed: true, detail: expect.stringMatching(/^commit [0-9a-f]{8}: offboard acme; deleting namespace tenant-acme on aks-weu-1 and everything in it$/) as unknown });
    expect(result.skipped).toBeUndefined();
    expect(namespaces.live.size).toBe(0);
  });

  test("a dedicated cluster's tenant: its own cluster and namespace", async () => {
    await put(repo, tenant("initech", { tier: "large" }));
    const namespaces = new FakeNamespaces(remote);
    await new GitopsDelivery(repo, settings, completed, namespaces).remove("initech");
    expect(namespaces.deletions.map((d) => d.ref)).toEqual([{ cluster: "aks-initech", namespace: "tenant-initech", tenant: "initech" }]);
  });

  test("a push that fails deletes nothing; the retried step pushes, then deletes", async () => {
    await put(repo, tenant("acme"));
    const namespaces = new FakeNamespaces(remote);
    namespaces.live.add("aks-weu-1/tenant-acme");
    const delivery = new GitopsDelivery(repo, settings, completed, namespaces);
    await git(dir, "remote", "set-url", "origin", join(dir, "..", "nowhere.git"));
    const failed = await delivery.remove("acme").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRetryable(failed)).toBe(true);
    expect(namespaces.deletions).toEqual([]);
    await git(dir, "remote", "set-url", "origin", remote);
    const result = await delivery.remove("acme");
    // The commit was made by the first attempt; the placement file it deleted still says where the tenant ran.
    expect(result.detail).toBe("nothing to remove; deleting namespace tenant-acme on aks-weu-1 and everything in it");
    expect(namespaces.deletions).toEqual([{ ref: { cluster: "aks-weu-1", namespace: "tenant-acme", tenant: "acme" }, remoteHead: "offboard acme" }]);
  });

  test("a deletion that failed after the commit is retried against the same namespace", async () => {
    await put(repo, tenant("acme"));
    const namespaces = new FakeNamespaces(remote);
    namespaces.live.add("aks-weu-1/tenant-acme");
    namespaces.failNext = new RetryableError("aks-weu-1 unreachable");
    const delivery = new GitopsDelivery(repo, settings, completed, namespaces);
    await expect(delivery.remove("acme")).rejects.toThrow(/unreachable/);
    expect((await git(dir, "log", "-1", "--format=%s")).trim()).toBe("offboard acme");
    const result = await delivery.remove("acme");
    expect(result.changed).toBe(true);
    expect(namespaces.deletions.map((d) => d.ref)).toEqual([{ cluster: "aks-weu-1", namespace: "tenant-acme", tenant: "acme" }]);
    // Once more: the namespace is already gone, which is no change.
    expect(await delivery.remove("acme")).toMatchObject({ changed: false, detail: "nothing to remove; namespace tenant-acme on aks-weu-1 already gone" });
  });

  test("a tenant never written to the repository has no namespace to delete", async () => {
    const namespaces = new FakeNamespaces(remote);
    await put(repo, tenant("acme"));
    const result = await new GitopsDelivery(repo, settings, completed, namespaces).remove("globex");
    expect(result).toMatchObject({ changed: false, detail: "nothing to remove; no placement was ever committed, so no namespace to delete" });
    expect(namespaces.deletions).toEqual([]);
  });

  test("waitGone waits while the namespace terminates", async () => {
    await put(repo, tenant("acme"));
    const namespaces = new FakeNamespaces(remote);
    namespaces.live.add("aks-weu-1/tenant-acme");
    const delivery = new GitopsDelivery(repo, settings, completed, namespaces);
    await delivery.remove("acme");
    namespaces.terminatingPolls = 2;
    expect(delivery.waitGone).toBeDefined();
    expect(await delivery.waitGone?.("acme", new AbortController().signal)).toEqual({ ready: true });
    expect(namespaces.terminatingPolls).toBe(0);
  });

  test("without write access: the removal is committed, the namespace is kept, and the result says how to delete it", async () => {
    await put(repo, tenant("acme"));
    const delivery = new GitopsDelivery(repo, settings, completed);
    const result = await delivery.remove("acme");
    expect(result.changed).toBe(true);
    expect(result.skipped).toMatch(/no write access to aks-weu-1 .*once Application tenant-acme is gone from Argo CD, delete it with `kubectl --context aks-weu-1 delete namespace tenant-acme`$/);
    expect(result.detail).toMatch(/^commit [0-9a-f]{8}: offboard acme; namespace tenant-acme on aks-weu-1 kept: /);
    // Nothing to observe: the offboard workflow's wait-gone step says so, as before.
    expect(delivery.waitGone).toBeUndefined();
  });
});

describe("kubeTenantNamespaces on an API server", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  /** A tiny API server holding namespaces by name with their labels; every request is recorded. */
  async function apiServer(namespaces: Map<string, Record<string, string>>): Promise<{ resolver: KubeconfigResolver; requests: string[] }> {
    const requests: string[] = [];
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        requests.push(`${req.method ?? ""} ${req.url ?? ""}${body === "" ? "" : ` ${body}`}`);
        const name = decodeURIComponent((req.url ?? "").replace(/^\/api\/v1\/namespaces\//, "").split("?")[0] ?? "");
        const labels = namespaces.get(name);
        if (labels === undefined) {
          res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ kind: "Status", status: "Failure", reason: "NotFound", message: `namespaces "${name}" not found`, code: 404 }));
          return;
        }
        if (req.method === "DELETE") namespaces.delete(name);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } }));
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    const file = join(await mkdtemp(join(tmpdir(), "landlord-kubeconfig-")), "config");
    await writeFile(
      file,
      toYaml({
        apiVersion: "v1",
        kind: "Config",
        // Plain HTTP needs this in @kubernetes/client-node; nothing secret crosses it.
        clusters: [{ name: "aks-weu-1", cluster: { server: `http://127.0.0.1:${String(port)}`, "insecure-skip-tls-verify": true } }],
        users: [{ name: "landlord", user: { token: "t" } }],
        contexts: [{ name: "aks-weu-1", context: { cluster: "aks-weu-1", user: "landlord" } }],
        "current-context": "aks-weu-1",
      }),
    );
    return { resolver: new KubeconfigResolver({ file, contexts: {} }), requests };
  }

  const ref = (namespace: string, tenantName: string): NamespaceRef => ({ cluster: "aks-weu-1", namespace, tenant: tenantName });

  test("deletes the tenant's labelled namespace, and tells a namespace already gone", async () => {
    const live = new Map([["tenant-acme", { "landlord.dev/tenant": "acme" }]]);
    const { resolver, requests } = await apiServer(live);
    const namespaces = kubeTenantNamespaces(resolver);
    expect(await namespaces.exists(ref("tenant-acme", "acme"))).toBe(true);
    expect(await namespaces.delete(ref("tenant-acme", "acme"))).toBe(true);
    expect(requests).toContain(`DELETE /api/v1/namespaces/tenant-acme {"propagationPolicy":"Foreground"}`);
    expect(await namespaces.exists(ref("tenant-acme", "acme"))).toBe(false);
    expect(await namespaces.delete(ref("tenant-acme", "acme"))).toBe(false);
  });

  test("refuses a namespace that is not the tenant's", async () => {
    const live = new Map([["tenant-acme", { "landlord.dev/tenant": "globex" }]]);
    const { resolver, requests } = await apiServer(live);
    const error = await kubeTenantNamespaces(resolver)
      .delete(ref("tenant-acme", "acme"))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toBe("namespace tenant-acme on aks-weu-1 does not carry landlord.dev/tenant=acme; not deleting what Landlord did not create");
    expect(requests.filter((r) => r.startsWith("DELETE"))).toEqual([]);
    expect(live.has("tenant-acme")).toBe(true);
  });
});

describe.each(BACKENDS.slice(0, 1))("the offboard workflow in GitOps mode with cluster access, on $name", (factory) => {
  const backend = useBackend(factory);
  const root = useTempRoot("landlord-gitops-offboard-wf-");

  test("final Backup, removal commit, then the namespace deleted and waited for; every step Succeeded", async () => {
    const store = await backend.open();
    const repoDir = join(root(), "fleet");
    const repo = await GitopsRepo.open({ dir: repoDir });
    const namespaces = new FakeNamespaces(undefined);
    const observed: string[] = [];
    const delivery = new GitopsDelivery(
      repo,
      settings,
      (r) => {
        observed.push(r.name);
        return completed();
      },
      namespaces,
    );
    const h = harness({ store, platform: ctx, folders: foldersUnder(root()), delivery });
    const name = unique("gitops");
    expect(finishedStatus((await onboard(h, tenantDoc(name))).result)).toBe("Succeeded");
    namespaces.live.add(`aks-weu-1/tenant-${name}`);

    const off = await submitOffboard(h.services, h.engine, name, { actor: "tester", force: false, now: new Date() });
    expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, off.id))).toBe("Succeeded");
    const steps = await store.workflows.steps(off.id);
    expect(steps.map((s) => [s.name, s.status])).toEqual(OFFBOARD_STEPS.map((n) => [n, "Succeeded"]));
    const out = Object.fromEntries(steps.map((s) => [s.name, s.output as Record<string, unknown>]));
    expect(observed).toEqual([`db-final-${off.id.slice(0, 8)}`]);
    expect(String(out["delete"]?.["detail"])).toMatch(new RegExp(`: offboard ${name}; deleting namespace tenant-${name} on aks-weu-1 and everything in it$`));
    expect(out["wait-gone"]).toEqual({ gone: true });
    expect(namespaces.deletions.map((d) => d.ref)).toEqual([{ cluster: "aks-weu-1", namespace: `tenant-${name}`, tenant: name }]);
    expect((await git(repoDir, "log", "--format=%s")).trim().split("\n").slice(0, 2)).toEqual([`offboard ${name}`, `final-backup for ${name}`]);
  });
});
