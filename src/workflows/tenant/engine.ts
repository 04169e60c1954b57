/** The engine that runs the tenant workflows, wired so every ended workflow settles its tenant's phase. */
import { createEngine, type EngineOptions, type WorkflowEngine } from "../engine/index.js";
import { offboardWorkflow } from "./offboard.js";
import { onboardWorkflow } from "./onboard.js";
import { settleAfterWorkflow } from "./phases.js";
import type { TenantServices } from "./services.js";
import { updateWorkflow } from "./update.js";

export function tenantEngine(s: TenantServices, options: Omit<EngineOptions, "store" | "workflows" | "onFinished"> = {}): WorkflowEngine {
  return createEngine({
    ...options,
    store: s.store,
    workflows: [onboardWorkflow(s), updateWorkflow(s), offboardWorkflow(s)],
    onFinished: (wf) => settleAfterWorkflow(s.store, wf, new Date()),
  });
}
