/**
 * Onboarding: validate -> reserve -> render -> cloud resources -> apply -> wait until
 * ready -> monitoring and alert route -> credentials -> done. The name and domains are
 * reserved when the workflow is submitted (submit.ts); the reserve step confirms it.
 */
import { defineWorkflow } from "../engine/index.js";
import { tenantInput } from "./input.js";
import { transition } from "./phases.js";
import type { TenantServices } from "./services.js";
import { applyStep, cloudResourcesStep, credentialsStep, liveStep, monitoringStep, renderStep, validateStep, waitReadyStep } from "./steps.js";

export function onboardWorkflow(s: TenantServices) {
  return defineWorkflow({
    kind: "onboard",
    parseInput: (raw) => tenantInput.parse(raw),
    steps: [
      validateStep(s),
      {
        name: "reserve",
        async run(ctx) {
          const record = await transition(s.store, ctx.tenantName, "start-onboard", ctx.now());
          return { generation: record.generation, domains: record.domains };
        },
      },
      renderStep(s),
      cloudResourcesStep(s),
      applyStep(s),
      waitReadyStep(s),
      monitoringStep(s),
      credentialsStep(s),
      liveStep(s, "tenant.onboarded"),
    ],
  });
}
