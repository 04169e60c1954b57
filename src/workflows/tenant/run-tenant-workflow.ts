/** Runs a tenant workflow to its end and keeps the tenant's phase in step with the outcome. */
import type { ProgressListener, RunOptions, RunResult, WorkflowEngine } from "../engine/index.js";
import { settleAfterWorkflow } from "./phases.js";
import type { TenantServices } from "./services.js";

export async function runTenantWorkflow(
  s: TenantServices,
  engine: WorkflowEngine,
  id: string,
  onProgress?: ProgressListener,
  options: Omit<RunOptions, "onProgress"> = {},
): Promise<RunResult> {
  const result = await engine.runWorkflow(id, { ...options, ...(onProgress ? { onProgress } : {}) });
  // Engines wired with tenantEngine settle already; settling twice is a no-op.
  if (result.outcome === "finished") await settleAfterWorkflow(s.store, result.workflow, new Date());
  return result;
}
