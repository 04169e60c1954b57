/** `landlord backup list|verify TENANT` and `landlord restore TENANT`: a tenant database's backups, drills and restores. */
import type { BackupView, TenantBackups } from "../../workflows/tenant/backups.js";
import { listTenantBackups } from "../../workflows/tenant/backups.js";
import type { CliIo } from "../io.js";
import type { GlobalOptions } from "../../app/load-files.js";
import { age, printResources, type Printable } from "../output.js";
import { confirmByName } from "../confirm.js";
import type { DrillResult } from "../../workflows/tenant/backup-verify.js";
import { submitBackupVerify, submitRestore } from "../../workflows/tenant/submit-restore.js";
import { actor, runAndReport, withReadRuntime, withRuntime } from "./tenants.js";

function backupObject(list: TenantBackups): (b: BackupView) => Record<string, unknown> {
  return (b) => ({
    apiVersion: "landlord.dev/v1alpha1",
    kind: "Backup",
    metadata: { name: b.name, namespace: list.namespace, ...(b.createdAt !== undefined ? { creationTimestamp: b.createdAt } : {}) },
    spec: { tenant: list.tenant, origin: b.origin, ...(b.method !== undefined ? { method: b.method } : {}), ...(b.plugin !== undefined ? { plugin: b.plugin } : {}) },
    status: Object.fromEntries(
      Object.entries({ phase: b.phase, startedAt: b.startedAt, stoppedAt: b.stoppedAt, backupId: b.backupId, serverName: b.serverName, beginWal: b.beginWal, endWal: b.endWal, error: b.error }).filter(([, v]) => v !== undefined),
    ),
  });
}

export async function backupListCommand(io: CliIo, global: GlobalOptions, name: string, opts: { output?: string }): Promise<void> {
  await withReadRuntime(io, global, async (rt) => {
    const list = await listTenantBackups(rt.services, await rt.store.tenants.require(name));
    const now = new Date();
    const printable: Printable<BackupView> = {
      kind: "backup",
      name: (b) => b.name,
      object: backupObject(list),
      row: (b) => ({
        NAME: b.name,
        ORIGIN: b.origin,
        PHASE: b.phase ?? "pending",
        STARTED: b.startedAt ?? "-",
        AGE: b.createdAt === undefined ? "-" : age(new Date(b.createdAt), now),
        WAL: b.beginWal !== undefined && b.endWal !== undefined ? `${b.beginWal}..${b.endWal}` : "-",
        ERROR: (b.error ?? "").split("\n")[0] ?? "",
      }),
      columns: ["NAME", "ORIGIN", "PHASE", "STARTED", "AGE", "ERROR"],
      wideColumns: ["NAME", "ORIGIN", "PHASE", "STARTED", "AGE", "WAL", "ERROR"],
      none: `No backups of ${name} yet.`,
    };
    printResources(io, printable, list.backups, opts.output);
    if (opts.output === undefined || opts.output === "wide") {
      const w = list.recoveryWindow;
      const where = `${list.archive.destinationPath}/${list.archive.serverName}`;
      io.stderr(
        w?.firstRecoverabilityPoint !== undefined
          ? `restorable from ${w.firstRecoverabilityPoint}${w.lastSuccessfulBackupTime !== undefined ? ` (newest base backup ${w.lastSuccessfulBackupTime})` : ""} to the last archived WAL, archive ${where}\n`
          : `archive ${where}: no recovery window reported yet (the Barman Cloud plugin reports it after the first base backup)\n`,
      );
    }
  });
}

/** `landlord backup verify TENANT`: a restore drill, shown step by step; the result is the workflow's record. */
export async function backupVerifyCommand(io: CliIo, global: GlobalOptions, name: string): Promise<void> {
  let steps = 0;
  await withRuntime(
    io,
    global,
    async (rt) => {
      const wf = await submitBackupVerify(rt.services, rt.engine, name, actor(io), new Date());
      steps = (await rt.store.workflows.steps(wf.id)).length;
      io.stderr(`restore drill of ${name} (workflow ${wf.id}): fingerprint, archive, restore into a scratch namespace, compare\n`);
      await runAndReport(io, rt, wf, `restore drill of ${name}`);
      const result = (await rt.store.workflows.steps(wf.id)).find((st) => st.name === "compare")?.output as DrillResult | undefined;
      io.stdout(
        result === undefined
          ? `restore drill of ${name} finished (workflow ${wf.id})\n`
          : `backup of ${name} verified: ${String(result.tables)} tables, ${String(result.rows)} rows restored to ${result.lsn} match the source (writes paused ${String(result.pausedMs)} ms for the fingerprint)\n`,
      );
    },
    () => steps,
  );
}

export interface RestoreOptions {
  readonly to?: string;
  readonly into?: string;
  readonly yes?: boolean;
}

/** `landlord restore TENANT [--to TIME] [--into NAMESPACE]`: a copy beside the tenant, or in place after a backup. */
export async function restoreCommand(io: CliIo, global: GlobalOptions, name: string, opts: RestoreOptions): Promise<void> {
  const when = opts.to ?? "the newest state its archive holds";
  if (opts.into === undefined && opts.yes !== true) {
    await confirmByName(io, name, {
      flag: "--yes",
      destroys: "an in-place restore replaces the tenant's database (after a backup of it)",
      otherwise: "--into NAMESPACE for a copy beside it",
      question: `restore ${name}'s database in place to ${when}? The app loses its database until the restore is ready.`,
    });
  }
  let steps = 0;
  await withRuntime(
    io,
    global,
    async (rt) => {
      const wf = await submitRestore(rt.services, rt.engine, name, { ...(opts.to !== undefined ? { to: opts.to } : {}), ...(opts.into !== undefined ? { into: opts.into } : {}) }, actor(io), new Date());
      steps = (await rt.store.workflows.steps(wf.id)).length;
      io.stderr(`restoring ${name} to ${when} ${opts.into === undefined ? "in place" : `into namespace ${opts.into}`} (workflow ${wf.id})\n`);
      await runAndReport(io, rt, wf, `restore of ${name}`);
      io.stdout(opts.into === undefined ? `tenant ${name} restored to ${when}\n` : `copy of ${name} at ${when} ready in namespace ${opts.into} (delete it with: kubectl delete namespace ${opts.into})\n`);
    },
    () => steps,
  );
}
