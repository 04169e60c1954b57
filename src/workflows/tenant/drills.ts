/**
 * Restore drills on a schedule: `landlord serve`'s leader starts a drill (backup-verify
 * workflow) for each Ready tenant whose last one is older than its tier's
 * database.backup.verifyEveryDays, one at a time across the fleet so drills never pile up
 * on a cluster's nodes (each restores a whole database). Workers.drillOnce calls it.
 */
import { ConflictError } from "../../errors.js";
import type { WorkflowEngine } from "../engine/index.js";
import { VERIFY_KIND, type DrillResult } from "./backup-verify.js";
import { storedTenant, type TenantServices } from "./services.js";
import { submitBackupVerify } from "./submit-restore.js";

const DAY_MS = 86_400_000;

export interface DrillOutcome {
  readonly tenant: string;
  readonly result: "started" | "running" | "refused";
  readonly detail: string;
}

/** Starts at most one drill; reports a running one instead of starting another. */
export async function startDueDrill(s: TenantServices, engine: WorkflowEngine, now: Date, signal: AbortSignal): Promise<DrillOutcome | undefined> {
  if (!s.delivery.cluster) return undefined;
  const running = await s.store.workflows.list({ kinds: [VERIFY_KIND], statuses: ["Pending", "Running"] });
  const first = running[0];
  if (first !== undefined) return { tenant: first.tenantName, result: "running", detail: `drill ${first.id} still running` };
  const drills = await s.store.workflows.list({ kinds: [VERIFY_KIND] });
  const last = new Map<string, number>();
  for (const d of drills) last.set(d.tenantName, Math.max(last.get(d.tenantName) ?? 0, d.createdAt.getTime()));
  // The tenant whose drill is most overdue first; never drilled counts as most overdue, oldest tenant first.
  const ready = (await s.store.tenants.list({ phases: ["Ready"] })).sort((a, b) => (last.get(a.name) ?? 0) - (last.get(b.name) ?? 0) || a.createdAt.getTime() - b.createdAt.getTime());
  for (const record of ready) {
    if (signal.aborted) return undefined;
    let every: number;
    try {
      every = (await storedTenant(s, record)).tenant.effective.database.backup.verifyEveryDays;
    } catch {
      // A tenant whose spec no longer renders is for `landlord validate`, not for a drill.
      continue;
    }
    if (every === 0) continue;
    const since = last.get(record.name);
    if (since !== undefined && now.getTime() - since < every * DAY_MS) continue;
    if (since === undefined && now.getTime() - record.createdAt.getTime() < every * DAY_MS) continue;
    try {
      const wf = await submitBackupVerify(s, engine, record.name, "landlord (scheduled drill)", now);
      return { tenant: record.name, result: "started", detail: `drill ${wf.id} (every ${String(every)} days)` };
    } catch (err) {
      // Another workflow of the tenant runs now: its drill waits for the next pass.
      if (err instanceof ConflictError) return { tenant: record.name, result: "refused", detail: err.message.split("\n")[0] ?? "" };
      throw err;
    }
  }
  return undefined;
}

/** A tenant's newest restore drill as `landlord report` shows it. */
export interface DrillRecord {
  readonly tenant: string;
  readonly result: "verified" | "failed" | "running" | "never";
  readonly at?: string;
  readonly workflow?: string;
  /** Tables and rows compared, or why it failed. */
  readonly detail: string;
}

/** The newest drill of each tenant not offboarded, from the workflows' own records. */
export async function lastDrills(store: TenantServices["store"]): Promise<DrillRecord[]> {
  const newest = new Map<string, Awaited<ReturnType<typeof store.workflows.list>>[number]>();
  for (const wf of await store.workflows.list({ kinds: [VERIFY_KIND] })) {
    const seen = newest.get(wf.tenantName);
    if (seen === undefined || wf.createdAt.getTime() >= seen.createdAt.getTime()) newest.set(wf.tenantName, wf);
  }
  const tenants = (await store.tenants.list()).filter((t) => t.phase !== "Offboarded").sort((a, b) => (a.name < b.name ? -1 : 1));
  const out: DrillRecord[] = [];
  for (const t of tenants) {
    const wf = newest.get(t.name);
    if (wf === undefined) {
      out.push({ tenant: t.name, result: "never", detail: `no drill yet: landlord backup verify ${t.name}` });
      continue;
    }
    const base = { tenant: t.name, at: wf.createdAt.toISOString(), workflow: wf.id };
    if (wf.status === "Pending" || wf.status === "Running") {
      out.push({ ...base, result: "running", detail: "under way" });
      continue;
    }
    const steps = await store.workflows.steps(wf.id);
    const compared = steps.find((st) => st.name === "compare")?.output as DrillResult | undefined;
    if (wf.status === "Succeeded" && compared?.verified === true) {
      out.push({ ...base, result: "verified", detail: `${String(compared.tables)} tables, ${String(compared.rows)} rows match at ${compared.lsn}` });
      continue;
    }
    const failed = steps.find((st) => st.status === "Failed");
    out.push({ ...base, result: "failed", detail: `${failed ? `step ${failed.name}: ` : ""}${(failed?.error ?? wf.status).split("\n")[0] ?? ""} (landlord workflows describe ${wf.id})` });
  }
  return out;
}
