/**
 * Onboarding as a durable workflow on a real store (SQLite and PostgreSQL): the whole run
 * with its outputs, files, token and audit; GitOps delivery into a real Git repository;
 * two engines on one workflow; invalid specs refused before anything is written.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";

import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { DirectoryDelivery } from "../../../src/delivery/directory/directory-delivery.js";
import { GitopsDelivery } from "../../../src/delivery/gitops/gitops-delivery.js";
import { GitopsRepo } from "../../../src/delivery/gitops/repo.js";
import { InputError } from "../../../src/errors.js";
import { renderBundle } from "../../../src/render/bundle.js";
import { gitopsSettings } from "../../../src/render/gitops/argocd.js";
import { toJson, toYaml, toYamlStream } from "../../../src/render/serialize.js";
import { sha256 } from "../../../src/store/index.js";
import type { ProgressEvent } from "../../../src/workflows/engine/index.js";
import { runTenantWorkflow } from "../../../src/workflows/tenant/run-tenant-workflow.js";
import { isPlacementRecord, resolveSpec } from "../../../src/workflows/tenant/services.js";
import { submitOffboard, submitOnboard } from "../../../src/workflows/tenant/submit.js";
import { platform, tenantDoc } from "../../support/fixtures.js";
import { platformWith } from "../../support/platform-variants.js";
import { BACKENDS, unique, useBackend } from "../../store/support/backends.js";
import {
  dumpTables,
  exists,
  fileMode,
  finishedStatus,
  foldersUnder,
  harness,
  OFFBOARD_STEPS,
  onboard,
  ONBOARD_STEPS,
  rowCounts,
  TERRAFORM_SKIPPED,
  traces,
  tree,
  useTempRoot,
} from "./support/harness.js";
import { gate, HookedDelivery } from "./support/hooked-delivery.js";

const exec = promisify(execFile);
const git = async (dir: string, ...args: string[]): Promise<string> => (await exec("git", args, { cwd: dir })).stdout;

const ctx = platform();
const gitopsCtx = platform(platformWith(["integrations", "gitops"], { repoURL: "https://git.example.com/fleet.git", revision: "main", argocdNamespace: "argocd" }));

function outputsOf(steps: readonly { name: string; output: unknown }[]): Record<string, Record<string, unknown>> {
  return Object.fromEntries(steps.map((s) => [s.name, s.output as Record<string, unknown>]));
}

describe.each(BACKENDS)("onboarding on $name", (factory) => {
  const backend = useBackend(factory);
  const root = useTempRoot("landlord-onboard-");

  test("end to end: Ready, every step Succeeded and timed, files rendered, the token kept only as a hash, audited", async () => {
    const store = await backend.open();
    const h = harness({ store, platform: ctx, folders: foldersUnder(root()) });
    const name = unique("acme");
    const spec = tenantDoc(name, { domains: [`${name}.apps.example.com`, `www.${name}.example.org`] });

    const started = Date.now();
    const { wf, result } = await onboard(h, spec);
    const elapsed = Date.now() - started;
    expect(finishedStatus(result)).toBe("Succeeded");

    const tenant = await store.tenants.require(name);
    expect(tenant).toMatchObject({ phase: "Ready", generation: 1, domains: [`${name}.apps.example.com`, `www.${name}.example.org`].sort() });
    expect(tenant.placement).toEqual({ cluster: "aks-weu-1", region: "westeurope", dedicatedCluster: false, sharedCpuMillis: "3000" });
    expect(await store.workflows.list({ tenantName: name })).toEqual([expect.objectContaining({ id: wf.id, kind: "onboard", status: "Succeeded", attempt: 1, leaseOwner: null })]);

    const steps = await store.workflows.steps(wf.id);
    expect(steps.map((s) => [s.name, s.status, s.attempts, s.error])).toEqual(ONBOARD_STEPS.map((n) => [n, "Succeeded", 1, null]));
    for (const s of steps) {
      expect(s.durationMs, s.name).toEqual(expect.any(Number));
      expect(s.durationMs, s.name).toBeGreaterThanOrEqual(0);
      expect(s.finishedAt, s.name).toBeInstanceOf(Date);
    }
    const out = outputsOf(steps);
    expect(out["validate"]).toEqual({ tier: "small", cluster: "aks-weu-1", namespace: `tenant-${name}`, version: "1.0.0" });
    expect(out["reserve"]).toEqual({ generation: 1, domains: tenant.domains });
    // No backend in landlord.yaml: the step is skipped, says why, and writes no workspace.
    expect(out["cloud-resources"]).toEqual({ skipped: TERRAFORM_SKIPPED });
    expect(await exists(h.workspaceDir)).toBe(false);
    expect(out["apply"]).toMatchObject({ delivery: "directory", target: join(h.outDir, name), changed: true });
    expect(out["wait-ready"]).toEqual({ ready: false, skipped: "directory delivery: files only, no cluster to wait for" });
    expect(out["monitoring"]).toMatchObject({ alertRoute: { receiver: "tenant-contacts", email: `ops@${name}.example.com`, webhook: false } });

    // The rendered files are exactly what the pure renderer makes of the stored spec and placement.
    if (!isPlacementRecord(tenant.placement)) throw new Error("no placement recorded");
    const resolved = resolveSpec(h.services, tenant.spec, { placement: tenant.placement });
    const bundle = renderBundle(ctx.config, resolved);
    expect(out["render"]).toMatchObject({ objects: bundle.objects.length });
    expect(await tree(h.outDir)).toEqual(
      new Map([
        [`${name}/kubernetes.yaml`, toYamlStream(bundle.objects)],
        [`${name}/tenant.yaml`, toYaml(resolved.tenant)],
        [`${name}/terraform.tfvars.json`, toJson(bundle.terraform.variables)],
      ]),
    );
    const objects = parseAllDocuments(await readFile(join(h.outDir, name, "kubernetes.yaml"), "utf8")).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
    expect(objects).toContainEqual(expect.objectContaining({ kind: "Namespace", metadata: expect.objectContaining({ name: `tenant-${name}` }) as unknown }));
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(["Deployment", "Cluster", "Ingress", "ResourceQuota", "NetworkPolicy", "PrometheusRule"]));

    // The API token: a 0600 file in a 0700 folder, and only its sha256 in the store.
    const tokenFile = join(h.credentialsDir, name, "api-token");
    expect(out["credentials"]).toMatchObject({ apiToken: { id: `onboard-${wf.id}`, file: tokenFile } });
    expect([...(await tree(h.credentialsDir)).keys()]).toEqual([`${name}/api-token`]);
    expect(await fileMode(tokenFile)).toBe(0o600);
    expect(await fileMode(dirname(tokenFile))).toBe(0o700);
    const token = (await readFile(tokenFile, "utf8")).trim();
    expect(token).toMatch(/^ll_[A-Za-z0-9_-]{43}$/);
    expect(await store.db.selectFrom("api_tokens").selectAll().where("tenant_name", "=", name).execute()).toEqual([
      expect.objectContaining({ id: `onboard-${wf.id}`, name: "onboarding", token_sha256: sha256(token), revoked_at: null }),
    ]);
    expect(await store.tokens.verify(token)).toMatchObject({ tenantName: name, revokedAt: null });
    const dump = await dumpTables(store);
    expect(Object.keys(dump)).toEqual(expect.arrayContaining(["tenants", "tenant_domains", "workflows", "workflow_steps", "audit_log", "api_tokens"]));
    const dumpText = JSON.stringify(dump);
    expect(dumpText).toContain(sha256(token));
    expect(dumpText).not.toContain(token);
    expect(dumpText).not.toContain(token.slice(3, 30));

    const audit = await store.audit.list({ tenantName: name });
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ["tenant.onboard-requested", "tester"],
      ["tenant.onboarded", "tester"],
    ]);
    expect(audit[0]?.details).toMatchObject({ workflowId: wf.id, spec: { metadata: { name } } });
    const ttl = (audit[1]?.details as { timeToLiveMs?: unknown; workflowId?: unknown }).timeToLiveMs;
    expect(audit[1]?.details).toMatchObject({ workflowId: wf.id });
    expect(ttl).toEqual(expect.any(Number));
    expect(ttl).toBeGreaterThanOrEqual(0);
    expect(ttl).toBeLessThanOrEqual(elapsed);
    expect(out["done"]).toEqual({ phase: "Ready", timeToLiveMs: ttl });
  });

  test("GitOps delivery into a real Git repository: one commit per change; offboarding commits the final Backup, then removes every file of the tenant", async () => {
    const store = await backend.open();
    const repoDir = join(root(), "fleet");
    const repo = await GitopsRepo.open({ dir: repoDir });
    const h = harness({ store, platform: gitopsCtx, folders: foldersUnder(root()), delivery: new GitopsDelivery(repo, gitopsSettings(gitopsCtx.config)) });
    const name = unique("gitops");

    const { wf, result } = await onboard(h, tenantDoc(name));
    expect(finishedStatus(result)).toBe("Succeeded");
    const onboardMessage = new RegExp(`^onboard ${name} \\(tier small, cluster aks-weu-1, wave [a-z0-9-]+\\)$`);
    const out = outputsOf(await store.workflows.steps(wf.id));
    expect(out["apply"]).toMatchObject({ delivery: "gitops", target: repoDir, changed: true });
    expect(String(out["apply"]?.["detail"])).toMatch(/^commit [0-9a-f]{8}: onboard /);
    expect(out["wait-ready"]?.["skipped"]).toMatch(/^GitOps delivery: /);
    expect(out["cloud-resources"]).toEqual({ skipped: TERRAFORM_SKIPPED });
    const subjects = async (): Promise<string[]> => (await git(repoDir, "log", "--format=%s")).trim().split("\n");
    const onboarded = await subjects();
    expect(onboarded).toHaveLength(1);
    expect(onboarded[0]).toMatch(onboardMessage);
    expect(await git(repoDir, "status", "--porcelain")).toBe("");
    const files = (await git(repoDir, "ls-files")).trim().split("\n");
    expect(files).toContain(`tenants/${name}/tenant.yaml`);
    expect(files).toContain(`argocd/projects/tenant-${name}.yaml`);
    expect(files.filter((f) => f.startsWith(`tenants/${name}/manifests/deployment-`))).toHaveLength(1);

    // Without access to the cluster, the final Backup is committed but its completion cannot be
    // seen: offboarding stops before removing anything and says how to confirm it.
    const off = await submitOffboard(h.services, h.engine, name, { actor: "tester", force: false, now: new Date() });
    const stopped = await runTenantWorkflow(h.services, h.engine, off.id);
    expect(finishedStatus(stopped)).toMatch(/^Failed: step 'delete' failed: /);
    const backupName = `db-final-${off.id.slice(0, 8)}`;
    const failed = await store.workflows.require(off.id);
    expect(failed.error).toMatch(new RegExp(`cannot observe whether it completed; nothing was removed.*landlord offboard ${name} --backup-confirmed ${backupName}`));
    const backupFile = `tenants/${name}/manifests/backup-${backupName}.yaml`;
    expect(await subjects()).toEqual([`final-backup for ${name}`, onboarded[0]]);
    const added = (await git(repoDir, "show", "--name-status", "--format=", "HEAD")).trim().split("\n");
    expect(added).toEqual(expect.arrayContaining([`A\t${backupFile}`, `M\ttenants/${name}/manifests/kustomization.yaml`]));
    expect(parse(await git(repoDir, "show", `HEAD:${backupFile}`))).toMatchObject({
      kind: "Backup",
      metadata: { name: backupName, namespace: `tenant-${name}` },
      spec: { cluster: { name: "db" }, method: "plugin", pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" } },
    });
    expect((await git(repoDir, "ls-files")).trim().split("\n")).toContain(`tenants/${name}/tenant.yaml`);
    expect((await store.tenants.require(name)).phase).toBe("Offboarding");

    // The operator checked the Backup by hand and says so: recorded, then the tenant's files go.
    const again = await submitOffboard(h.services, h.engine, name, { actor: "tester", force: false, now: new Date(), confirmedBackups: [backupName] });
    expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, again.id))).toBe("Succeeded");
    const offSteps = await store.workflows.steps(again.id);
    expect(offSteps.map((s) => [s.name, s.status])).toEqual(OFFBOARD_STEPS.map((n) => [n, "Succeeded"]));
    const offOut = outputsOf(offSteps);
    expect(offOut["final-backup"]).toMatchObject({ confirmed: [backupName] });
    expect(offOut["cloud-destroy"]).toMatchObject({ kept: "nothing was created by Terraform for this tenant, so nothing is kept or purged" });
    expect(await subjects()).toEqual([`offboard ${name}`, `final-backup for ${name}`, onboarded[0]]);
    const audit = await store.audit.list({ tenantName: name });
    expect(audit.map((e) => e.action)).toContain("tenant.final-backup-confirmed");
    // Nothing of the tenant is left; the cluster's files stay for its registration (ADR 0016).
    expect((await git(repoDir, "ls-files")).split("\n").filter((f) => f.startsWith("tenants/"))).toEqual([]);
    expect(await git(repoDir, "status", "--porcelain")).toBe("");
  });

  test("two engines started on one onboarding: only one runs the steps, the other is told it is busy", async () => {
    const [storeA, storeB] = [await backend.open(), await backend.open()];
    const folders = foldersUnder(root());
    const held = gate();
    const entered = gate();
    const hold = (): Promise<void> => {
      entered.open();
      return held.promise;
    };
    const deliveryA = new HookedDelivery(new DirectoryDelivery(folders.outDir), { beforeApply: hold });
    const deliveryB = new HookedDelivery(new DirectoryDelivery(folders.outDir), { beforeApply: hold });
    const started = { a: 0, b: 0 };
    const count = (who: "a" | "b") => (e: ProgressEvent) => {
      if (e.type === "step-started") started[who]++;
    };
    const a = harness({ store: storeA, platform: ctx, folders, delivery: deliveryA, owner: "engine-a", onProgress: count("a") });
    const b = harness({ store: storeB, platform: ctx, folders, delivery: deliveryB, owner: "engine-b", onProgress: count("b") });
    const name = unique("twice");
    const wf = await submitOnboard(a.services, a.engine, tenantDoc(name), "tester", new Date());

    const runs = [runTenantWorkflow(a.services, a.engine, wf.id), runTenantWorkflow(b.services, b.engine, wf.id)];
    // The winner is held inside apply; the loser must come back at once without running anything.
    expect(await Promise.race(runs)).toMatchObject({ outcome: "busy" });
    await entered.promise;
    expect(deliveryA.calls.apply + deliveryB.calls.apply).toBe(1);
    const holder = (await storeA.workflows.require(wf.id)).leaseOwner;
    expect(["engine-a", "engine-b"]).toContain(holder);
    // A third try by the loser while the winner is still in apply is refused as well.
    const loser = holder === "engine-a" ? b : a;
    expect(await runTenantWorkflow(loser.services, loser.engine, wf.id)).toMatchObject({ outcome: "busy" });
    held.open();
    const results = await Promise.all(runs);

    expect(results.map((r) => r.outcome).sort()).toEqual(["busy", "finished"]);
    expect(finishedStatus(results.find((r) => r.outcome === "finished") ?? { outcome: "busy" })).toBe("Succeeded");
    expect(deliveryA.calls.apply + deliveryB.calls.apply).toBe(1);
    expect(holder === "engine-a" ? [deliveryA.calls.apply, deliveryB.calls.apply] : [deliveryB.calls.apply, deliveryA.calls.apply]).toEqual([1, 0]);
    expect(holder === "engine-a" ? [started.a, started.b] : [started.b, started.a]).toEqual([ONBOARD_STEPS.length, 0]);
    expect(await storeA.workflows.require(wf.id)).toMatchObject({ status: "Succeeded", attempt: 1 });
    expect((await storeA.workflows.steps(wf.id)).map((s) => [s.name, s.status, s.attempts])).toEqual(ONBOARD_STEPS.map((n) => [n, "Succeeded", 1]));
    expect(await storeA.tokens.list(name)).toHaveLength(1);
    expect((await storeA.audit.list({ tenantName: name })).map((e) => e.action)).toEqual(["tenant.onboard-requested", "tenant.onboarded"]);
  });

  const invalid: { what: string; spec: (name: string) => Record<string, unknown>; path: string; message: RegExp }[] = [
    { what: "an unknown tier", spec: (n) => tenantDoc(n, { tier: "gold" }), path: "spec.tier", message: /unknown tier 'gold'/ },
    { what: "a malformed domain", spec: (n) => tenantDoc(n, { domains: ["not a domain!"] }), path: "spec.domains[0]", message: /./ },
    { what: "a reserved name", spec: () => tenantDoc("kube-system"), path: "metadata.name", message: /reserved/ },
    { what: "overrides above the tier's ceilings", spec: (n) => tenantDoc(n, { overrides: { app: { autoscaling: { maxReplicas: 50 } } } }), path: "spec.overrides.app.autoscaling.maxReplicas", message: /./ },
    { what: "a pin to a cluster that does not exist", spec: (n) => tenantDoc(n, { spec: { placement: { cluster: "aks-nowhere" } } }), path: "spec.placement.cluster", message: /'aks-nowhere' is not in landlord.yaml/ },
  ];

  test.each(invalid)("$what is refused with an InputError before anything is reserved or written", async ({ spec, path, message }) => {
    const store = await backend.open();
    const h = harness({ store, platform: ctx, folders: foldersUnder(root()) });
    const name = unique("bad");
    const doc = spec(name);
    const docName = (doc.metadata as { name: string }).name;
    const before = await rowCounts(store);

    const err = await submitOnboard(h.services, h.engine, doc, "tester", new Date()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    const problems = (err as InputError).problems;
    expect(problems.map((p) => p.path)).toContain(path);
    expect(problems.find((p) => p.path === path)?.message).toMatch(message);
    for (const p of problems) expect(p.fix).not.toBe("");

    expect(await rowCounts(store)).toEqual(before);
    expect(await traces(store, docName)).toEqual({ tenant: false, domains: 0, workflows: 0, audit: 0, tokens: 0 });
    expect(await store.tenants.domainOwner(`${name}.apps.example.com`)).toBeUndefined();
    expect(await exists(root())).toBe(true);
    expect(await tree(root())).toEqual(new Map());
  });
});
