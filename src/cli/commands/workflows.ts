/** `landlord workflows list|describe|resume|cancel`. */
import { toJson, toYaml } from "../../render/serialize.js";
import { runTenantWorkflow } from "../../workflows/tenant/run.js";
import type { CliIo } from "../io.js";
import type { Runtime } from "../tenant-services.js";
import type { GlobalOptions } from "../workspace.js";
import { table, withRuntime as withTenantRuntime } from "./tenants.js";

/** Resumed runs print their steps; the count is not known up front. */
const withRuntime = <T>(io: CliIo, global: GlobalOptions, fn: (rt: Runtime) => Promise<T>) => withTenantRuntime(io, global, fn, () => 0);

export async function workflowsListCommand(io: CliIo, global: GlobalOptions, opts: { tenant?: string; output?: string }): Promise<void> {
  await withRuntime(io, global, async (rt) => {
    const list = await rt.store.workflows.list(opts.tenant ? { tenantName: opts.tenant } : {});
    if (opts.output === "json") {
      io.stdout(toJson(list));
      return;
    }
    const rows = list.map((w) => ({
      ID: w.id,
      KIND: w.kind,
      TENANT: w.tenantName,
      STATUS: w.status,
      CREATED: w.createdAt.toISOString(),
      ERROR: (w.error ?? "").split("\n")[0] ?? "",
    }));
    io.stdout(rows.length === 0 ? "No workflows.\n" : table(rows, ["ID", "KIND", "TENANT", "STATUS", "CREATED", "ERROR"]));
  });
}

export async function workflowsDescribeCommand(io: CliIo, global: GlobalOptions, id: string, opts: { output?: string }): Promise<void> {
  await withRuntime(io, global, async (rt) => {
    const w = await rt.store.workflows.require(id);
    const steps = await rt.store.workflows.steps(id);
    const total = steps.reduce((n, s) => n + (s.durationMs ?? 0), 0);
    const doc = {
      id: w.id,
      kind: w.kind,
      tenant: w.tenantName,
      status: w.status,
      ...(w.error ? { error: w.error } : {}),
      created: w.createdAt.toISOString(),
      ...(w.finishedAt ? { finished: w.finishedAt.toISOString() } : {}),
      stepsTotalMs: total,
      steps: steps.map((s) => ({ name: s.name, status: s.status, attempts: s.attempts, durationMs: s.durationMs, ...(s.error ? { error: s.error } : {}), output: s.output })),
    };
    io.stdout(opts.output === "json" ? toJson(doc) : toYaml(doc));
  });
}

export async function workflowsResumeCommand(io: CliIo, global: GlobalOptions, id: string | undefined): Promise<number> {
  return withRuntime(io, global, async (rt) => {
    const ids = id ? [id] : (await rt.store.workflows.listResumable(new Date())).map((w) => w.id);
    if (ids.length === 0) {
      io.stdout("nothing to resume\n");
      return 0;
    }
    let failed = 0;
    for (const wid of ids) {
      const result = await runTenantWorkflow(rt.services, rt.engine, wid);
      const status = result.outcome === "finished" ? result.workflow.status : result.outcome;
      if (status !== "Succeeded") failed++;
      io.stdout(`${wid}: ${status}\n`);
    }
    return failed === 0 ? 0 : 1;
  });
}

export async function workflowsCancelCommand(io: CliIo, global: GlobalOptions, id: string): Promise<void> {
  await withRuntime(io, global, async (rt) => {
    const w = await rt.engine.requestCancel(id);
    io.stdout(`${id}: ${w.status === "Cancelled" ? "cancelled" : "cancel requested; the running process stops at the next step"}\n`);
  });
}
