/** Updates (overrides, tier, version): the same machinery as onboarding, on a live tenant. */
import { defineWorkflow } from "../engine/index.js";
import { tenantInput } from "./input.js";
import { transition } from "./phases.js";
import type { TenantServices } from "./services.js";
import { applyStep, cloudResourcesStep, renderStep, validateStep, waitReadyStep } from "./steps.js";

export function updateWorkflow(s: TenantServices) {
  return defineWorkflow({
    kind: "update",
    parseInput: (raw) => tenantInput.parse(raw),
    steps: [
      validateStep(s),
      renderStep(s),
      cloudResourcesStep(s),
      applyStep(s),
      waitReadyStep(s),
      {
        name: "done",
        async run(ctx) {
          await transition(s.store, ctx.tenantName, "updated", ctx.now());
          await s.store.audit.append({ at: ctx.now(), actor: ctx.input.actor, action: "tenant.updated", tenantName: ctx.tenantName, details: { workflowId: ctx.workflowId } });
          return { phase: "Ready" };
        },
      },
    ],
  });
}
