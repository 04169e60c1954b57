import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { ConflictError, NotFoundError, ProgrammingError } from "../../../src/errors.js";
import type { Store } from "../../../src/store/store.js";
import { defineWorkflow } from "../../../src/workflows/engine/definition.js";
import type { StepDefinition } from "../../../src/workflows/engine/definition.js";
import { createEngine } from "../../../src/workflows/engine/engine.js";
import type { EngineOptions, WorkflowEngine } from "../../../src/workflows/engine/engine.js";
import type { ProgressEvent } from "../../../src/workflows/engine/progress.js";
import { RetryableError } from "../../../src/errors.js";
import { BACKENDS, unique, useBackend } from "../../store/support/backends.js";
import { FakeClock } from "./support/fake-clock.js";

type Input = { readonly tier: string };
const parseInput = (raw: unknown): Input => {
  if (typeof raw === "object" && raw !== null && "tier" in raw && typeof raw.tier === "string") return { tier: raw.tier };
  throw new Error("input needs a tier");
};

/** A step that records that it ran, then does `body`. */
function step(ran: string[], name: string, body: StepDefinition<Input>["run"] = () => Promise.resolve({ step: name })): StepDefinition<Input> {
  return {
    name,
    run: (ctx) => {
      ran.push(name);
      return body(ctx);
    },
  };
}

function onboard(steps: StepDefinition<Input>[]) {
  return defineWorkflow<Input>({ kind: "onboard", parseInput, steps });
}

describe.each(BACKENDS)("workflow engine on $name", (factory) => {
  const backend = useBackend(factory);

  async function setup(steps: StepDefinition<Input>[], options: Partial<EngineOptions> = {}) {
    const store = await backend.open();
    const clock = new FakeClock();
    const events: ProgressEvent[] = [];
    const engine = createEngine({
      store,
      workflows: [onboard(steps)],
      clock,
      random: () => 0.5,
      owner: "engine-1",
      onProgress: (e) => events.push(e),
      ...options,
    });
    const wf = await engine.createWorkflow("onboard", unique("acme"), { tier: "small" });
    return { store, clock, events, engine, wf };
  }

  test("runs the steps in order and hands each the outputs of the earlier ones", async () => {
    const ran: string[] = [];
    const seen: unknown[] = [];
    const { store, engine, wf, events } = await setup([
      step(ran, "reserve", (ctx) => Promise.resolve({ namespace: `t-${ctx.tenantName}`, tier: ctx.input.tier })),
      step(ran, "render", (ctx) => {
        seen.push(ctx.outputs);
        ctx.log("rendered 42 objects", { count: 42 });
        return Promise.resolve({ objects: 42, at: new Date("2026-01-01T00:00:00Z") });
      }),
      step(ran, "apply", (ctx) => {
        seen.push(ctx.outputs);
        return Promise.resolve(undefined);
      }),
    ]);

    const result = await engine.runWorkflow(wf.id);
    expect(result.outcome).toBe("finished");
    expect(result.outcome === "finished" && result.workflow).toMatchObject({ status: "Succeeded", error: null, attempt: 1, leaseOwner: null });
    expect(ran).toEqual(["reserve", "render", "apply"]);
    const reserve = { namespace: `t-${wf.tenantName}`, tier: "small" };
    // Outputs are what the store would give back: JSON (the Date became a string).
    expect(seen).toEqual([{ reserve }, { reserve, render: { objects: 42, at: "2026-01-01T00:00:00.000Z" } }]);
    const steps = await store.workflows.steps(wf.id);
    expect(steps.map((s) => [s.name, s.status, s.attempts, s.output])).toEqual([
      ["reserve", "Succeeded", 1, reserve],
      ["render", "Succeeded", 1, { objects: 42, at: "2026-01-01T00:00:00.000Z" }],
      ["apply", "Succeeded", 1, null],
    ]);
    expect(steps.every((s) => s.durationMs !== null && s.finishedAt !== null)).toBe(true);
    expect(events.map((e) => `${e.type}${"step" in e ? `:${e.step}` : ""}`)).toEqual([
      "workflow-started",
      "step-started:reserve",
      "step-succeeded:reserve",
      "step-started:render",
      "step-log:render",
      "step-succeeded:render",
      "step-started:apply",
      "step-succeeded:apply",
      "workflow-finished",
    ]);
    // Running a finished workflow again does nothing.
    expect((await engine.runWorkflow(wf.id)).outcome).toBe("finished");
    expect(ran).toHaveLength(3);
  });

  test("a RetryableError is retried with exponential backoff and jitter, then the step succeeds", async () => {
    const ran: string[] = [];
    let failures = 2;
    const flaky: StepDefinition<Input> = {
      ...step(ran, "flaky", () => {
        if (failures-- > 0) return Promise.reject(new RetryableError("API said 429"));
        return Promise.resolve("ok");
      }),
      retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 },
    };
    const { store, clock, engine, wf, events } = await setup([flaky, step(ran, "after")]);
    const result = await engine.runWorkflow(wf.id);
    expect(result.outcome === "finished" && result.workflow.status).toBe("Succeeded");
    expect(ran).toEqual(["flaky", "flaky", "flaky", "after"]);
    // Equal jitter with random() = 0.5: 3/4 of 100, then of 200.
    expect(clock.sleeps).toEqual([75, 150]);
    expect(events.filter((e) => e.type === "step-retrying")).toEqual([
      { type: "step-retrying", workflowId: wf.id, step: "flaky", attempt: 1, maxAttempts: 4, delayMs: 75, error: "RetryableError: API said 429" },
      { type: "step-retrying", workflowId: wf.id, step: "flaky", attempt: 2, maxAttempts: 4, delayMs: 150, error: "RetryableError: API said 429" },
    ]);
    const [flakyRecord] = await store.workflows.steps(wf.id);
    expect(flakyRecord).toMatchObject({ status: "Succeeded", attempts: 3, error: null, output: "ok" });
  });

  test("retries stop at maxAttempts and the workflow fails with the last error", async () => {
    const ran: string[] = [];
    const always: StepDefinition<Input> = {
      ...step(ran, "always", () => Promise.reject(new RetryableError("still down"))),
      retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 1_500 },
    };
    const { store, clock, engine, wf } = await setup([always, step(ran, "never")]);
    const result = await engine.runWorkflow(wf.id);
    expect(result.outcome === "finished" && result.workflow).toMatchObject({
      status: "Failed",
      error: "step 'always' failed: RetryableError: still down (gave up after 3 attempts)",
    });
    expect(ran).toEqual(["always", "always", "always"]);
    expect(clock.sleeps).toEqual([750, 1_125]);
    expect((await store.workflows.steps(wf.id)).map((s) => [s.status, s.attempts])).toEqual([["Failed", 3], ["Skipped", 0]]);
  });

  test("any other error fails the workflow at once, with the reason recorded", async () => {
    const ran: string[] = [];
    const { store, clock, engine, wf, events } = await setup([
      step(ran, "reserve"),
      step(ran, "apply", () => Promise.reject(new ConflictError("namespace owned by another tenant"))),
      step(ran, "announce"),
    ]);
    const result = await engine.runWorkflow(wf.id);
    expect(result.outcome === "finished" && result.workflow).toMatchObject({
      status: "Failed",
      error: "step 'apply' failed: ConflictError: namespace owned by another tenant",
    });
    expect(ran).toEqual(["reserve", "apply"]);
    expect(clock.sleeps).toEqual([]);
    expect((await store.workflows.steps(wf.id)).map((s) => [s.name, s.status, s.attempts, s.error])).toEqual([
      ["reserve", "Succeeded", 1, null],
      ["apply", "Failed", 1, "ConflictError: namespace owned by another tenant"],
      ["announce", "Skipped", 0, null],
    ]);
    expect(events.find((e) => e.type === "step-failed")).toMatchObject({ step: "apply", attempt: 1 });
    expect(events.at(-1)).toMatchObject({ type: "workflow-finished", status: "Failed" });
  });

  test("an output that is not JSON fails the step, without retry", async () => {
    const ran: string[] = [];
    const { engine, wf } = await setup([step(ran, "bad", () => Promise.resolve({ n: 1n }))]);
    const result = await engine.runWorkflow(wf.id);
    expect(result.outcome === "finished" && result.workflow.status).toBe("Failed");
    expect(result.outcome === "finished" && result.workflow.error).toMatch(/BigInt/);
    expect(ran).toEqual(["bad"]);
  });

  test("after a runner dies, resumePending waits for its lease to expire, then finishes only what had not succeeded", async () => {
    const ran: string[] = [];
    const seen: unknown[] = [];
    const { store, clock, engine, wf } = await setup(
      [step(ran, "reserve"), step(ran, "provision"), step(ran, "announce", (ctx) => Promise.resolve(seen.push(ctx.outputs)))],
      { leaseTtlMs: 30_000 },
    );
    // What a runner that died in 'provision' leaves behind.
    const t = clock.now();
    expect(await store.workflows.acquireLease(wf.id, "dead-runner", 30_000, t)).toBe(true);
    await store.workflows.markRunning(wf.id, "dead-runner", t);
    await store.workflows.startStep(wf.id, "dead-runner", "reserve", t);
    await store.workflows.finishStep(wf.id, "dead-runner", "reserve", { status: "Succeeded", output: { from: "dead" }, now: t, durationMs: 1 });
    await store.workflows.startStep(wf.id, "dead-runner", "provision", t);

    clock.advance(29_999);
    expect(await engine.resumePending()).toEqual([]);
    expect(ran).toEqual([]);
    clock.advance(1);
    const resumed = await engine.resumePending();
    expect(resumed).toHaveLength(1);
    expect(resumed[0]?.result).toMatchObject({ outcome: "finished", workflow: { id: wf.id, status: "Succeeded", attempt: 2 } });
    expect(ran).toEqual(["provision", "announce"]);
    expect(seen).toEqual([{ reserve: { from: "dead" }, provision: { step: "provision" } }]);
    expect((await store.workflows.steps(wf.id)).map((s) => [s.name, s.status, s.attempts])).toEqual([
      ["reserve", "Succeeded", 1],
      ["provision", "Succeeded", 2],
      ["announce", "Succeeded", 1],
    ]);
  });

  test("two engines started on one workflow: only one runs the steps", async () => {
    const ran: string[] = [];
    const slow = (name: string) => step(ran, name, async () => {
      await delay(40);
      return name;
    });
    const definition = onboard([slow("a"), slow("b")]);
    const { wf } = await setup([slow("a"), slow("b")]);
    const engines = [await backend.open(), await backend.open()].map((store: Store, i) =>
      createEngine({ store, workflows: [definition], owner: `engine-${i}` }),
    );
    const results = await Promise.all(engines.map((e) => e.runWorkflow(wf.id)));
    expect(results.map((r) => r.outcome).sort()).toEqual(["busy", "finished"]);
    expect(ran).toEqual(["a", "b"]);
    // The same engine asked twice at once: one run, one "busy".
    const again = await setup([slow("x")]);
    const twice = await Promise.all([again.engine.runWorkflow(again.wf.id), again.engine.runWorkflow(again.wf.id)]);
    expect(twice.map((r) => r.outcome).sort()).toEqual(["busy", "finished"]);
    expect(ran).toEqual(["a", "b", "x"]);
  });

  test("a cancel request stops the workflow at the next step boundary", async () => {
    const ran: string[] = [];
    const ref: { engine?: WorkflowEngine } = {};
    const { store, engine, wf } = await setup([
      step(ran, "first", async (ctx) => {
        await ref.engine?.requestCancel(ctx.workflowId);
        return "done anyway";
      }),
      step(ran, "second"),
    ]);
    ref.engine = engine;
    const result = await engine.runWorkflow(wf.id);
    expect(result.outcome === "finished" && result.workflow).toMatchObject({ status: "Cancelled", error: "cancelled on request", cancelRequested: true });
    expect(ran).toEqual(["first"]);
    expect((await store.workflows.steps(wf.id)).map((s) => s.status)).toEqual(["Succeeded", "Skipped"]);
  });

  test("a cancel request aborts a running step through ctx.signal", async () => {
    const ran: string[] = [];
    const { store, engine, wf, events } = await setup(
      [
        step(ran, "wait", (ctx) => new Promise((_resolve, reject) => {
          ctx.signal.addEventListener("abort", () => { reject(new Error("aborted by signal")); });
        })),
        step(ran, "never"),
      ],
      { heartbeatMs: 10, leaseTtlMs: 60_000 },
    );
    const running = engine.runWorkflow(wf.id);
    while (!events.some((e) => e.type === "step-started")) await delay(5);
    await engine.requestCancel(wf.id);
    const result = await running;
    expect(result.outcome === "finished" && result.workflow.status).toBe("Cancelled");
    expect(ran).toEqual(["wait"]);
    expect((await store.workflows.steps(wf.id)).map((s) => [s.status, s.error])).toEqual([
      ["Failed", "cancelled while running: aborted by signal"],
      ["Skipped", null],
    ]);
  });

  test("a workflow nobody runs is cancelled at once; a finished one cannot be", async () => {
    const ran: string[] = [];
    const { engine, wf } = await setup([step(ran, "a")]);
    expect(await engine.requestCancel(wf.id)).toMatchObject({ status: "Cancelled", cancelRequested: true, leaseOwner: null });
    expect((await engine.runWorkflow(wf.id)).outcome).toBe("finished");
    expect(ran).toEqual([]);

    const done = await engine.createWorkflow("onboard", unique("t"), { tier: "small" });
    await engine.runWorkflow(done.id);
    await expect(engine.requestCancel(done.id)).rejects.toBeInstanceOf(ConflictError);
    await expect(engine.requestCancel(unique("nope"))).rejects.toBeInstanceOf(NotFoundError);
  });

  test("the caller's signal interrupts a run and leaves it resumable", async () => {
    const ran: string[] = [];
    const controller = new AbortController();
    const { store, engine, wf } = await setup([
      step(ran, "a", () => {
        controller.abort();
        return Promise.resolve("a");
      }),
      step(ran, "b"),
    ]);
    expect(await engine.runWorkflow(wf.id, { signal: controller.signal })).toEqual({ outcome: "interrupted" });
    expect(await store.workflows.require(wf.id)).toMatchObject({ status: "Running", leaseOwner: null });
    const result = await engine.runWorkflow(wf.id);
    expect(result.outcome === "finished" && result.workflow).toMatchObject({ status: "Succeeded", attempt: 2 });
    expect(ran).toEqual(["a", "b"]);
  });

  test("a drain lets the running step finish and record its end, then stops before the next", async () => {
    const ran: string[] = [];
    const drain = new AbortController();
    let sawAborted: boolean | undefined;
    const { store, engine, wf } = await setup([
      step(ran, "a", async (ctx) => {
        // Asked to drain while this step is under way: the step itself is never cut.
        drain.abort();
        await delay(5);
        sawAborted = ctx.signal.aborted;
        return "a";
      }),
      step(ran, "b"),
    ]);
    expect(await engine.runWorkflow(wf.id, { drain: drain.signal })).toEqual({ outcome: "interrupted" });
    expect(sawAborted).toBe(false);
    expect((await store.workflows.steps(wf.id)).map((s) => s.status)).toEqual(["Succeeded", "Pending"]);
    expect(await store.workflows.require(wf.id)).toMatchObject({ status: "Running", leaseOwner: null });
    const result = await engine.runWorkflow(wf.id);
    expect(result.outcome === "finished" && result.workflow).toMatchObject({ status: "Succeeded" });
    expect(ran).toEqual(["a", "b"]);
  });

  test("a workflow whose runs keep dying fails after maxRuns", async () => {
    const ran: string[] = [];
    const { store, clock, engine, wf } = await setup([step(ran, "a")], { maxRuns: 1, leaseTtlMs: 1_000 });
    await store.workflows.acquireLease(wf.id, "dead", 1_000, clock.now());
    await store.workflows.markRunning(wf.id, "dead", clock.now());
    clock.advance(1_000);
    const [resumed] = await engine.resumePending();
    expect(resumed?.result).toMatchObject({ outcome: "finished", workflow: { status: "Failed", error: expect.stringMatching(/gave up after 1 runs/) as unknown } });
    expect(ran).toEqual([]);
  });

  test("createWorkflow checks kind and input, records the plan, and can join a store transaction", async () => {
    const ran: string[] = [];
    const { store, engine } = await setup([step(ran, "a"), step(ran, "b")]);
    await expect(engine.createWorkflow("rollout", "t", {})).rejects.toBeInstanceOf(NotFoundError);
    await expect(engine.createWorkflow("onboard", "t", { tier: 3 })).rejects.toBeInstanceOf(ProgrammingError);

    const tenant = unique("tx");
    await expect(
      store.transaction(async (tx) => {
        await tx.tenants.reserve({ name: tenant, spec: {}, domains: [], now: new Date() });
        await engine.createWorkflow("onboard", tenant, { tier: "small" }, { within: tx });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await store.workflows.list({ tenantName: tenant })).toEqual([]);
    const created = await store.transaction(async (tx) => {
      await tx.tenants.reserve({ name: tenant, spec: {}, domains: [], now: new Date() });
      return engine.createWorkflow("onboard", tenant, { tier: "small" }, { within: tx });
    });
    expect((await store.workflows.steps(created.id)).map((s) => s.name)).toEqual(["a", "b"]);
  });
});

describe("workflow definitions", () => {
  test("need steps with distinct names and sane retry policies", () => {
    const run = (): Promise<unknown> => Promise.resolve(null);
    expect(() => defineWorkflow({ kind: "onboard", parseInput, steps: [] })).toThrow(ProgrammingError);
    expect(() => defineWorkflow({ kind: "onboard", parseInput, steps: [{ name: "a", run }, { name: "a", run }] })).toThrow(/used twice/);
    expect(() =>
      defineWorkflow({ kind: "onboard", parseInput, steps: [{ name: "a", run, retry: { maxAttempts: 0, baseDelayMs: 10, maxDelayMs: 5 } }] }),
    ).toThrow(ProgrammingError);
  });
});
