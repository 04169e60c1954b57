/**
 * The durable workflow engine: workflows and their step results live in the store, so a
 * run that dies (crash, deploy, Ctrl-C) is picked up by resumePending once its lease
 * expires, and only the steps that had not succeeded run again.
 */
import { ConflictError, formatProblem, LandlordError, NotFoundError, ProgrammingError } from "../../errors.js";
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
import { ownerIsDead, processOwnerId } from "./owner.js";
import { runLeased } from "./run-leased.js";
import type { RunResult, RunSettings } from "./run-leased.js";
import { failureText } from "./stop-reasons.js";

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
  /**
   * Called once a workflow has ended (by a run, or cancelled while nobody ran it), so the
   * owner of its subject (the tenant) can settle. A failure here leaves the subject to be
   * settled by its next command (tenant/phases.ts settleStalled); it does not undo the end.
   */
  readonly onFinished?: (wf: WorkflowRecord) => Promise<void>;
}

export interface RunOptions {
  /** Lease owner for this run; defaults to the engine's. */
  readonly owner?: string;
  /** Stops the run between (or, if the step honours ctx.signal, during) steps; the workflow stays resumable. */
  readonly signal?: AbortSignal;
  /**
   * Stops the run at the next step boundary only; never handed to a step, so a step that
   * has started is always recorded as ended. A graceful shutdown drains with this.
   */
  readonly drain?: AbortSignal;
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
  /** Runs, one after another, every unfinished workflow nobody holds a live lease on (dead local holders do not count). */
  resumePending(owner?: string): Promise<ResumeResult[]>;
  /** The unfinished workflows resumePending would run now. */
  resumable(): Promise<WorkflowRecord[]>;
  subscribe(listener: ProgressListener): () => void;
}

export const DEFAULT_LEASE_TTL_MS = 30_000;
export const DEFAULT_MAX_RUNS = 10;

export { processOwnerId };

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
    finished: notifyFinished,
  });

  async function notifyFinished(wf: WorkflowRecord): Promise<void> {
    if (!options.onFinished) return;
    try {
      await options.onFinished(wf);
    } catch {
      // See EngineOptions.onFinished: the subject is settled by its next command instead.
    }
  }

  /** The lease for `runOwner`: free or expired, or taken over from a holder whose process is gone. */
  async function lease(id: string, runOwner: string): Promise<boolean> {
    if (await repo.acquireLease(id, runOwner, leaseTtlMs, clock.now())) return true;
    const holder = (await repo.get(id))?.leaseOwner ?? null;
    return ownerIsDead(holder) && holder !== null && (await repo.takeOverLease(id, holder, runOwner, leaseTtlMs, clock.now()));
  }

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
    if (active.has(id)) return { outcome: "busy", holder: runOwner, until: null };
    active.add(id);
    try {
      if (!(await lease(id, runOwner))) {
        const held = await repo.require(id);
        if (isFinished(held.status)) return { outcome: "finished", workflow: held };
        return { outcome: "busy", holder: held.leaseOwner, until: held.leaseExpiresAt };
      }
      return await runLeased(settings(run?.onProgress), def, id, runOwner, run?.signal, run?.drain);
    } finally {
      active.delete(id);
    }
  }

  async function resumable(): Promise<WorkflowRecord[]> {
    const free = await repo.listResumable(clock.now());
    const orphaned = (await repo.list({ statuses: ["Pending", "Running"] })).filter((w) => !free.some((f) => f.id === w.id) && ownerIsDead(w.leaseOwner));
    // Another engine version may know kinds this one does not; leave those to it.
    return [...free, ...orphaned]
      .filter((w) => registry.has(w.kind))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
  }

  return {
    owner,

    async createWorkflow(kind, tenantName, input, create) {
      const def = definitionOf(kind);
      try {
        def.validateInput(input);
      } catch (err) {
        if (err instanceof LandlordError) throw err;
        // The input is built by Landlord's own submit code from a validated spec.
        throw new ProgrammingError(`not a valid '${kind}' workflow input: ${failureText(err)}`, { cause: err });
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
      if (!(await lease(id, owner))) return wf;
      try {
        const current = await repo.require(id);
        if (isFinished(current.status)) return current;
        if (await repo.finishWorkflow(id, owner, { status: "Cancelled", error: "cancelled on request", now: clock.now() })) {
          hub.emit({ type: "workflow-finished", workflowId: id, status: "Cancelled", error: "cancelled on request" });
          await notifyFinished(await repo.require(id));
        }
        return await repo.require(id);
      } finally {
        await repo.releaseLease(id, owner);
      }
    },

    async resumePending(resumeOwner) {
      const results: ResumeResult[] = [];
      for (const wf of await resumable()) {
        results.push({ id: wf.id, result: await runWorkflow(wf.id, { owner: resumeOwner ?? owner }) });
      }
      return results;
    },

    resumable,

    subscribe: (listener) => hub.subscribe(listener),
  };
}

function registryOf(workflows: readonly RegisteredWorkflow[]): Map<WorkflowKind, RegisteredWorkflow> {
  const registry = new Map<WorkflowKind, RegisteredWorkflow>();
  for (const w of workflows) {
    if (registry.has(w.kind)) throw new ProgrammingError(`two workflow definitions for kind '${w.kind}': register each kind once`);
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
  // Engine options are set by Landlord's own wiring (a command checks what a user passed first).
  if (problems.length > 0) throw new ProgrammingError(`invalid engine options: ${problems.map(formatProblem).join("; ")}`);
}
