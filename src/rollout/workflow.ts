/**
 * A rollout run is a durable workflow (kind "rollout", one step "drive"): the engine gives
 * it the lease, the heartbeat, crash takeover and cancellation; the rollout's own progress
 * lives in the rollout tables, fenced by that lease.
 */
import { z } from "zod";
import { defineWorkflow } from "../workflows/engine/index.js";
import { driveRollout, type RunnerDeps } from "./runner.js";

export const rolloutInput = z.strictObject({ rolloutId: z.string().min(1) });

export function rolloutWorkflow(deps: RunnerDeps) {
  return defineWorkflow({
    kind: "rollout",
    parseInput: (raw) => rolloutInput.parse(raw),
    steps: [
      {
        name: "drive",
        // Tenant failures are the rollout's business (gates, policy); what reaches here is
        // the store or the runner itself, worth a few more tries before a person looks.
        retry: { maxAttempts: 3, baseDelayMs: 2_000, maxDelayMs: 10_000 },
        async run(ctx) {
          const state = await driveRollout(deps, ctx.input.rolloutId, { workflowId: ctx.workflowId, owner: ctx.owner }, ctx.signal);
          return { state };
        },
      },
    ],
  });
}
