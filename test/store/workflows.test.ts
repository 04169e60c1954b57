import { describe, expect, test } from "vitest";
import { NotFoundError } from "../../src/errors.js";
import { BACKENDS, unique, useBackend } from "./support/backends.js";

const T0 = new Date("2026-11-27T10:00:00.000Z");
const at = (ms: number): Date => new Date(T0.getTime() + ms);

describe.each(BACKENDS)("workflows on $name", (factory) => {
  const backend = useBackend(factory);

  test("create records a Pending workflow and its planned steps", async () => {
    let n = 0;
    const store = await backend.open({ newId: () => `wf-${unique("id")}-${++n}` });
    const tenant = unique("acme");
    const w = await store.workflows.create({ kind: "onboard", tenantName: tenant, input: { tier: "small" }, steps: ["reserve", "render", "apply"], now: T0 });
    expect(w.id).toMatch(/^wf-.*-1$/);
    expect(w).toMatchObject({
      kind: "onboard",
      tenantName: tenant,
      input: { tier: "small" },
      status: "Pending",
      error: null,
      createdAt: T0,
      startedAt: null,
      finishedAt: null,
      leaseOwner: null,
      cancelRequested: false,
      attempt: 0,
    });
    const steps = await store.workflows.steps(w.id);
    expect(steps.map((s) => [s.position, s.name, s.status, s.attempts, s.output])).toEqual([
      [0, "reserve", "Pending", 0, undefined],
      [1, "render", "Pending", 0, undefined],
      [2, "apply", "Pending", 0, undefined],
    ]);
    await expect(store.workflows.require(unique("nope"))).rejects.toBeInstanceOf(NotFoundError);
  });

  test("default ids are UUIDs", async () => {
    const store = await backend.open();
    const w = await store.workflows.create({ kind: "offboard", tenantName: unique("t"), input: null, steps: ["x"], now: T0 });
    expect(w.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test("step and workflow progress is recorded by the lease holder", async () => {
    const store = await backend.open();
    const w = await store.workflows.create({ kind: "update", tenantName: unique("t"), input: {}, steps: ["a", "b", "c"], now: T0 });
    expect(await store.workflows.acquireLease(w.id, "me", 1000, T0)).toBe(true);
    expect(await store.workflows.markRunning(w.id, "me", at(1))).toBe(1);
    expect(await store.workflows.startStep(w.id, "me", "a", at(2))).toBe(1);
    expect(await store.workflows.noteStepError(w.id, "me", "a", "flaky")).toBe(true);
    expect(await store.workflows.startStep(w.id, "me", "a", at(3))).toBe(2);
    expect(await store.workflows.finishStep(w.id, "me", "a", { status: "Succeeded", output: { ok: [1] }, now: at(10), durationMs: 7 })).toBe(true);
    expect(await store.workflows.startStep(w.id, "me", "b", at(11))).toBe(1);
    expect(await store.workflows.finishStep(w.id, "me", "b", { status: "Failed", error: "nope", now: at(12), durationMs: 1 })).toBe(true);
    expect(await store.workflows.finishWorkflow(w.id, "me", { status: "Failed", error: "step 'b' failed: nope", now: at(13) })).toBe(true);

    expect(await store.workflows.require(w.id)).toMatchObject({
      status: "Failed",
      error: "step 'b' failed: nope",
      startedAt: at(1),
      finishedAt: at(13),
      leaseOwner: null,
      leaseExpiresAt: null,
      attempt: 1,
    });
    const [a, b, c] = await store.workflows.steps(w.id);
    expect(a).toMatchObject({ status: "Succeeded", attempts: 2, output: { ok: [1] }, error: null, startedAt: at(3), finishedAt: at(10), durationMs: 7 });
    expect(b).toMatchObject({ status: "Failed", attempts: 1, output: undefined, error: "nope" });
    expect(c).toMatchObject({ status: "Skipped", attempts: 0 });
    expect(await store.workflows.listResumable(at(1_000_000))).not.toContainEqual(expect.objectContaining({ id: w.id }));
  });

  test("list filters by tenant, status and kind; requestCancel flags only unfinished workflows", async () => {
    const store = await backend.open();
    const tenant = unique("t");
    const one = await store.workflows.create({ kind: "onboard", tenantName: tenant, input: {}, steps: ["a"], now: T0 });
    const two = await store.workflows.create({ kind: "update", tenantName: tenant, input: {}, steps: ["a"], now: at(1) });
    await store.workflows.create({ kind: "update", tenantName: unique("other"), input: {}, steps: ["a"], now: at(2) });
    expect((await store.workflows.list({ tenantName: tenant })).map((w) => w.id)).toEqual([one.id, two.id]);
    expect((await store.workflows.list({ tenantName: tenant, kinds: ["update"] })).map((w) => w.id)).toEqual([two.id]);
    expect(await store.workflows.list({ tenantName: tenant, statuses: ["Running"] })).toEqual([]);

    await store.workflows.acquireLease(one.id, "me", 1000, T0);
    await store.workflows.finishWorkflow(one.id, "me", { status: "Succeeded", now: at(5) });
    expect((await store.workflows.requestCancel(one.id)).cancelRequested).toBe(false);
    expect((await store.workflows.requestCancel(two.id)).cancelRequested).toBe(true);
    await expect(store.workflows.requestCancel(unique("nope"))).rejects.toBeInstanceOf(NotFoundError);
  });
});
