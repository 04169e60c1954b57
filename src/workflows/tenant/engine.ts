/** The engine that runs the tenant workflows, wired so every ended workflow settles its tenant's phase. */
import type { DatabaseProbe } from "../../delivery/kubernetes/database-probe.js";
import { createEngine, type EngineOptions, type WorkflowEngine } from "../engine/index.js";
import { kubernetesDatabaseProbe } from "../../delivery/kubernetes/database-probe-kube.js";
import { adoptWorkflow } from "./adopt.js";
import { backupVerifyWorkflow } from "./backup-verify.js";
import { moveWorkflow } from "./move.js";
import { offboardWorkflow } from "./offboard.js";
import { onboardWorkflow } from "./onboard.js";
import { settleAfterWorkflow } from "./phases.js";
import { restoreWorkflow } from "./restore.js";
import type { TenantServices } from "./services.js";
import { updateWorkflow } from "./update.js";

export interface TenantEngineOptions extends Omit<EngineOptions, "store" | "workflows" | "onFinished"> {
  /** Reads a tenant's data for a move's check on arrival; without one, a move stops before cut-over (docs/adr/0020). */
  readonly databaseProbe?: DatabaseProbe;
}

/** In Kubernetes delivery the data is read by a pod in the tenant's namespace; other deliveries reach no database. */
function defaultProbe(s: TenantServices): DatabaseProbe | undefined {
  const access = s.delivery.cluster;
  if (!access) return undefined;
  return kubernetesDatabaseProbe((cluster) => access.applierFor(cluster), { timeoutSeconds: s.platform.config.delivery.kubernetes.readyTimeoutSeconds });
}

export function tenantEngine(s: TenantServices, options: TenantEngineOptions = {}): WorkflowEngine {
  const { databaseProbe, ...engineOptions } = options;
  const probe = databaseProbe ?? defaultProbe(s);
  return createEngine({
    ...engineOptions,
    store: s.store,
    workflows: [onboardWorkflow(s), updateWorkflow(s), offboardWorkflow(s), moveWorkflow(s, probe), backupVerifyWorkflow(s, probe), restoreWorkflow(s, probe), adoptWorkflow(s, probe)],
    onFinished: (wf) => settleAfterWorkflow(s.store, wf, new Date()),
  });
}
