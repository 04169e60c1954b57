/**
 * Crash recovery for real: a child process runs a workflow whose second step SIGKILLs the
 * process mid-way. The parent then resumes it once the child's lease has expired, and
 * counts side effects in a file: steps that had succeeded do not run again.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { createEngine } from "../../../src/workflows/engine/engine.js";
import { BACKENDS, useBackend } from "../../store/support/backends.js";
import { exited, lines, spawnScript } from "../../store/support/child-process.js";
import { crashWorkflow } from "./support/crash-workflow.js";
import { FakeClock } from "./support/fake-clock.js";

const LEASE_TTL_MS = 60_000;

function effects(file: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of readFileSync(file, "utf8").split("\n").filter(Boolean)) counts[line] = (counts[line] ?? 0) + 1;
  return counts;
}

describe.each(BACKENDS)("crash recovery on $name", (factory) => {
  const backend = useBackend(factory);

  test("a process killed mid-step is resumed after its lease expires; succeeded steps run exactly once", async () => {
    const store = await backend.open();
    const effectsFile = join(backend.baseDir, `effects-${factory.name}.log`);
    const definition = crashWorkflow(effectsFile);
    const wf = await createEngine({ store, workflows: [definition] }).createWorkflow("onboard", "acme", { tier: "small" });

    const child = spawnScript("test/workflows/engine/support/crash-child.ts", {
      url: backend.url,
      baseDir: backend.baseDir,
      workflowId: wf.id,
      effectsFile,
      crashIn: "provision",
      leaseTtlMs: LEASE_TTL_MS,
    });
    const output = lines(child);
    expect(await exited(child)).toEqual({ code: null, signal: "SIGKILL" });
    expect(await output.next()).toBe("");

    // What the dead process left: one step done, one started, the lease still its own.
    expect(effects(effectsFile)).toEqual({ reserve: 1, provision: 1 });
    const left = await store.workflows.require(wf.id);
    expect(left).toMatchObject({ status: "Running", leaseOwner: "child", attempt: 1 });
    expect((await store.workflows.steps(wf.id)).map((s) => [s.name, s.status, s.attempts])).toEqual([
      ["reserve", "Succeeded", 1],
      ["provision", "Running", 1],
      ["announce", "Pending", 0],
    ]);

    const clock = new FakeClock(new Date().toISOString());
    const parent = createEngine({ store, workflows: [definition], clock, owner: "parent" });
    expect(await parent.resumePending()).toEqual([]);
    expect(await parent.runWorkflow(wf.id)).toMatchObject({ outcome: "busy", holder: "child" });

    clock.advance(LEASE_TTL_MS + 1_000);
    const [resumed, ...others] = await parent.resumePending();
    expect(others).toEqual([]);
    expect(resumed?.result).toMatchObject({ outcome: "finished", workflow: { id: wf.id, status: "Succeeded", attempt: 2, leaseOwner: null } });

    // At least once: the step the crash cut short ran again; the others exactly once.
    expect(effects(effectsFile)).toEqual({ reserve: 1, provision: 2, announce: 1 });
    const steps = await store.workflows.steps(wf.id);
    expect(steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ["reserve", "Succeeded", 1],
      ["provision", "Succeeded", 2],
      ["announce", "Succeeded", 1],
    ]);
    expect(steps.map((s) => s.output)).toEqual([
      { namespace: "tenant-acme", tier: "small" },
      { database: "tenant-acme-db" },
      { done: ["reserve", "provision"] },
    ]);
  });
});
