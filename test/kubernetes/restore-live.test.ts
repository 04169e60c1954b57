/**
 * Restores and restore drills up to the operator, on the shared control plane: every
 * refusal comes before anything is written and names what to do; the scratch copy is
 * admitted by the real API server under the tenant's guardrails and removed only when
 * Landlord made it for that tenant. (The operator restoring it runs on the real nodes:
 * test/nodes/tenant-alive.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConflictError, InputError } from "../../src/errors.js";
import { backupArchive } from "../../src/render/kubernetes/database.js";
import { scratchBundle, scratchNamespace } from "../../src/render/kubernetes/scratch-restore.js";
import { submitBackupVerify, submitRestore } from "../../src/workflows/tenant/submit-restore.js";
import { removeScratch } from "../../src/workflows/tenant/scratch.js";
import { submitOffboard } from "../../src/workflows/tenant/submit.js";
import { runTenantWorkflow } from "../../src/workflows/tenant/run-tenant-workflow.js";
import { lastDrills, startDueDrill } from "../../src/workflows/tenant/drills.js";
import { renderStored } from "../../src/workflows/tenant/services.js";
import { tenantDoc } from "../support/fixtures.js";
import { finishedStatus, onboard } from "../workflows/tenant/support/harness.js";
import { admin, liveHarness, uniqueName, type LiveHarness } from "./support/live.js";

const name = uniqueName("rst");
const namespace = `tenant-${name}`;
let h: LiveHarness;

beforeAll(async () => {
  h = await liveHarness();
  expect(finishedStatus((await onboard(h, tenantDoc(name))).result)).toBe("Succeeded");
}, 300_000);

afterAll(async () => {
  for (const ns of [namespace, scratchNamespace(namespace), `${name}-elsewhere`, `${name}-copy`, `${name}-foreign`]) await admin().core.deleteNamespace({ name: ns }).catch(() => undefined);
  await h.close();
});

async function refusal(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error("expected a refusal");
  return err;
}

describe("restore and backup verify, refused before anything is written", () => {
  it("refuses a time in the future, a time without a zone, a time the archive cannot reach, and the tenant's own namespace", async () => {
    const now = new Date();
    const future = await refusal(submitRestore(h.services, h.engine, name, { to: new Date(now.getTime() + 3_600_000).toISOString() }, "t", now));
    expect(future).toBeInstanceOf(InputError);
    expect(future.message).toMatch(/--to.*in the future/s);
    const zoneless = await refusal(submitRestore(h.services, h.engine, name, { to: "2026-12-07 09:30" }, "t", now));
    expect(zoneless.message).toMatch(/--to.*not an RFC 3339 time with a zone.*2026-12-07T09:30:00Z/s);
    // No operator lists the archive here, so no window is known: refused, naming where to look.
    const windowless = await refusal(submitRestore(h.services, h.engine, name, { to: new Date(now.getTime() - 60_000).toISOString() }, "t", now));
    expect(windowless).toBeInstanceOf(ConflictError);
    expect(windowless.message).toContain(`landlord backup list ${name}`);
    const own = await refusal(submitRestore(h.services, h.engine, name, { into: namespace }, "t", now));
    expect(own.message).toMatch(/--into.*tenant's own namespace/s);
    // With workload identity, only the federated scratch namespace can read the archive.
    const elsewhere = await refusal(submitRestore(h.services, h.engine, name, { into: `${name}-elsewhere` }, "t", now));
    expect(elsewhere.message).toContain(`use --into ${scratchNamespace(namespace)}`);
    expect(await h.store.workflows.list({ tenantName: name, kinds: ["restore", "backup-verify"] })).toEqual([]);
    expect((await h.store.tenants.require(name)).phase).toBe("Ready");
  });

  it("a drill whose cluster serves no backups stops at its first step and leaves the tenant Ready", async () => {
    const wf = await submitBackupVerify(h.services, h.engine, name, "t", new Date());
    // One workflow at a time: a second drill or a restore waits for it.
    const busy = await refusal(submitRestore(h.services, h.engine, name, { into: scratchNamespace(namespace) }, "t", new Date()));
    expect(busy.message).toContain(`backup-verify workflow`);
    const result = await h.engine.runWorkflow(wf.id);
    expect(result.outcome).toBe("finished");
    const steps = await h.store.workflows.steps(wf.id);
    expect(steps.find((s) => s.name === "check")?.status).toBe("Failed");
    expect(steps.filter((s) => s.status === "Succeeded")).toEqual([]);
    expect((await h.store.tenants.require(name)).phase).toBe("Ready");
  });
});

describe("drills on a schedule", () => {
  it("serve's pass starts one drill for a tenant whose newest is older than its tier's verifyEveryDays, one at a time; report shows the newest", async () => {
    const never = new AbortController().signal;
    // The drill of the test above is minutes old: none is due.
    expect(await startDueDrill(h.services, h.engine, new Date(), never)).toBeUndefined();
    const later = new Date(Date.now() + 8 * 86_400_000);
    const started = await startDueDrill(h.services, h.engine, later, never);
    expect(started).toMatchObject({ tenant: name, result: "started", detail: expect.stringContaining("every 7 days") as unknown });
    expect(await startDueDrill(h.services, h.engine, later, never)).toMatchObject({ result: "running" });
    expect(await lastDrills(h.store)).toEqual([expect.objectContaining({ tenant: name, result: "running" })]);
    const wf = (await h.store.workflows.list({ tenantName: name, kinds: ["backup-verify"], statuses: ["Pending"] }))[0];
    if (!wf) throw new Error("no drill pending");
    await h.engine.runWorkflow(wf.id);
    const [drill] = await lastDrills(h.store);
    expect(drill).toMatchObject({ tenant: name, result: "failed", workflow: wf.id });
    expect(drill?.detail).toMatch(/^step check: .*landlord workflows describe/);
  });
});

describe("the scratch copy on the real API server", () => {
  it("is admitted under the tenant's guardrails, and removed only when it is the tenant's copy", async () => {
    const { bundle, tenant } = await renderStored(h.services, name, (await h.store.tenants.require(name)).spec);
    const copy = scratchBundle(bundle, { namespace: scratchNamespace(namespace), from: backupArchive(h.platform.config, tenant), target: { lsn: "0/5000060" } });
    const applied = await h.delivery.apply(copy);
    expect(applied.detail).toMatch(/created/);
    const live = await admin().core.readNamespace({ name: scratchNamespace(namespace) });
    expect(live.metadata?.labels).toMatchObject({ "landlord.dev/restore": "true", "landlord.dev/tenant": name });
    // Another tenant's workflow cannot take it for its own.
    await expect(removeScratch(h.services, bundle.placement.cluster, scratchNamespace(namespace), "someone-else", AbortSignal.timeout(60_000))).rejects.toThrow(/not a restored copy of someone-else/);
    // A namespace Landlord did not make is never deleted.
    await admin().core.createNamespace({ body: { metadata: { name: `${name}-elsewhere` } } });
    await expect(removeScratch(h.services, bundle.placement.cluster, `${name}-elsewhere`, name, AbortSignal.timeout(60_000))).rejects.toThrow(/is not a restored copy/);
    expect(await removeScratch(h.services, bundle.placement.cluster, scratchNamespace(namespace), name, AbortSignal.timeout(200_000))).toMatch(/deleted/);
    await expect(admin().core.readNamespace({ name: scratchNamespace(namespace) })).rejects.toMatchObject({ code: 404 });
  }, 240_000);

  it("goes with the tenant when it is offboarded, each copy of its own and no one else's", async () => {
    const { bundle, tenant } = await renderStored(h.services, name, (await h.store.tenants.require(name)).spec);
    const from = backupArchive(h.platform.config, tenant);
    for (const ns of [scratchNamespace(namespace), `${name}-copy`]) await h.delivery.apply(scratchBundle(bundle, { namespace: ns, from, target: { lsn: "0/5000060" } }));
    // Another tenant's copy, as its drill would leave it.
    await admin().core.createNamespace({ body: { metadata: { name: `${name}-foreign`, labels: { "landlord.dev/restore": "true", "landlord.dev/tenant": `${name}x` } } } });
    const wf = await submitOffboard(h.services, h.engine, name, { actor: "tester", force: true, now: new Date() });
    expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, wf.id))).toBe("Succeeded");
    for (const ns of [namespace, scratchNamespace(namespace), `${name}-copy`]) await expect(admin().core.readNamespace({ name: ns })).rejects.toMatchObject({ code: 404 });
    await expect(admin().core.readNamespace({ name: `${name}-foreign` })).resolves.toBeDefined();
    const deleted = (await h.store.workflows.steps(wf.id)).find((s) => s.name === "delete")?.output as { copies?: string[]; detail?: string };
    expect(deleted.copies?.sort()).toEqual([`namespace ${name}-copy deleted (database db in ${name}-copy fenced (fast shutdown), deleted, its pods gone) on aks-weu-1`, `namespace ${scratchNamespace(namespace)} deleted (database db in ${scratchNamespace(namespace)} fenced (fast shutdown), deleted, its pods gone) on aks-weu-1`].sort());
    expect(deleted.detail).toContain(`deleting namespace ${namespace}`);
  }, 240_000);
});
