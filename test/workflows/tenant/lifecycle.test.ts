/**
 * A tenant's life after onboarding, on a real store: an update that moves it onto its own
 * node pool (and one that changes nothing), then offboarding with and without a retention
 * window, and the name and domains coming free again.
 */
import { readFile } from "node:fs/promises";

import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { DirectoryDelivery } from "../../../src/delivery/directory/directory-delivery.js";
import { POOL_LABEL } from "../../../src/render/kubernetes/scheduling.js";
import { tenantNames } from "../../../src/spec/names.js";
import { runTenantWorkflow } from "../../../src/workflows/tenant/run-tenant-workflow.js";
import { submitOffboard, submitOnboard, submitUpdate } from "../../../src/workflows/tenant/submit.js";
import { platform, tenantDoc } from "../../support/fixtures.js";
import { BACKENDS, unique, useBackend } from "../../store/support/backends.js";
import {
  exists,
  finishedStatus,
  foldersUnder,
  harness,
  type Harness,
  OFFBOARD_STEPS,
  onboard,
  TERRAFORM_SKIPPED,
  tree,
  UPDATE_STEPS,
  useTempRoot,
} from "./support/harness.js";
import { HookedDelivery } from "./support/hooked-delivery.js";

const DAY_MS = 86_400_000;
const ctx = platform();

interface Pod {
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
}

async function appPod(h: Harness, name: string): Promise<Pod> {
  const docs = parseAllDocuments(await readFile(join(h.outDir, name, "kubernetes.yaml"), "utf8")).map(
    (d) => d.toJS() as { kind: string; spec?: { template?: { spec?: Pod } } },
  );
  const deployment = docs.find((d) => d.kind === "Deployment");
  if (!deployment?.spec?.template?.spec) throw new Error("no Deployment rendered");
  return deployment.spec.template.spec;
}

async function offboard(h: Harness, name: string, force: boolean) {
  const wf = await submitOffboard(h.services, h.engine, name, { actor: "tester", force, now: new Date() });
  expect(await h.services.store.tenants.require(name)).toMatchObject({ phase: "Offboarding" });
  const started = Date.now();
  const result = await runTenantWorkflow(h.services, h.engine, wf.id);
  return { wf, result, started, ended: Date.now() };
}

describe.each(BACKENDS)("tenant lifecycle on $name", (factory) => {
  const backend = useBackend(factory);
  const root = useTempRoot("landlord-lifecycle-");

  test("update small -> medium moves the tenant onto its node pool; the same spec again makes no workflow", async () => {
    const store = await backend.open();
    const h = harness({ store, platform: ctx, folders: foldersUnder(root()) });
    const name = unique("grow");
    expect(finishedStatus((await onboard(h, tenantDoc(name))).result)).toBe("Succeeded");
    expect(await store.tenants.require(name)).toMatchObject({ generation: 1, placement: { cluster: "aks-weu-1", dedicatedCluster: false, sharedCpuMillis: "3000" } });
    expect((await store.tenants.require(name)).placement).not.toHaveProperty("nodePool");
    expect(await appPod(h, name)).not.toHaveProperty("nodeSelector");

    const medium = tenantDoc(name, { tier: "medium" });
    const wf = await submitUpdate(h.services, h.engine, medium, "tester", new Date());
    if (!wf) throw new Error("a tier change made no workflow");
    expect(wf.kind).toBe("update");
    expect(await store.tenants.require(name)).toMatchObject({ phase: "Updating", generation: 2 });
    expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, wf.id))).toBe("Succeeded");

    const steps = await store.workflows.steps(wf.id);
    expect(steps.map((s) => [s.name, s.status, s.attempts])).toEqual(UPDATE_STEPS.map((n) => [n, "Succeeded", 1]));
    expect(steps.find((s) => s.name === "cloud-resources")?.output).toEqual({ skipped: TERRAFORM_SKIPPED });
    expect(steps.find((s) => s.name === "validate")?.output).toMatchObject({ tier: "medium", cluster: "aks-weu-1" });

    // The stored placement now names the pool, and the tenant no longer holds shared CPU.
    const pool = tenantNames(ctx.config, name).nodePool;
    expect(pool).toMatch(/^t[a-z0-9]{1,11}$/);
    expect(await store.tenants.require(name)).toMatchObject({
      phase: "Ready",
      generation: 2,
      placement: { cluster: "aks-weu-1", region: "westeurope", dedicatedCluster: false, nodePool: pool, sharedCpuMillis: "0" },
    });
    // The rendered app runs only on that pool, and Terraform is asked to create it.
    expect(await appPod(h, name)).toMatchObject({
      nodeSelector: { [POOL_LABEL]: name },
      tolerations: [{ key: POOL_LABEL, operator: "Equal", value: name, effect: "NoSchedule" }],
    });
    const tfvars = JSON.parse(await readFile(join(h.outDir, name, "terraform.tfvars.json"), "utf8")) as { node_pool: unknown };
    expect(tfvars.node_pool).toMatchObject({ enabled: true, name: pool, vm_size: "Standard_D4s_v5", labels: { [POOL_LABEL]: name } });
    const audit = await store.audit.list({ tenantName: name });
    expect(audit.map((e) => e.action)).toEqual(["tenant.onboard-requested", "tenant.onboarded", "tenant.update-requested", "tenant.updated"]);
    expect(audit[2]?.details).toMatchObject({ workflowId: wf.id, changes: [{ path: "spec.tier", from: "small", to: "medium" }] });

    // Submitting the spec it already has changes nothing and starts nothing.
    const files = await tree(h.outDir);
    const workflows = await store.workflows.list({ tenantName: name });
    expect(await submitUpdate(h.services, h.engine, tenantDoc(name, { tier: "medium" }), "tester", new Date())).toBeUndefined();
    expect(await store.workflows.list({ tenantName: name })).toEqual(workflows);
    expect(await store.tenants.require(name)).toMatchObject({ phase: "Ready", generation: 2 });
    expect(await store.audit.list({ tenantName: name })).toHaveLength(4);
    expect(await tree(h.outDir)).toEqual(files);

    // Offboarding it keeps its data for the medium tier's retention window (30 days).
    const off = await offboard(h, name, false);
    expect(finishedStatus(off.result)).toBe("Succeeded");
    const gone = await store.tenants.require(name);
    expect((gone.retainUntil?.getTime() ?? 0) - (gone.offboardedAt?.getTime() ?? 0)).toBe(30 * DAY_MS);
  });

  test("offboarding: final backup requested, output removed, tokens revoked, credentials gone, name and domains free again, audit kept", async () => {
    const store = await backend.open();
    const folders = foldersUnder(root());
    const backups: string[] = [];
    const delivery = new HookedDelivery(new DirectoryDelivery(folders.outDir), {
      // The delete step removes the tenant's folder right after: look at the Backup while it is there.
      async afterApplyExtra(_tenant, reason, result) {
        backups.push(`${reason}\n${await readFile(result.target, "utf8")}`);
      },
    });
    const h = harness({ store, platform: ctx, folders, delivery });
    const name = unique("leave");
    const [domain, other] = [`${name}.apps.example.com`, `shop.${name}.example.org`];
    const first = await onboard(h, tenantDoc(name, { domains: [domain, other] }));
    expect(finishedStatus(first.result)).toBe("Succeeded");
    const tokenFile = join(h.credentialsDir, name, "api-token");
    const token = (await readFile(tokenFile, "utf8")).trim();
    expect(await store.tokens.verify(token)).toBeDefined();

    const { wf, result, started, ended } = await offboard(h, name, false);
    expect(finishedStatus(result)).toBe("Succeeded");
    const steps = await store.workflows.steps(wf.id);
    expect(steps.map((s) => [s.name, s.status, s.attempts])).toEqual(OFFBOARD_STEPS.map((n) => [n, "Succeeded", 1]));
    const out = Object.fromEntries(steps.map((s) => [s.name, s.output as Record<string, unknown>]));
    const backupName = `db-final-${wf.id.slice(0, 8)}`;
    expect(out["final-backup"]).toMatchObject({ requested: backupName, target: join(h.outDir, name, "final-backup.yaml"), changed: true, completion: "not observable without a cluster connection" });
    expect(backups).toHaveLength(1);
    const [reason, ...manifest] = (backups[0] ?? "").split("\n");
    expect(reason).toBe("final-backup");
    expect(parse(manifest.join("\n"))).toMatchObject({
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Backup",
      metadata: { name: backupName, namespace: `tenant-${name}` },
      spec: { cluster: { name: "db" }, method: "plugin", pluginConfiguration: { name: "barman-cloud.cloudnative-pg.io" } },
    });
    expect(delivery.calls).toMatchObject({ applyExtra: 1, remove: 1 });
    expect(out["wait-gone"]?.["skipped"]).toMatch(/not observable without a cluster/);
    // Without Terraform nothing was created, so nothing is retired, kept or purged.
    expect(out["cloud-destroy"]).toEqual({ skipped: TERRAFORM_SKIPPED, kept: "nothing was created by Terraform for this tenant, so nothing is kept or purged" });
    expect(out["revoke-credentials"]).toEqual({ revokedTokens: 1 });

    // Output and credentials are gone; the token no longer opens anything.
    expect(await tree(h.outDir)).toEqual(new Map());
    expect(await exists(join(h.credentialsDir, name))).toBe(false);
    expect(await store.tokens.verify(token)).toBeUndefined();
    expect((await store.tokens.list(name)).map((t) => t.revokedAt)).toEqual([expect.any(Date)]);

    // Released, with the data kept for the small tier's 7 days.
    const released = await store.tenants.require(name);
    expect(released).toMatchObject({ phase: "Offboarded", domains: [] });
    const at = released.offboardedAt?.getTime() ?? 0;
    expect(at).toBeGreaterThanOrEqual(started);
    expect(at).toBeLessThanOrEqual(ended);
    expect(released.retainUntil?.getTime()).toBe(at + 7 * DAY_MS);
    expect(out["release"]).toEqual({ retainUntil: released.retainUntil?.toISOString() });
    expect(await store.tenants.domainOwner(domain)).toBeUndefined();
    expect(await store.tenants.domainOwner(other)).toBeUndefined();
    const audit = await store.audit.list({ tenantName: name });
    expect(audit.map((e) => e.action)).toEqual(["tenant.onboard-requested", "tenant.onboarded", "tenant.offboard-requested", "tenant.offboarded"]);
    expect(audit[3]?.details).toEqual({ workflowId: wf.id, force: false, dataRetainedUntil: released.retainUntil?.toISOString() });

    // A new tenant can claim the released custom domain (names under the zone stay the name's own)...
    const heir = unique("heir");
    expect(finishedStatus((await onboard(h, tenantDoc(heir, { domains: [other] }))).result)).toBe("Succeeded");
    expect(await store.tenants.domainOwner(other)).toBe(heir);
    // ...and the name can be onboarded again, from scratch, with the old history kept: inside
    // the retention window only when the operator asks for a new incarnation.
    await expect(onboard(h, tenantDoc(name, { domains: [domain] }))).rejects.toThrow(/is retained until/);
    const againWf = await submitOnboard(h.services, h.engine, tenantDoc(name, { domains: [domain] }), "tester", new Date(), { reuseRetained: true });
    const again = { wf: againWf, result: await runTenantWorkflow(h.services, h.engine, againWf.id) };
    expect(finishedStatus(again.result)).toBe("Succeeded");
    expect(await store.tenants.require(name)).toMatchObject({ phase: "Ready", generation: 2, domains: [domain], offboardedAt: null, retainUntil: null });
    expect((await store.tokens.list(name)).map((t) => t.revokedAt === null)).toEqual([false, true]);
    const newToken = (await readFile(tokenFile, "utf8")).trim();
    expect(newToken).not.toBe(token);
    expect(await store.tokens.verify(newToken)).toMatchObject({ id: `onboard-${again.wf.id}` });
    expect((await store.audit.list({ tenantName: name })).map((e) => e.action)).toEqual([
      "tenant.onboard-requested",
      "tenant.onboarded",
      "tenant.offboard-requested",
      "tenant.offboarded",
      "tenant.onboard-requested",
      "tenant.onboarded",
    ]);
    expect((await store.workflows.list({ tenantName: name })).map((w) => [w.kind, w.status])).toEqual([
      ["onboard", "Succeeded"],
      ["offboard", "Succeeded"],
      ["onboard", "Succeeded"],
    ]);
    expect([...(await tree(h.outDir)).keys()].map((f) => f.split("/")[0])).toEqual([heir, heir, heir, name, name, name]);
  });

  test("forced offboarding keeps nothing: data retained until the moment of release", async () => {
    const store = await backend.open();
    const h = harness({ store, platform: ctx, folders: foldersUnder(root()) });
    const name = unique("force");
    expect(finishedStatus((await onboard(h, tenantDoc(name))).result)).toBe("Succeeded");
    const { wf, result, started, ended } = await offboard(h, name, true);
    expect(finishedStatus(result)).toBe("Succeeded");
    const released = await store.tenants.require(name);
    expect(released.phase).toBe("Offboarded");
    const at = released.offboardedAt?.getTime() ?? 0;
    expect(at).toBeGreaterThanOrEqual(started);
    expect(at).toBeLessThanOrEqual(ended);
    expect(released.retainUntil?.getTime()).toBe(at);
    expect((await store.audit.list({ tenantName: name, action: "tenant.offboarded" }))[0]?.details).toEqual({
      workflowId: wf.id,
      force: true,
      dataRetainedUntil: released.offboardedAt?.toISOString(),
    });
    const steps = await store.workflows.steps(wf.id);
    // Forced: the cloud resources are destroyed now (the Terraform step says why it could not run here).
    expect(steps.find((s) => s.name === "cloud-destroy")?.output).toEqual({ skipped: TERRAFORM_SKIPPED });
    expect((await store.audit.list({ tenantName: name, action: "tenant.offboard-requested" }))[0]?.details).toEqual({ workflowId: wf.id, force: true });
  });
});
