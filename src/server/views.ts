/** Store records as the API shows them: plain JSON, dates as ISO text, nothing secret. */
import type { StepRecord, TenantRecord, WorkflowRecord } from "../store/index.js";
import { isPlacementRecord } from "../workflows/tenant/services.js";

export function tenantView(t: TenantRecord) {
  const spec = (t.spec ?? {}) as { spec?: { tier?: unknown; displayName?: unknown } };
  return {
    name: t.name,
    phase: t.phase,
    tier: typeof spec.spec?.tier === "string" ? spec.spec.tier : "",
    displayName: typeof spec.spec?.displayName === "string" ? spec.spec.displayName : t.name,
    generation: t.generation,
    cluster: isPlacementRecord(t.placement) ? t.placement.cluster : null,
    domains: [...t.domains],
    created: t.createdAt.toISOString(),
    updated: t.updatedAt.toISOString(),
    dataRetainedUntil: t.retainUntil?.toISOString() ?? null,
  };
}

export function stepView(s: StepRecord) {
  return { name: s.name, status: s.status, attempts: s.attempts, error: s.error, durationMs: s.durationMs };
}

export function workflowView(w: WorkflowRecord, steps?: readonly StepRecord[]) {
  return {
    id: w.id,
    kind: w.kind,
    tenant: w.tenantName,
    status: w.status,
    error: w.error,
    created: w.createdAt.toISOString(),
    started: w.startedAt?.toISOString() ?? null,
    finished: w.finishedAt?.toISOString() ?? null,
    ...(steps ? { steps: steps.map(stepView) } : {}),
  };
}
