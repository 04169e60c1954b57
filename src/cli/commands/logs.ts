/**
 * `landlord logs TENANT [--app|--db] [--since DURATION] [--tail N]`: the tenant's pod logs,
 * read with the tenant kubeconfig onboarding wrote (.landlord/credentials/<tenant>/kubeconfig),
 * never with the operator's --kubeconfig: the API server then refuses any other namespace.
 */
import { access } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { InputError, NotFoundError } from "../../errors.js";
import { parseDurationSeconds } from "../../spec/scope-promql.js";
import { TenantLogReader, type LogSource } from "../../monitoring/tenant-logs.js";
import type { CliIo } from "../io.js";
import type { GlobalOptions } from "../../app/load-files.js";
import { deliveredFleet, fleetTenant } from "../../app/delivered-fleet.js";

export interface LogsOptions {
  file?: string[];
  app?: boolean;
  db?: boolean;
  since?: string;
  tail?: string;
}

export function tenantKubeconfigPath(io: CliIo, global: GlobalOptions, tenant: string): string {
  return join(dirname(resolve(io.cwd, global.config)), ".landlord", "credentials", tenant, "kubeconfig");
}

export async function logsCommand(io: CliIo, global: GlobalOptions, name: string, opts: LogsOptions): Promise<void> {
  if (opts.app === true && opts.db === true) throw new InputError([{ path: "--db", message: "--app and --db exclude each other", fix: "pick one" }]);
  const source: LogSource = opts.db === true ? "db" : "app";
  const since = opts.since === undefined ? undefined : parseDurationSeconds(opts.since);
  if (opts.since !== undefined && (since === undefined || since <= 0)) {
    throw new InputError([{ path: "--since", message: `'${opts.since}' is not a duration`, fix: "write e.g. 10m or 1h" }]);
  }
  const tail = opts.tail === undefined ? undefined : Number(opts.tail);
  const ws = await deliveredFleet(io, global, opts.file);
  const t = fleetTenant(ws, name);
  const file = tenantKubeconfigPath(io, global, name);
  await access(file).catch(() => {
    throw new NotFoundError(`no tenant kubeconfig at ${file}: it is written when the tenant is onboarded with delivery.mode kubernetes`);
  });
  const reader = TenantLogReader.fromFile(file, t.names.namespace);
  try {
    const logs = await reader.logs({ source, ...(since !== undefined ? { sinceSeconds: since } : {}), ...(tail !== undefined ? { tailLines: tail } : {}) });
    if (logs.length === 0) {
      io.stderr(`no running ${source} pods in ${t.names.namespace}\n`);
      return;
    }
    for (const l of logs) {
      // One header per pod, like kubectl logs --prefix, so interleaved replicas stay readable.
      for (const line of l.text.split("\n")) if (line !== "") io.stdout(`[${l.pod}/${l.container}] ${line}\n`);
    }
  } finally {
    reader.close();
  }
}
