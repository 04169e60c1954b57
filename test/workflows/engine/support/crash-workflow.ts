/**
 * The workflow of the crash-recovery test: each step appends its name to an effects file
 * (a side effect the test can count), and the step named `crashIn` then kills its own
 * process with SIGKILL — no cleanup, no finally blocks, like a power cut or the OOM killer.
 */
import { appendFileSync } from "node:fs";
import { defineWorkflow } from "../../../../src/workflows/engine/definition.js";
import type { RegisteredWorkflow, StepContext } from "../../../../src/workflows/engine/definition.js";

export interface CrashInput {
  readonly tier: string;
}

export const CRASH_STEPS = ["reserve", "provision", "announce"] as const;

export function crashWorkflow(effectsFile: string, crashIn?: string): RegisteredWorkflow {
  const step = (name: string, output: (ctx: StepContext<CrashInput>) => unknown) => ({
    name,
    run: (ctx: StepContext<CrashInput>): Promise<unknown> => {
      appendFileSync(effectsFile, `${name}\n`);
      if (name === crashIn) process.kill(process.pid, "SIGKILL");
      return Promise.resolve(output(ctx));
    },
  });
  return defineWorkflow<CrashInput>({
    kind: "onboard",
    parseInput: (raw) => {
      if (typeof raw !== "object" || raw === null || !("tier" in raw) || typeof raw.tier !== "string") {
        throw new Error("input needs a tier");
      }
      return { tier: raw.tier };
    },
    steps: [
      step("reserve", (ctx) => ({ namespace: `tenant-${ctx.tenantName}`, tier: ctx.input.tier })),
      step("provision", (ctx) => ({ database: `${(ctx.outputs["reserve"] as { namespace: string }).namespace}-db` })),
      step("announce", (ctx) => ({ done: Object.keys(ctx.outputs) })),
    ],
  });
}
