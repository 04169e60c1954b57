/**
 * The durable workflow engine: workflows and their step results live in the store, so a
 * run that dies (crash, deploy, Ctrl-C) is picked up by resumePending once its lease
 * expires, and only the steps that had not succeeded run again.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { ConflictError, InputError, LandlordError, NotFoundError } from "../../errors.js";
import type { WorkflowKind } from "../../store/schema.js";
import type { Repos } from "../../store/store.js";
import type { WorkflowRecord } from "../../store/workflows-repo.js";
import { isFinished } from "../../store/workflows-repo.js";
import { systemClock } from "./clock.js";
import type { Clock } from "./clock.js";
import type { RegisteredWorkflow } from "./definition.js";
import { progressHub } from "./progress.js";
import type { ProgressListener } from "./progress.js";
import { DEFAULT_RETRY, retryPolicyProblems } from "./retry.js";
import type { RetryPolicy } from "./retry.js";
import { runLeased } from "./run.js";
import type { RunResult, RunSettings } from "./run.js";
import { describeError } from "./stop-reasons.js";

export interface EngineOptions {
  /** A Store, or the repos of one. */
  readonly store: Repos;
  readonly workflows: readonly RegisteredWorkflow[];
  readonly clock?: Clock;
  /** Jitter source for backoff, [0, 1). */
  readonly random?: () => number;
  /** Lease owner id of this engine; unique per process. */
  readonly owner?: string;
  readonly leaseTtlMs?: number;
  /** How often a running engine renews its lease and looks for a cancel request; default a third of the TTL. */
  readonly heartbeatMs?: number;
  /** For steps without their own policy. */
  readonly defaultRetry?: RetryPolicy;
  /** A workflow whose runs keep dying (the process crashes in a step) fails after this many runs. */
  readonly maxRuns?: number;
  readonly onProgress?: ProgressListener;
}

export interface RunOptions {
  /** Lease owner for this run; defaults to the engine's. */
  readonly owner?: string;
  /** Stops the run between (or, if the step honours ctx.signal, during) steps; the workflow stays resumable. */
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
}

export interface ResumeResult {
  readonly id: string;
  readonly result: RunResult;
}

export interface WorkflowEngine {
  readonly owner: string;
  /** Records a Pending workflow and its planned steps. Pass `within` to join a store transaction. */
  createWorkflow(
    kind: WorkflowKind,
    tenantName: string,
    input: unknown,
    options?: { readonly within?: Repos },
  ): Promise<WorkflowRecord>;
  runWorkflow(id: string, options?: RunOptions): Promise<RunResult>;
  /** Cancels at the next step boundary; a workflow nobody is running is Cancelled at once. */
  requestCancel(id: string): Promise<WorkflowRecord>;
  /** Runs, one after another, every unfinished workflow nobody holds a live lease on. */
  resumePending(owner?: string): Promise<ResumeResult[]>;
  subscribe(listener: ProgressListener): () => void;
}

export const DEFAULT_LEASE_TTL_MS = 30_000;
export const DEFAULT_MAX_RUNS = 10;

/** A lease owner id that tells an operator where a run lives: host, pid, and a nonce. */
export function processOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

export function createEngine(options: EngineOptions): WorkflowEngine {
  const registry = registryOf(options.workflows);
  const repo = options.store.workflows;
  const clock = options.clock ?? systemClock;
  const owner = options.owner ?? processOwnerId();
  const leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  const defaultRetry = options.defaultRetry ?? DEFAULT_RETRY;
  checkOptions(leaseTtlMs, options.heartbeatMs, defaultRetry);
  const hub = progressHub();
  if (options.onProgress) hub.subscribe(options.onProgress);
  // This engine's own runs: a second runWorkflow for the same id with the same owner would
  // otherwise re-acquire its own lease and run steps concurrently.
  const active = new Set<string>();

  const settings = (onProgress: ProgressListener | undefined): RunSettings => ({
    repo,
    clock,
    random: options.random ?? Math.random,
    defaultRetry,
    leaseTtlMs,
    heartbeatMs: options.heartbeatMs ?? Math.max(1, Math.floor(leaseTtlMs / 3)),
    maxRuns: options.maxRuns ?? DEFAULT_MAX_RUNS,
    emit: (event) => {
      hub.emit(event, onProgress);
    },
  });

  const definitionOf = (kind: WorkflowKind): RegisteredWorkflow => {
    const def = registry.get(kind);
    if (!def) throw new NotFoundError(`no workflow definition for kind '${kind}' in this engine`);
    return def;
  };

  async function runWorkflow(id: string, run?: RunOptions): Promise<RunResult> {
    const runOwner = run?.owner ?? owner;
    const wf = await repo.require(id);
    if (isFinished(wf.status)) return { outcome: "finished", workflow: wf };
    const def = definitionOf(wf.kind);
    if (active.has(id)) return { outcome: "busy" };
    active.add(id);
    try {
      if (!(await repo.acquireLease(id, runOwner, leaseTtlMs, clock.now()))) return { outcome: "busy" };
      return await runLeased(settings(run?.onProgress), def, id, runOwner, run?.signal);
    } finally {
      active.delete(id);
    }
  }

  return {
    owner,

    async createWorkflow(kind, tenantName, input, create) {
      const def = definitionOf(kind);
      try {
        def.validateInput(input);
      } catch (err) {
        if (err instanceof LandlordError) throw err;
        throw new InputError([
          { path: "input", message: `not a valid '${kind}' input: ${describeError(err)}`, fix: "correct the input" },
        ]);
      }
      const target = create?.within?.workflows ?? repo;
      return target.create({ kind, tenantName, input, steps: def.stepNames, now: clock.now() });
    },

    runWorkflow,

    async requestCancel(id) {
      const wf = await repo.requestCancel(id);
      if (wf.status === "Succeeded" || wf.status === "Failed") {
        throw new ConflictError(`workflow '${id}' already ${wf.status === "Succeeded" ? "succeeded" : "failed"}; nothing to cancel`);
      }
      if (wf.status === "Cancelled" || active.has(id)) return wf;
      // Nobody may be running it (never started, or its runner died): end it now. If
      // someone does hold the lease, they see the flag at their next step boundary.
      if (!(await repo.acquireLease(id, owner, leaseTtlMs, clock.now()))) return wf;
      try {
        const current = await repo.require(id);
        if (isFinished(current.status)) return current;
        if (await repo.finishWorkflow(id, owner, { status: "Cancelled", error: "cancelled on request", now: clock.now() })) {
          hub.emit({ type: "workflow-finished", workflowId: id, status: "Cancelled", error: "cancelled on request" });
        }
        return await repo.require(id);
      } finally {
        await repo.releaseLease(id, owner);
      }
    },

    async resumePending(resumeOwner) {
      const results: ResumeResult[] = [];
      for (const wf of await repo.listResumable(clock.now())) {
        // Another engine version may know kinds this one does not; leave those to it.
        if (!registry.has(wf.kind)) continue;
        results.push({ id: wf.id, result: await runWorkflow(wf.id, { owner: resumeOwner ?? owner }) });
      }
      return results;
    },

    subscribe: (listener) => hub.subscribe(listener),
  };
}

function registryOf(workflows: readonly RegisteredWorkflow[]): Map<WorkflowKind, RegisteredWorkflow> {
  const registry = new Map<WorkflowKind, RegisteredWorkflow>();
  for (const w of workflows) {
    if (registry.has(w.kind)) {
      throw new InputError([
        { path: "workflows", message: `two definitions for kind '${w.kind}'`, fix: "register each kind once" },
      ]);
    }
    registry.set(w.kind, w);
  }
  return registry;
}

function checkOptions(leaseTtlMs: number, heartbeatMs: number | undefined, retry: RetryPolicy): void {
  const problems = retryPolicyProblems(retry, "defaultRetry");
  if (!Number.isInteger(leaseTtlMs) || leaseTtlMs <= 0) {
    problems.push({ path: "leaseTtlMs", message: `must be a whole number > 0, got ${leaseTtlMs}`, fix: "use e.g. 30000" });
  }
  if (heartbeatMs !== undefined && !(heartbeatMs > 0 && heartbeatMs < leaseTtlMs)) {
    problems.push({
      path: "heartbeatMs",
      message: `must be > 0 and below leaseTtlMs (${leaseTtlMs}), got ${heartbeatMs}`,
      fix: "renew well before the lease expires, e.g. a third of the TTL",
    });
  }
  if (problems.length > 0) throw new InputError(problems);
}
