/**
 * Submitting a restore drill or a restore: everything that can be refused is refused before
 * anything is written (the tenant's phase, a workflow already running, a time outside the
 * archive, a namespace the tenant's identity cannot read the archive from); then the phase
 * (in place only), the workflow and the audit entry in one transaction.
 */
import { readRecoveryWindow } from "../../delivery/kubernetes/backup-reader.js";
import { ConflictError, InputError } from "../../errors.js";
import { backupArchive, OBJECT_STORE } from "../../render/kubernetes/database.js";
import { scratchNamespace } from "../../render/kubernetes/scratch-restore.js";
import type { TenantRecord, WorkflowRecord } from "../../store/index.js";
import type { WorkflowEngine } from "../engine/index.js";
import { VERIFY_KIND } from "./backup-verify.js";
import { formatAdvice, liveWorkflow, settleStalled, transition, wasReady, wayForward } from "./phases.js";
import { RESTORE_KIND, type RestoreInput } from "./restore.js";
import { kubernetesDelivery } from "./scratch.js";
import { storedTenant, type TenantServices } from "./services.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The tenant, Ready (or Failed after being Ready) and with no workflow running; else a refusal with the way forward. */
async function restorable(s: TenantServices, name: string, now: Date, what: string): Promise<TenantRecord> {
  const record = await settleStalled(s.store, name, now);
  if (!record) throw new ConflictError(`tenant '${name}' is not onboarded: nothing to ${what}`);
  const running = await liveWorkflow(s.store, name);
  const ok = record.phase === "Ready" || (record.phase === "Failed" && (await wasReady(s.store, record)));
  if (running || !ok) {
    const why = running ? `has a ${running.kind} workflow ${running.status.toLowerCase()} (${running.id})` : `is ${record.phase}`;
    throw new ConflictError(`tenant '${name}' ${why}; cannot ${what} now.\n${formatAdvice(await wayForward(s.store, record))}`);
  }
  return record;
}

export async function submitBackupVerify(s: TenantServices, engine: WorkflowEngine, name: string, actor: string, now: Date): Promise<WorkflowRecord> {
  kubernetesDelivery(s, "a restore drill");
  await restorable(s, name, now, "run a restore drill");
  return s.store.transaction(async (tx) => {
    const wf = await engine.createWorkflow(VERIFY_KIND, name, { actor }, { within: tx });
    await tx.audit.append({ at: now, actor, action: "tenant.backup-verify-requested", tenantName: name, details: { workflowId: wf.id } });
    return wf;
  });
}

export interface RestoreRequest {
  readonly to?: string;
  readonly into?: string;
}

/** `to` as RFC 3339 in UTC, checked against now and the archive's recovery window. */
async function checkedTime(s: TenantServices, record: TenantRecord, to: string, now: Date): Promise<string> {
  const at = new Date(to);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(to) || Number.isNaN(at.getTime())) {
    throw new InputError([{ path: "--to", message: `'${to}' is not an RFC 3339 time with a zone`, fix: "write e.g. 2026-12-07T09:30:00Z" }]);
  }
  if (at.getTime() > now.getTime()) throw new InputError([{ path: "--to", message: `${at.toISOString()} is in the future`, fix: "give a time in the past, or leave --to out for the newest state the archive holds" }]);
  const { tenant, bundle } = await storedTenant(s, record);
  const archive = backupArchive(s.platform.config, tenant);
  const window = await readRecoveryWindow(kubernetesDelivery(s, "a restore").cluster.applierFor(bundle.placement.cluster), tenant.names.namespace, OBJECT_STORE, archive.serverName);
  const first = window?.firstRecoverabilityPoint;
  if (first === undefined) throw new ConflictError(`tenant '${record.name}' has no recovery window yet (no base backup listed in ${archive.destinationPath}/${archive.serverName}); see \`landlord backup list ${record.name}\``);
  if (at.getTime() < new Date(first).getTime()) {
    throw new InputError([{ path: "--to", message: `${at.toISOString()} is before the archive's first recoverable point ${first}`, fix: `give a time from ${first} on (landlord backup list ${record.name} shows the window)` }]);
  }
  // Whole seconds: PostgreSQL and CloudNativePG both read that form; a restore stops at the second given, not later.
  return at.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function checkedInto(s: TenantServices, record: TenantRecord, into: string): string {
  const own = `${s.platform.config.platform.namespacePrefix}${record.name}`;
  if (!DNS_LABEL.test(into)) throw new InputError([{ path: "--into", message: `'${into}' is not a namespace name`, fix: "use up to 63 lowercase letters, digits and '-'" }]);
  if (into === own) throw new InputError([{ path: "--into", message: `${into} is the tenant's own namespace`, fix: `leave --into out to restore in place, or use ${scratchNamespace(own)}` }]);
  // The copy reads the archive as the tenant's database identity, federated with the default scratch namespace only.
  if (s.platform.config.integrations.azure.backupConnectionStringSecret === undefined && into !== scratchNamespace(own)) {
    throw new InputError([{ path: "--into", message: `the tenant's database identity is federated for ${scratchNamespace(own)} only (terraform/modules/customer-instance), so a copy in ${into} could not read the archive`, fix: `use --into ${scratchNamespace(own)}` }]);
  }
  return into;
}

export async function submitRestore(s: TenantServices, engine: WorkflowEngine, name: string, request: RestoreRequest, actor: string, now: Date): Promise<WorkflowRecord> {
  kubernetesDelivery(s, "a restore");
  const record = await restorable(s, name, now, "restore");
  const input: RestoreInput = {
    actor,
    ...(request.to !== undefined ? { to: await checkedTime(s, record, request.to, now) } : {}),
    ...(request.into !== undefined ? { into: checkedInto(s, record, request.into) } : {}),
  };
  return s.store.transaction(async (tx) => {
    if (input.into === undefined) await transition(tx, name, "request-restore", now);
    const wf = await engine.createWorkflow(RESTORE_KIND, name, input, { within: tx });
    await tx.audit.append({ at: now, actor, action: "tenant.restore-requested", tenantName: name, details: { workflowId: wf.id, to: input.to ?? "latest", into: input.into ?? "in place" } });
    return wf;
  });
}
