/** Store records as the API shows them: plain JSON, dates as ISO text, nothing secret. */
import type { StepRecord, TenantRecord, WorkflowRecord } from "../store/index.js";
import type { DomainClaim } from "../store/domain-claims.js";
import { formatMinor } from "../cost/money.js";
import type { InvoiceRecord } from "../store/invoices-repo.js";
import type { ReleaseRecord } from "../store/releases-repo.js";
import type { RolloutRecord } from "../store/rollouts-repo.js";
import { isPlacementRecord } from "../workflows/tenant/services.js";

export function tenantView(t: TenantRecord) {
  // The stored document is trusted shallowly (see stored-documents.ts): read its fields defensively.
  const spec = t.spec as { spec?: { tier?: unknown; displayName?: unknown } };
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

export function domainClaimView(c: DomainClaim) {
  return { domain: c.domain, kind: c.kind, status: c.status, claimed: c.claimedAt.toISOString(), expires: c.expiresAt?.toISOString() ?? null };
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

export function releaseView(r: ReleaseRecord) {
  return { version: r.version, image: r.image ?? null, config: r.config ?? null, notes: r.notes ?? null, created: r.createdAt.toISOString(), createdBy: r.createdBy };
}

export function rolloutView(r: RolloutRecord) {
  return {
    id: r.id,
    version: r.releaseVersion,
    state: r.state,
    requested: r.requested,
    reason: r.reason,
    skipped: r.skipped.map((s) => ({ tenant: s.tenant, reason: s.reason })),
    workflowId: r.workflowId,
    actor: r.actor,
    created: r.createdAt.toISOString(),
    updated: r.updatedAt.toISOString(),
    finished: r.finishedAt?.toISOString() ?? null,
  };
}

export function invoiceView(i: InvoiceRecord) {
  return {
    number: i.number,
    kind: i.kind,
    tenant: i.tenantName,
    month: i.month,
    currency: i.currency,
    issuedAt: i.issuedAt.toISOString(),
    credits: i.credits,
    reason: i.reason,
    lines: i.lines.map((l) => ({ description: l.description, amount: formatMinor(l.amountMinor, i.currency), amountMinor: Number(l.amountMinor) })),
    total: formatMinor(i.totalMinor, i.currency),
    totalMinor: Number(i.totalMinor),
  };
}
