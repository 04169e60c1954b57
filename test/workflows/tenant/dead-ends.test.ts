/**
 * No dead ends (issue 11, items 1 and 2), on both store backends: the tenant phase
 * machine refuses every transition its table does not list and names commands that work
 * from where the tenant is; a tenant cancelled at any point can be onboarded again; a
 * runner that died is taken over at once on its own host; SIGINT/SIGTERM stop at a step
 * boundary, release the lease and say how to resume.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DirectoryDelivery } from "../../../src/delivery/directory/directory-delivery.js";
import { ConflictError } from "../../../src/errors.js";
import { PLATFORM_TEMPLATE } from "../../../src/init/templates.js";
import { TENANT_PHASES, type TenantPhase } from "../../../src/store/schema.js";
import type { Store } from "../../../src/store/store.js";
import { processOwnerId } from "../../../src/workflows/engine/index.js";
import { transition, TRANSITIONS, wayForward, type PhaseEvent } from "../../../src/workflows/tenant/phases.js";
import { runTenantWorkflow } from "../../../src/workflows/tenant/run-tenant-workflow.js";
import { submitOffboard, submitOnboard } from "../../../src/workflows/tenant/submit.js";
import { tenantDoc } from "../../support/fixtures.js";
import { BACKENDS, unique, useBackend } from "../../store/support/backends.js";
import { exited, lines } from "../../store/support/child-process.js";
import { compileScript, type Spawner } from "./support/compiled-script.js";
import { finishedStatus, foldersUnder, harness, onboard, platformFromText, useTempRoot } from "./support/harness.js";
import { HookedDelivery } from "./support/hooked-delivery.js";
import type { OnboardChildArgs } from "./support/onboard-child.js";
import type { RunnerChildArgs } from "./support/runner-child.js";

const ctx = platformFromText(PLATFORM_TEMPLATE);
/** Long enough that a test passing quickly proves nobody waited for a lease to expire. */
const LONG_LEASE_MS = 60_000;

async function forcePhase(store: Store, name: string, phase: TenantPhase): Promise<void> {
  await store.db.updateTable("tenants").set({ phase }).where("name", "=", name).execute();
}

let spawnOnboardChild: Spawner | undefined;
let spawnRunnerChild: Spawner | undefined;
let bundles = "";
beforeAll(async () => {
  bundles = await mkdtemp(join(tmpdir(), "landlord-dead-ends-"));
  spawnOnboardChild = await compileScript("test/workflows/tenant/support/onboard-child.ts", bundles);
  spawnRunnerChild = await compileScript("test/workflows/tenant/support/runner-child.ts", bundles);
});
afterAll(async () => {
  await rm(bundles, { recursive: true, force: true });
});

describe.each(BACKENDS)("the tenant phase machine on $name", (factory) => {
  const backend = useBackend(factory);
  const root = useTempRoot("landlord-phases-");

  test("every transition the table does not list is refused by the store's guarded update, naming commands that work", async () => {
    const store = await backend.open();
    const name = unique("table");
    await store.tenants.reserve({ name, spec: tenantDoc(name), domains: [], now: new Date() });
    for (const [event, t] of Object.entries(TRANSITIONS) as [PhaseEvent, (typeof TRANSITIONS)[PhaseEvent]][]) {
      for (const phase of TENANT_PHASES) {
        await forcePhase(store, name, phase);
        const allowed = t.from.includes(phase) || (t.repeatable && phase === t.to);
        const moved = transition(store, name, event, new Date());
        if (allowed) {
          await expect(moved, `${event} from ${phase}`).resolves.toMatchObject({ phase: t.to });
        } else {
          await expect(moved, `${event} from ${phase}`).rejects.toThrow(ConflictError);
          await expect(transition(store, name, event, new Date())).rejects.toThrow(/next:\n\s+landlord /);
          expect((await store.tenants.require(name)).phase, `${event} from ${phase} left it`).toBe(phase);
        }
      }
    }
  });

  test("cancelled at the credentials step, then onboarded again: Ready, and the token file is handed over again, not a duplicate", async () => {
    const store = await backend.open();
    const h = harness({ store, platform: ctx, folders: foldersUnder(root()) });
    const name = unique("cancelcred");
    const wf = await submitOnboard(h.services, h.engine, tenantDoc(name), "t", new Date());
    // The operator stops it right after the credentials step (Ctrl-C), then cancels it.
    const stop = new AbortController();
    const unsubscribe = h.engine.subscribe((e) => {
      if (e.type === "step-succeeded" && e.step === "credentials") stop.abort();
    });
    expect((await runTenantWorkflow(h.services, h.engine, wf.id, undefined, { signal: stop.signal })).outcome).toBe("interrupted");
    unsubscribe();
    const tokenFile = join(h.credentialsDir, name, "api-token");
    const token = (await readFile(tokenFile, "utf8")).trim();
    expect((await h.engine.requestCancel(wf.id)).status).toBe("Cancelled");

    const failed = await store.tenants.require(name);
    expect(failed.phase).toBe("Failed");
    expect((await wayForward(store, failed)).commands[0]).toMatch(new RegExp(`^landlord onboard ${name}`));

    const again = await onboard(h, tenantDoc(name));
    expect(finishedStatus(again.result)).toBe("Succeeded");
    expect((await store.tenants.require(name)).phase).toBe("Ready");
    expect((await readFile(tokenFile, "utf8")).trim()).toBe(token);
    expect((await store.tokens.list(name)).map((t) => t.id)).toEqual([`onboard-${wf.id}`]);
    expect((await store.tokens.verify(token))?.tenantName).toBe(name);
  });

  test("killed in the middle of apply and then cancelled: not Provisioning forever; cancel takes over from the dead runner at once, and onboarding again works", async () => {
    const store = await backend.open();
    const folders = foldersUnder(root());
    const name = unique("killcancel");
    const args: OnboardChildArgs = { url: backend.url, baseDir: backend.baseDir, platformText: PLATFORM_TEMPLATE, spec: tenantDoc(name), folders, killAfter: "apply-mid", leaseTtlMs: LONG_LEASE_MS, owner: "process" };
    const child = (spawnOnboardChild as Spawner)(args);
    const out = lines(child);
    expect(await exited(child)).toMatchObject({ signal: "SIGKILL" });
    const id = await out.next();
    const left = await store.workflows.require(id);
    expect(left.leaseOwner).toMatch(new RegExp(`^${hostname()}:${String(child.pid)}:`));
    expect(left.leaseExpiresAt?.getTime()).toBeGreaterThan(Date.now() + 30_000);
    expect((await store.tenants.require(name)).phase).toBe("Provisioning");

    const h = harness({ store, platform: ctx, folders, leaseTtlMs: LONG_LEASE_MS });
    const started = Date.now();
    expect((await h.engine.requestCancel(id)).status).toBe("Cancelled");
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await store.tenants.require(name)).phase).toBe("Failed");
    const again = await onboard(h, tenantDoc(name));
    expect(finishedStatus(again.result)).toBe("Succeeded");
  });

  test("a tenant left Provisioning with no unfinished workflow is settled to Failed and onboarded again; update and offboard advice does not go in circles", async () => {
    const store = await backend.open();
    const h = harness({ store, platform: ctx, folders: foldersUnder(root()) });
    const name = unique("stalled");
    const wf = await submitOnboard(h.services, h.engine, tenantDoc(name), "t", new Date());
    // What an older Landlord left: the workflow cancelled, the phase never settled.
    await store.db.updateTable("workflows").set({ status: "Cancelled", finished_at: new Date().toISOString() }).where("id", "=", wf.id).execute();
    await forcePhase(store, name, "Provisioning");
    const advice = await wayForward(store, await store.tenants.require(name));
    expect(advice.commands[0]).toMatch(/^landlord onboard /);
    // The update path refuses and points at onboarding, never back at update.
    const { submitUpdate } = await import("../../../src/workflows/tenant/submit.js");
    const refused = submitUpdate(h.services, h.engine, tenantDoc(name), "t", new Date());
    await expect(refused).rejects.toThrow(ConflictError);
    await expect(refused).rejects.toThrow(/landlord onboard/);
    expect((await store.tenants.require(name)).phase).toBe("Failed");
    expect(finishedStatus((await onboard(h, tenantDoc(name))).result)).toBe("Succeeded");
  });

  test("an offboarding that fails stays Offboarding and `landlord offboard` again finishes it", async () => {
    const store = await backend.open();
    const folders = foldersUnder(root());
    let fail = true;
    const delivery = new HookedDelivery(new DirectoryDelivery(folders.outDir), {
      afterApplyExtra: () => (fail ? Promise.reject(new Error("backup target unreachable")) : Promise.resolve()),
    });
    const h = harness({ store, platform: ctx, folders, delivery });
    const name = unique("offfail");
    expect(finishedStatus((await onboard(h, tenantDoc(name))).result)).toBe("Succeeded");
    const off = await submitOffboard(h.services, h.engine, name, { actor: "t", force: false, now: new Date() });
    expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, off.id))).toMatch(/^Failed: step 'final-backup' failed/);
    const stuck = await store.tenants.require(name);
    expect(stuck.phase).toBe("Offboarding");
    expect((await wayForward(store, stuck)).commands).toEqual([`landlord offboard ${name}   # run the offboarding again`]);
    fail = false;
    const again = await submitOffboard(h.services, h.engine, name, { actor: "t", force: false, now: new Date() });
    expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, again.id))).toBe("Succeeded");
    expect((await store.tenants.require(name)).phase).toBe("Offboarded");
  });
});

describe.each(BACKENDS)("runners that die or are stopped on $name", (factory) => {
  const backend = useBackend(factory);
  const root = useTempRoot("landlord-runners-");

  test("a runner SIGKILLed mid-step on this host is resumed at once, not after its lease; a live holder is reported as busy", async () => {
    const store = await backend.open();
    const folders = foldersUnder(root());
    const name = unique("deadrunner");
    const args: RunnerChildArgs = { url: backend.url, baseDir: backend.baseDir, platformText: PLATFORM_TEMPLATE, spec: tenantDoc(name), folders, mode: "kill-in-apply", leaseTtlMs: LONG_LEASE_MS };
    const child = (spawnRunnerChild as Spawner)(args);
    const out = lines(child);
    expect(await exited(child)).toMatchObject({ signal: "SIGKILL" });
    const id = await out.next();
    expect(await out.next()).toBe("in-apply");
    expect((await store.workflows.require(id)).leaseExpiresAt?.getTime()).toBeGreaterThan(Date.now() + 30_000);

    // Another live process holding a lease is not taken over: it is reported, with its holder.
    const other = await store.workflows.create({ kind: "onboard", tenantName: unique("held"), input: { spec: {}, actor: "t" }, steps: ["validate"], now: new Date() });
    const liveOwner = `${hostname()}:${String(process.pid)}:live`;
    expect(await store.workflows.acquireLease(other.id, liveOwner, LONG_LEASE_MS, new Date())).toBe(true);

    const h = harness({ store, platform: ctx, folders, leaseTtlMs: LONG_LEASE_MS });
    const resumable = (await h.engine.resumable()).map((w) => w.id);
    expect(resumable).toContain(id);
    expect(resumable).not.toContain(other.id);
    expect(await h.engine.runWorkflow(other.id)).toEqual({ outcome: "busy", holder: liveOwner, until: expect.any(Date) as Date });
    const started = Date.now();
    expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, id))).toBe("Succeeded");
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await store.tenants.require(name)).phase).toBe("Ready");
  });

  test.each(["SIGINT", "SIGTERM"] as const)("%s during a step: the step finishes, the run stops at the boundary, the lease is released, exit 130 with the resume command", async (signal) => {
    const store = await backend.open();
    const folders = foldersUnder(root());
    const name = unique(signal.toLowerCase());
    const args: RunnerChildArgs = { url: backend.url, baseDir: backend.baseDir, platformText: PLATFORM_TEMPLATE, spec: tenantDoc(name), folders, mode: "signal-in-apply", leaseTtlMs: LONG_LEASE_MS };
    const child = (spawnRunnerChild as Spawner)(args);
    const out = lines(child);
    const id = await out.next();
    expect(await out.next()).toBe("in-apply");
    child.kill(signal);
    const rest: string[] = [];
    for (let line = await out.next(); line !== ""; line = await out.next()) rest.push(line);
    expect(await exited(child)).toEqual({ code: 130, signal: null });
    expect(rest.join("\n")).toContain(`stopped at a step boundary`);
    expect(rest.join("\n")).toContain(`resume: landlord workflows resume ${id}`);

    const wf = await store.workflows.require(id);
    expect(wf).toMatchObject({ status: "Running", leaseOwner: null, leaseExpiresAt: null });
    const steps = await store.workflows.steps(id);
    expect(steps.find((s) => s.name === "apply")?.status).toBe("Succeeded");
    expect(steps.find((s) => s.name === "wait-ready")?.status).toBe("Pending");

    const h = harness({ store, platform: ctx, folders, leaseTtlMs: LONG_LEASE_MS });
    expect((await h.engine.resumable()).map((w) => w.id)).toContain(id);
    expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, id))).toBe("Succeeded");
  });
});

describe("owner ids", () => {
  test("a dead pid on this host is dead; another host, a live pid or a foreign format is not known to be", async () => {
    const { ownerIsDead } = await import("../../../src/workflows/engine/owner.js");
    const gone = spawnSync(process.execPath, ["-e", ""]).pid;
    expect(ownerIsDead(`${hostname()}:${String(gone)}:abcd1234`)).toBe(true);
    expect(ownerIsDead(`${hostname()}:${String(process.pid)}:abcd1234`)).toBe(false);
    expect(ownerIsDead(`elsewhere.example:${String(gone)}:abcd1234`)).toBe(false);
    expect(ownerIsDead("child")).toBe(false);
    expect(ownerIsDead(null)).toBe(false);
    expect(processOwnerId()).toMatch(new RegExp(`^${hostname()}:${String(process.pid)}:[0-9a-f]{8}$`));
  });
});
