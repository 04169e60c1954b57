/**
 * An app package's migrations (Helm pre-install/pre-upgrade Jobs) run before its new
 * version: each Job is applied on its own and waited for; only when all completed does the
 * caller apply the bundle, whose workloads carry the new version. A failed or timed-out
 * migration stops that tenant's update with the Job's reason, and the old version keeps
 * running. A Job is immutable, so one whose rendering changed (the next version) is
 * deleted and created anew, as Helm's before-hook-creation does.
 */
import type { Bundle } from "../../render/bundle.js";
import type { KubeObject } from "../../render/object.js";
import { LandlordError, RetryableError } from "../../errors.js";
import { sleep } from "../../util/sleep.js";
import type { Applier } from "./applier.js";
import { ANNOTATION, objectHash, withHash } from "./objects.js";

export class MigrationFailedError extends LandlordError {
  override readonly name = "MigrationFailedError";
  constructor(
    message: string,
    readonly tenant: string,
    readonly job: string,
  ) {
    super(message);
  }
}

interface JobStatus {
  conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
  succeeded?: number;
  failed?: number;
}

function outcome(live: Record<string, unknown> | undefined): { done: boolean; failed?: string } {
  const status = (live?.status ?? {}) as JobStatus;
  const cond = (type: string) => (status.conditions ?? []).find((c) => c.type === type && c.status === "True");
  const failed = cond("Failed");
  if (failed) return { done: true, failed: `${failed.reason ?? "Failed"}: ${failed.message ?? "see kubectl describe job"}` };
  return { done: cond("Complete") !== undefined };
}

export interface MigrationOptions {
  readonly force: boolean;
  readonly parallelism: number;
  readonly timeoutSeconds: number;
  readonly signal?: AbortSignal;
  readonly onMigration?: (job: string, state: "started" | "completed" | "unchanged") => void;
}

/** Runs the bundle's migrations, if any, to completion; throws MigrationFailedError when one fails. */
export async function runMigrations(applier: Applier, bundle: Bundle, opts: MigrationOptions): Promise<void> {
  const app = bundle.app;
  if (!app || app.migrations.length === 0) return;
  const jobs = bundle.objects.filter((o) => o.kind === "Job" && app.migrations.includes(o.metadata.name));
  const ns = await applier.get("v1", "Namespace", undefined, bundle.namespace, opts.signal);
  if (!ns) {
    // A first install: the namespace, its fences and the database come first, then the Jobs,
    // and only then (the caller's apply) the workloads. Nothing older exists to prune.
    const packaged = new Set<KubeObject>(app.objects);
    const first = bundle.objects.filter((o) => !packaged.has(o) || jobs.includes(o));
    await applier.apply({ tenant: bundle.tenant, namespace: bundle.namespace }, first, { force: opts.force, repairDrift: true, dryRun: false, parallelism: opts.parallelism, ...(opts.signal ? { signal: opts.signal } : {}) });
  }
  for (const job of jobs) {
    const name = job.metadata.name;
    const hash = objectHash(job);
    let live = await applier.get("batch/v1", "Job", bundle.namespace, name, opts.signal);
    if (live && live.metadata?.annotations?.[ANNOTATION.hash] !== hash) {
      await deleteJob(applier, bundle.namespace, name, opts.signal);
      live = undefined;
    }
    if (!live) {
      await applier.patch(withHash(job, hash), { force: opts.force, dryRun: false, ...(opts.signal ? { signal: opts.signal } : {}) });
      opts.onMigration?.(name, "started");
    } else if (outcome(live).done && outcome(live).failed === undefined) {
      opts.onMigration?.(name, "unchanged");
      continue;
    }
    await waitJob(applier, bundle, name, opts);
    opts.onMigration?.(name, "completed");
  }
}

async function deleteJob(applier: Applier, namespace: string, name: string, signal?: AbortSignal): Promise<void> {
  const path = `/apis/batch/v1/namespaces/${encodeURIComponent(namespace)}/jobs/${encodeURIComponent(name)}`;
  await applier.client.send({ method: "DELETE", path, body: { propagationPolicy: "Background" }, ...(signal ? { signal } : {}) });
  for (let i = 0; i < 120; i++) {
    if (!(await applier.get("batch/v1", "Job", namespace, name, signal))) return;
    await sleep(250, signal);
  }
  throw new RetryableError(`migration Job ${name} in ${namespace} is still being deleted`);
}

async function waitJob(applier: Applier, bundle: Bundle, name: string, opts: MigrationOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutSeconds * 1000;
  const what = `migration Job/${name} of ${bundle.app?.origin.display ?? "the app package"} for tenant ${bundle.tenant} (version ${bundle.version})`;
  for (;;) {
    const live = await applier.get("batch/v1", "Job", bundle.namespace, name, opts.signal);
    const o = outcome(live);
    if (o.failed !== undefined) {
      throw new MigrationFailedError(`${what} failed (${o.failed}); the update of ${bundle.tenant} stopped before its workloads, which keep the previous version: fix the migration, then run the update again`, bundle.tenant, name);
    }
    if (o.done) return;
    if (Date.now() > deadline) throw new RetryableError(`${what} not complete after ${String(opts.timeoutSeconds)} s; the workloads were not updated`);
    await sleep(500, opts.signal);
  }
}
