/** `landlord workflows list|describe|resume|cancel` and `landlord get workflows`. */
import { toJson, toYaml } from "../../render/serialize.js";
import type { WorkflowRecord } from "../../store/index.js";
import { isFinished } from "../../store/index.js";
import { formatAdvice, wayForward } from "../../workflows/tenant/phases.js";
import { runTenantWorkflow } from "../../workflows/tenant/run-tenant-workflow.js";
import { interruptibly, type CliIo } from "../io.js";
import { age, printResources, type Printable } from "../output.js";
import type { Runtime } from "../../app/runtime.js";
import type { GlobalOptions } from "../../app/load-files.js";
import { withReadRuntime, withRuntime as withTenantRuntime } from "./tenants.js";

/** Resumed runs print their steps as [i/n]; n is read from each workflow's recorded steps before it runs. */
function withRuntime<T>(io: CliIo, global: GlobalOptions, fn: (rt: Runtime, setSteps: (n: number) => void) => Promise<T>): Promise<T> {
  let steps = 0;
  return withTenantRuntime(
    io,
    global,
    (rt) =>
      fn(rt, (n) => {
        steps = n;
      }),
    () => steps,
  );
}

function workflowObject(w: WorkflowRecord): Record<string, unknown> {
  return {
    apiVersion: "landlord.dev/v1alpha1",
    kind: "Workflow",
    metadata: { name: w.id, creationTimestamp: w.createdAt.toISOString() },
    spec: { kind: w.kind, tenant: w.tenantName },
    status: {
      status: w.status,
      ...(w.error ? { error: w.error } : {}),
      runs: w.attempt,
      ...(w.startedAt ? { started: w.startedAt.toISOString() } : {}),
      ...(w.finishedAt ? { finished: w.finishedAt.toISOString() } : {}),
      ...(w.leaseOwner ? { leaseOwner: w.leaseOwner, leaseExpires: w.leaseExpiresAt?.toISOString() } : {}),
      ...(w.cancelRequested ? { cancelRequested: true } : {}),
    },
  };
}

const workflowPrintable = (now: Date): Printable<WorkflowRecord> => ({
  kind: "workflow",
  name: (w) => w.id,
  object: workflowObject,
  row: (w) => ({
    ID: w.id,
    KIND: w.kind,
    TENANT: w.tenantName,
    STATUS: w.status,
    AGE: age(w.createdAt, now),
    OWNER: w.leaseOwner ?? "-",
    ERROR: (w.error ?? "").split("\n")[0] ?? "",
  }),
  columns: ["ID", "KIND", "TENANT", "STATUS", "AGE", "ERROR"],
  wideColumns: ["ID", "KIND", "TENANT", "STATUS", "AGE", "OWNER", "ERROR"],
  none: "No workflows.",
});

export async function getWorkflowsCommand(io: CliIo, global: GlobalOptions, ids: readonly string[], opts: { tenant?: string; output?: string }): Promise<void> {
  await withReadRuntime(io, global, async (rt) => {
    const list = ids.length > 0 ? await Promise.all(ids.map((id) => rt.store.workflows.require(id))) : await rt.store.workflows.list(opts.tenant ? { tenantName: opts.tenant } : {});
    printResources(io, workflowPrintable(new Date()), list, opts.output, ids.length === 1);
  });
}

export async function workflowsListCommand(io: CliIo, global: GlobalOptions, opts: { tenant?: string; output?: string }): Promise<void> {
  await getWorkflowsCommand(io, global, [], opts);
}

export async function workflowsDescribeCommand(io: CliIo, global: GlobalOptions, id: string, opts: { output?: string }): Promise<void> {
  await withReadRuntime(io, global, async (rt) => {
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
      ...(w.leaseOwner ? { leaseOwner: w.leaseOwner, leaseExpires: w.leaseExpiresAt?.toISOString() } : {}),
      stepsTotalMs: total,
      steps: steps.map((s) => ({ name: s.name, status: s.status, attempts: s.attempts, durationMs: s.durationMs, ...(s.error ? { error: s.error } : {}), output: s.output })),
    };
    io.stdout(opts.output === "json" ? toJson(doc) : toYaml(doc));
  });
}

function heldBy(w: WorkflowRecord): string {
  return w.leaseOwner === null ? "nobody" : `${w.leaseOwner} (lease until ${w.leaseExpiresAt?.toISOString() ?? "?"})`;
}

/**
 * Resumes one workflow, or every resumable one. A workflow whose process died on this host
 * is taken over at once (its owner's pid is gone); one held by a live process, or by one on
 * another host until its lease ends, is reported with its holder, and the exit code is 1:
 * "nothing to resume" with exit 0 is said only when nothing is unfinished.
 */
export async function workflowsResumeCommand(io: CliIo, global: GlobalOptions, id: string | undefined): Promise<number> {
  return withRuntime(io, global, async (rt, setSteps) => {
    let ids: string[];
    if (id !== undefined) {
      const w = await rt.store.workflows.require(id);
      if (isFinished(w.status)) {
        io.stdout(`${id}: already ${w.status}; nothing to resume\n`);
        if (w.status === "Succeeded") return 0;
        const t = await rt.store.tenants.get(w.tenantName);
        if (t) io.stdout(`${formatAdvice(await wayForward(rt.store, t))}\n`);
        return 1;
      }
      ids = [id];
    } else {
      ids = (await rt.engine.resumable()).map((w) => w.id);
      if (ids.length === 0) {
        const held = await rt.store.workflows.list({ statuses: ["Pending", "Running"] });
        if (held.length === 0) {
          io.stdout("nothing to resume\n");
          return 0;
        }
        for (const w of held) io.stdout(`${w.id}: ${w.kind} of ${w.tenantName} is run by ${heldBy(w)}; it continues there, or resume it after its lease ends\n`);
        return 1;
      }
    }
    let failed = 0;
    for (const wid of ids) {
      setSteps((await rt.store.workflows.steps(wid)).length);
      const result = await interruptibly(io, (signal) => runTenantWorkflow(rt.services, rt.engine, wid, undefined, signal ? { signal } : {}));
      if (result.outcome === "interrupted") {
        io.stdout(`${wid}: interrupted at a step boundary; lease released. Resume with: landlord workflows resume ${wid}\n`);
        return 130;
      }
      if (result.outcome === "busy") {
        io.stdout(`${wid}: busy, run by ${result.holder ?? "another process"}${result.until ? ` until ${result.until.toISOString()}` : ""}; it continues there\n`);
        failed++;
        continue;
      }
      const status = result.outcome === "finished" ? result.workflow.status : result.outcome;
      if (status !== "Succeeded") failed++;
      io.stdout(`${wid}: ${status}${result.outcome === "finished" && result.workflow.error ? ` (${result.workflow.error.split("\n")[0] ?? ""})` : ""}\n`);
    }
    return failed === 0 ? 0 : 1;
  });
}

export async function workflowsCancelCommand(io: CliIo, global: GlobalOptions, id: string): Promise<void> {
  await withRuntime(io, global, async (rt) => {
    const w = await rt.engine.requestCancel(id);
    if (w.status === "Cancelled") {
      const t = await rt.store.tenants.get(w.tenantName);
      io.stdout(`${id}: cancelled\n`);
      if (t) io.stdout(`tenant ${t.name} is ${t.phase}\n${formatAdvice(await wayForward(rt.store, t))}\n`);
      return;
    }
    io.stdout(`${id}: cancel requested; ${heldBy(w)} stops it at its next step boundary. If that process is gone, run this again after the lease ends\n`);
  });
}
