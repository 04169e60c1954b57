/**
 * Submitting tenant workflows. Validation happens before anything is written; the name
 * and domains are reserved, the placement recorded, the phase moved (tenant/phases.ts)
 * and the workflow created in one transaction, so of two racing requests exactly one
 * gets a workflow. The placement is decided again inside that transaction, under the
 * placement lock and from the capacity placed at that moment (summed in SQL, not read
 * tenant by tenant), so racing requests cannot overfill a cluster either.
 */
import { ConflictError, InputError, NotFoundError } from "../../errors.js";
import { bundleHash } from "../../render/bundle.js";
import { claimPolicy } from "../../spec/custom-domains.js";
import { placementRecordOf } from "../../spec/placement-record.js";
import { freeCapacity } from "../../spec/capacity.js";
import type { Repos, TenantRecord, WorkflowRecord } from "../../store/index.js";
import type { WorkflowEngine } from "../engine/index.js";
import { specDiff } from "./spec-changes.js";
import { MOVE_KIND } from "./move-input.js";
import { ADOPT_KIND, type AdoptInput } from "./adopt-input.js";
import { formatAdvice, liveWorkflow, settleStalled, transition, wasReady, wayForward } from "./phases.js";
import { isPlacementRecord, renderStored, resolveSpec, specName, type TenantServices } from "./services.js";



async function free(s: TenantServices, repos: Repos, except?: string): Promise<Map<string, bigint>> {
  return freeCapacity(s.platform.config, await repos.tenants.placedCapacity(except));
}

async function refusal(repos: Repos, t: TenantRecord, what: string): Promise<ConflictError> {
  return new ConflictError(`${what}\n${formatAdvice(await wayForward(repos, t))}`);
}

export interface OnboardOptions {
  readonly reuseRetained?: boolean;
  /** Onboard by adopting an existing setup (landlord adopt): the adopt workflow, with what it takes over. */
  readonly adopt?: Omit<AdoptInput, "spec" | "actor">;
}

export async function submitOnboard(s: TenantServices, engine: WorkflowEngine, spec: Record<string, unknown>, actor: string, now: Date, opts: OnboardOptions = {}): Promise<WorkflowRecord> {
  const checked = resolveSpec(s, spec, { free: await free(s, s.store, specName(spec)) });
  const name = checked.tenant.metadata.name;
  const existing = await settleStalled(s.store, name, now);
  // An onboarding that failed (or was cancelled) is retried by onboarding again; its name and domains stay held.
  const retry = existing?.phase === "Failed" && !(await wasReady(s.store, existing));
  if (existing && existing.phase !== "Offboarded" && !retry) {
    throw await refusal(s.store, existing, `tenant '${name}' already exists (phase ${existing.phase}).`);
  }
  return s.store.transaction(async (tx) => {
    await tx.tenants.lockPlacement();
    const tenant = resolveSpec(s, spec, { free: await free(s, tx, retry ? name : undefined) });
    if (retry) {
      await tx.tenants.updateSpec({ name, spec: tenant.tenant, domains: tenant.tenant.spec.domains, now, expectedGeneration: existing.generation, claims: claimPolicy(s.platform.config) });
      await transition(tx, name, "retry-onboard", now);
    } else {
      await tx.tenants.reserve({ name, spec: tenant.tenant, domains: tenant.tenant.spec.domains, now, claims: claimPolicy(s.platform.config), ...(opts.reuseRetained === true ? { reuseRetained: true } : {}) });
    }
    await tx.tenants.setPlacement(name, placementRecordOf(tenant), now);
    const wf = opts.adopt
      ? await engine.createWorkflow(ADOPT_KIND, name, { spec: tenant.tenant, actor, ...opts.adopt }, { within: tx })
      : await engine.createWorkflow("onboard", name, { spec: tenant.tenant, actor }, { within: tx });
    await tx.audit.append({ at: now, actor, action: opts.adopt ? "tenant.adopt-requested" : "tenant.onboard-requested", tenantName: name, details: { workflowId: wf.id, spec: tenant.tenant } });
    return wf;
  });
}

/** The bundle hash the tenant's last successful onboard or update delivered, if recorded. */
export async function deliveredHash(repos: Repos, name: string): Promise<string | undefined> {
  const done = await repos.workflows.list({ tenantName: name, kinds: ["onboard", "update", MOVE_KIND, ADOPT_KIND], statuses: ["Succeeded"] });
  const last = done.at(-1);
  if (!last) return undefined;
  const render = (await repos.workflows.steps(last.id)).find((st) => st.name === "render");
  const hash = (render?.output as { hash?: unknown } | undefined)?.hash;
  return typeof hash === "string" ? hash : undefined;
}

export interface UpdatePlan {
  readonly name: string;
  /** Spec fields that change. */
  readonly changes: ReturnType<typeof specDiff>;
  /** The spec is unchanged but landlord.yaml changed what it renders (a new default, a new version). */
  readonly platformChanged: boolean;
  /** Set when the new spec places the tenant on another cluster: a move keeps its data (docs/adr/0020). */
  readonly move?: { readonly from: string; readonly to: string };
}

/**
 * What `landlord update` would do for this spec: nothing (undefined), or an update for
 * spec changes and/or a changed rendering (landlord.yaml changed since the last delivery).
 * Reads only; refuses (ConflictError with the way forward) when the phase allows no update.
 */
export async function planUpdate(s: TenantServices, spec: Record<string, unknown>, now: Date): Promise<UpdatePlan | undefined> {
  const name = specName(spec);
  const record = await settleStalled(s.store, name, now);
  if (!record) throw new NotFoundError(`tenant '${name}' is not onboarded: onboard it first (landlord onboard -f FILE)`);
  const updatable = record.phase === "Ready" || (record.phase === "Failed" && (await wasReady(s.store, record)));
  if (!updatable) throw await refusal(s.store, record, `tenant '${name}' is ${record.phase}; it cannot be updated from there.`);
  const recorded = isPlacementRecord(record.placement) ? record.placement : undefined;
  const tenant = resolveSpec(s, spec, recorded ? { placement: recorded, free: await free(s, s.store, name) } : { free: await free(s, s.store, name) });
  const changes = specDiff(record.spec, tenant.tenant);
  // Hashed exactly as the render step hashes what it delivers (same spec, placement, packaging).
  const platformChanged = changes.length === 0 && bundleHash((await renderStored(s, name, tenant.tenant)).bundle) !== (await deliveredHash(s.store, name));
  if (changes.length === 0 && !platformChanged && record.phase === "Ready") return undefined;
  const move = recorded && recorded.cluster !== tenant.placement.cluster ? { from: recorded.cluster, to: tenant.placement.cluster } : undefined;
  if (move && s.delivery.kind === "gitops") {
    throw new ConflictError(
      `tenant '${name}' would move from cluster ${move.from} to ${move.to}. GitOps delivery cannot move a database: one commit would replace the old namespace, with its data, before the new one holds it; nothing was changed. Run this update with delivery.mode: kubernetes (the move backs up, restores, checks the data, then cuts over), or keep the tier that places it on ${move.from}.`,
    );
  }
  return { name, changes, platformChanged, ...(move ? { move } : {}) };
}

export async function submitUpdate(s: TenantServices, engine: WorkflowEngine, spec: Record<string, unknown>, actor: string, now: Date): Promise<WorkflowRecord | undefined> {
  const plan = await planUpdate(s, spec, now);
  if (!plan) return undefined;
  const { name } = plan;
  const record = await s.store.tenants.require(name);
  const recorded = isPlacementRecord(record.placement) ? record.placement : undefined;
  return s.store.transaction(async (tx) => {
    await tx.tenants.lockPlacement();
    const f = await free(s, tx, name);
    const tenant = resolveSpec(s, spec, recorded ? { placement: recorded, free: f } : { free: f });
    await tx.tenants.updateSpec({ name, spec: tenant.tenant, domains: tenant.tenant.spec.domains, now, expectedGeneration: record.generation, claims: claimPolicy(s.platform.config) });
    if (recorded && plan.move) {
      // A move keeps the source as the recorded placement (where it serves) until its cut-over step.
      await transition(tx, name, "request-move", now);
      const wf = await engine.createWorkflow(MOVE_KIND, name, { spec: tenant.tenant, actor, from: { spec: record.spec, placement: recorded } }, { within: tx });
      await tx.audit.append({ at: now, actor, action: "tenant.move-requested", tenantName: name, details: { workflowId: wf.id, changes: plan.changes, from: plan.move.from, to: plan.move.to } });
      return wf;
    }
    await tx.tenants.setPlacement(name, placementRecordOf(tenant), now);
    await transition(tx, name, "request-update", now);
    const wf = await engine.createWorkflow("update", name, { spec: tenant.tenant, actor }, { within: tx });
    await tx.audit.append({
      at: now,
      actor,
      action: "tenant.update-requested",
      tenantName: name,
      details: { workflowId: wf.id, changes: plan.changes, ...(plan.platformChanged ? { reason: "landlord.yaml changed the rendered objects" } : {}) },
    });
    return wf;
  });
}

export async function submitOffboard(
  s: TenantServices,
  engine: WorkflowEngine,
  name: string,
  opts: { actor: string; force: boolean; now: Date; confirmedBackups?: readonly string[] },
): Promise<WorkflowRecord> {
  const record = (await settleStalled(s.store, name, opts.now)) ?? (await s.store.tenants.require(name));
  const running = await liveWorkflow(s.store, name);
  if (running) {
    // Offboarding under a running onboarding would race its last step back to Ready.
    throw await refusal(s.store, record, `tenant '${name}' has a ${running.kind} workflow ${running.status.toLowerCase()} (${running.id}); offboarding waits for it.`);
  }
  // Offboarding again is allowed when an earlier offboarding stopped (its workflow failed).
  if (record.phase === "Offboarded") throw await refusal(s.store, record, `tenant '${name}' is already Offboarded.`);
  const recorded = isPlacementRecord(record.placement) ? record.placement : undefined;
  let retentionDays = 30;
  try {
    retentionDays = resolveSpec(s, record.spec, recorded ? { placement: recorded } : {}).effective.database.backup.retentionDays;
  } catch (err) {
    // A spec that no longer validates (the platform changed) must still be removable.
    if (!(err instanceof InputError)) throw err;
  }
  return s.store.transaction(async (tx) => {
    await transition(tx, name, "request-offboard", opts.now);
    const confirmedBackups = [...(opts.confirmedBackups ?? [])];
    const wf = await engine.createWorkflow("offboard", name, { spec: record.spec as Record<string, unknown>, actor: opts.actor, force: opts.force, retentionDays, confirmedBackups }, { within: tx });
    await tx.audit.append({ at: opts.now, actor: opts.actor, action: "tenant.offboard-requested", tenantName: name, details: { workflowId: wf.id, force: opts.force } });
    if (confirmedBackups.length > 0) {
      // The operator vouches for data that Landlord could not see being saved: on the record, by name.
      await tx.audit.append({ at: opts.now, actor: opts.actor, action: "tenant.final-backup-confirmed", tenantName: name, details: { workflowId: wf.id, backups: confirmedBackups } });
    }
    return wf;
  });
}
