/**
 * Submitting tenant workflows. Validation happens before anything is written; the name
 * and domains are reserved, the placement recorded and the workflow created in one
 * transaction, so of two racing requests exactly one gets a workflow. The placement is
 * decided again inside that transaction, under the placement lock and from the capacity
 * placed at that moment, so racing requests cannot overfill a cluster either.
 */
import { ConflictError, InputError } from "../../errors.js";
import { freeCapacity, type PlacedTenant } from "../../spec/capacity.js";
import { cpuMillis } from "../../spec/quantity.js";
import type { ResolvedTenant } from "../../spec/resolve.js";
import type { Repos, WorkflowRecord } from "../../store/index.js";
import type { WorkflowEngine } from "../engine/index.js";
import { specDiff } from "./diff.js";
import { isPlacementRecord, resolveSpec, type PlacementRecord, type TenantServices } from "./services.js";

function placementRecord(t: ResolvedTenant): PlacementRecord {
  const shared = !t.placement.dedicatedCluster && t.placement.nodePool === undefined;
  return { ...t.placement, sharedCpuMillis: shared ? String(cpuMillis(t.effective.quota.cpu)) : "0" };
}

async function placedTenants(repos: Repos, except?: string): Promise<PlacedTenant[]> {
  const live = await repos.tenants.list({ phases: ["Pending", "Provisioning", "Ready", "Updating", "Failed"] });
  return live
    .filter((t) => t.name !== except && isPlacementRecord(t.placement))
    .map((t) => {
      const p = t.placement as PlacementRecord;
      return { cluster: p.cluster, sharedCpuMillis: BigInt(p.sharedCpuMillis) };
    });
}

export async function submitOnboard(s: TenantServices, engine: WorkflowEngine, spec: Record<string, unknown>, actor: string, now: Date): Promise<WorkflowRecord> {
  const checked = resolveSpec(s, spec, { free: freeCapacity(s.platform.config, await placedTenants(s.store)) });
  const name = checked.tenant.metadata.name;
  const existing = await s.store.tenants.get(name);
  // An onboarding that failed is retried by onboarding again (its name and domains stay held).
  const last = existing ? (await s.store.workflows.list({ tenantName: name })).at(-1) : undefined;
  const retry = existing?.phase === "Failed" && last?.kind === "onboard" && last.status !== "Running" && last.status !== "Pending";
  if (existing && existing.phase !== "Offboarded" && !retry) {
    throw new ConflictError(`tenant '${name}' already exists (phase ${existing.phase}); change it with \`landlord update\``);
  }
  return s.store.transaction(async (tx) => {
    await tx.tenants.lockPlacement();
    const tenant = resolveSpec(s, spec, { free: freeCapacity(s.platform.config, await placedTenants(tx, retry ? name : undefined)) });
    if (retry) {
      await tx.tenants.updateSpec({ name, spec: tenant.tenant, domains: tenant.tenant.spec.domains, now, expectedGeneration: existing.generation });
      await tx.tenants.setPhase(name, "Pending", now);
    } else {
      await tx.tenants.reserve({ name, spec: tenant.tenant, domains: tenant.tenant.spec.domains, now });
    }
    await tx.tenants.setPlacement(name, placementRecord(tenant), now);
    const wf = await engine.createWorkflow("onboard", name, { spec: tenant.tenant, actor }, { within: tx });
    await tx.audit.append({ at: now, actor, action: "tenant.onboard-requested", tenantName: name, details: { workflowId: wf.id, spec: tenant.tenant } });
    return wf;
  });
}

export async function submitUpdate(s: TenantServices, engine: WorkflowEngine, spec: Record<string, unknown>, actor: string, now: Date): Promise<WorkflowRecord | undefined> {
  const rawName = (spec.metadata as { name?: unknown } | undefined)?.name;
  const name = typeof rawName === "string" ? rawName : "";
  const record = await s.store.tenants.require(name);
  if (!["Ready", "Failed"].includes(record.phase)) {
    throw new ConflictError(`tenant '${name}' is ${record.phase}; wait for its workflow to finish (landlord workflows list)`);
  }
  const recorded = isPlacementRecord(record.placement) ? record.placement : undefined;
  const place = async (repos: Repos): Promise<ResolvedTenant> => {
    const free = freeCapacity(s.platform.config, await placedTenants(repos, name));
    return resolveSpec(s, spec, recorded ? { placement: recorded, free } : { free });
  };
  const changes = specDiff(record.spec, (await place(s.store)).tenant);
  if (changes.length === 0 && record.phase === "Ready") return undefined;
  return s.store.transaction(async (tx) => {
    await tx.tenants.lockPlacement();
    const tenant = await place(tx);
    await tx.tenants.updateSpec({ name, spec: tenant.tenant, domains: tenant.tenant.spec.domains, now, expectedGeneration: record.generation });
    await tx.tenants.setPlacement(name, placementRecord(tenant), now);
    await tx.tenants.setPhase(name, "Updating", now);
    const wf = await engine.createWorkflow("update", name, { spec: tenant.tenant, actor }, { within: tx });
    await tx.audit.append({ at: now, actor, action: "tenant.update-requested", tenantName: name, details: { workflowId: wf.id, changes } });
    return wf;
  });
}

export async function submitOffboard(
  s: TenantServices,
  engine: WorkflowEngine,
  name: string,
  opts: { actor: string; force: boolean; now: Date },
): Promise<WorkflowRecord> {
  const record = await s.store.tenants.require(name);
  const running = (await s.store.workflows.list({ tenantName: name })).find((w) => w.status === "Pending" || w.status === "Running");
  if (running) {
    // Offboarding under a running onboarding would race its last step back to Ready.
    throw new ConflictError(`tenant '${name}' has a ${running.kind} workflow ${running.status.toLowerCase()} (${running.id}); wait for it, or cancel it with \`landlord workflows cancel ${running.id}\``);
  }
  // Offboarding again is allowed when an earlier offboarding stopped (its workflow failed).
  if (record.phase === "Offboarded") throw new ConflictError(`tenant '${name}' is already Offboarded`);
  const recorded = isPlacementRecord(record.placement) ? record.placement : undefined;
  let retentionDays = 30;
  try {
    retentionDays = resolveSpec(s, record.spec, recorded ? { placement: recorded } : {}).effective.database.backup.retentionDays;
  } catch (err) {
    // A spec that no longer validates (the platform changed) must still be removable.
    if (!(err instanceof InputError)) throw err;
  }
  return s.store.transaction(async (tx) => {
    await tx.tenants.setPhase(name, "Offboarding", opts.now);
    const wf = await engine.createWorkflow("offboard", name, { spec: record.spec as Record<string, unknown>, actor: opts.actor, force: opts.force, retentionDays }, { within: tx });
    await tx.audit.append({ at: opts.now, actor: opts.actor, action: "tenant.offboard-requested", tenantName: name, details: { workflowId: wf.id, force: opts.force } });
    return wf;
  });
}
