/** `landlord backup list TENANT`: the tenant database's backups on its cluster and the window they restore to. */
import type { BackupView, TenantBackups } from "../../workflows/tenant/backups.js";
import { listTenantBackups } from "../../workflows/tenant/backups.js";
import type { CliIo } from "../io.js";
import type { GlobalOptions } from "../load-files.js";
import { age, printResources, type Printable } from "../output.js";
import { withReadRuntime } from "./tenants.js";

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
