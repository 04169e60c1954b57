/** Runs a tenant workflow to its end and keeps the tenant's phase in step with the outcome. */
import type { WorkflowRecord } from "../../store/index.js";
import type { ProgressListener, RunResult, WorkflowEngine } from "../engine/index.js";
import type { TenantServices } from "./services.js";

export async function runTenantWorkflow(
  s: TenantServices,
  engine: WorkflowEngine,
  id: string,
  onProgress?: ProgressListener,
): Promise<RunResult> {
  const result = await engine.runWorkflow(id, onProgress ? { onProgress } : {});
  if (result.outcome === "finished") await settlePhase(s, result.workflow);
  return result;
}

async function settlePhase(s: TenantServices, wf: WorkflowRecord): Promise<void> {
  if (wf.status !== "Failed" && wf.status !== "Cancelled") return;
  const tenant = await s.store.tenants.get(wf.tenantName);
  // An offboarding that stopped stays Offboarding: it can be resumed, never half-undone.
  if (!tenant || tenant.phase === "Offboarding" || tenant.phase === "Offboarded") return;
  await s.store.tenants.setPhase(wf.tenantName, "Failed", new Date());
}
