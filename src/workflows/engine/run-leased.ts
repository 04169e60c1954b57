/**
 * One run of one workflow, by the runner that holds its lease: skip what already
 * succeeded, run the rest in order with retries, record everything, and end the
 * workflow. Steps never overlap within a run, and the lease keeps other runners out.
 */
import { canonicalJson, parseJson } from "../../store/json.js";
import { isFinished } from "../../store/workflows-repo.js";
import type { WorkflowRecord, WorkflowsRepo } from "../../store/workflows-repo.js";
import type { Clock } from "./clock.js";
import type { BoundStep, RegisteredWorkflow } from "./definition.js";
import { startHeartbeat } from "./heartbeat.js";
import type { ProgressEvent } from "./progress.js";
import type { RetryPolicy } from "./retry.js";
import { backoffDelayMs } from "./retry.js";
import { isRetryable } from "../../errors.js";
import { CancelRequested, Interrupted, LeaseLost, failureText, stopReason } from "./stop-reasons.js";

export type RunResult =
  /** Another runner holds the lease (or this engine is already running it): who, and until when. */
  | { readonly outcome: "busy"; readonly holder?: string | null; readonly until?: Date | null }
  /** The lease was taken over mid-run; the new holder finishes the workflow. */
  | { readonly outcome: "lease-lost" }
  /** The caller's signal stopped the run; the workflow stays unfinished for resumePending. */
  | { readonly outcome: "interrupted" }
  /** Succeeded, Failed or Cancelled (possibly by an earlier run). */
  | { readonly outcome: "finished"; readonly workflow: WorkflowRecord };

export interface RunSettings {
  readonly repo: WorkflowsRepo;
  readonly clock: Clock;
  readonly random: () => number;
  readonly defaultRetry: RetryPolicy;
  readonly leaseTtlMs: number;
  readonly heartbeatMs: number;
  readonly maxRuns: number;
  readonly emit: (event: ProgressEvent) => void;
  /** The workflow ended; see EngineOptions.onFinished. */
  readonly finished?: (wf: WorkflowRecord) => Promise<void>;
}

type StepEnd =
  | { readonly end: "succeeded"; readonly output: unknown }
  | { readonly end: "failed"; readonly error: string }
  | { readonly end: "stopped"; readonly reason: CancelRequested | LeaseLost | Interrupted };

/** Runs workflow `id`, whose lease `owner` has just acquired; releases it at the end. */
export async function runLeased(
  s: RunSettings,
  def: RegisteredWorkflow,
  id: string,
  owner: string,
  external: AbortSignal | undefined,
  drain?: AbortSignal,
): Promise<RunResult> {
  const { repo, clock } = s;
  const controller = new AbortController();
  const onExternal = (): void => {
    controller.abort(new Interrupted());
  };
  if (external?.aborted) onExternal();
  external?.addEventListener("abort", onExternal);
  const heartbeat = startHeartbeat(s.heartbeatMs, async () => {
    if (!(await repo.renewLease(id, owner, s.leaseTtlMs, clock.now()))) {
      controller.abort(new LeaseLost());
      return;
    }
    if ((await repo.get(id))?.cancelRequested === true) controller.abort(new CancelRequested());
  });

  const finish = async (
    status: "Succeeded" | "Failed" | "Cancelled",
    error: string | null,
  ): Promise<RunResult> => {
    if (!(await repo.finishWorkflow(id, owner, { status, error, now: clock.now() }))) return { outcome: "lease-lost" };
    s.emit({ type: "workflow-finished", workflowId: id, status, error });
    const ended = await repo.require(id);
    await s.finished?.(ended);
    return { outcome: "finished", workflow: ended };
  };
  const stopped = (reason: CancelRequested | LeaseLost | Interrupted): Promise<RunResult> | RunResult => {
    if (reason instanceof CancelRequested) return finish("Cancelled", "cancelled on request");
    return { outcome: reason instanceof LeaseLost ? "lease-lost" : "interrupted" };
  };

  try {
    const wf = await repo.require(id);
    if (isFinished(wf.status)) return { outcome: "finished", workflow: wf };
    const run = await repo.markRunning(id, owner, clock.now());
    if (run === undefined) return { outcome: "lease-lost" };
    s.emit({ type: "workflow-started", workflowId: id, kind: wf.kind, tenantName: wf.tenantName, run });
    if (run > s.maxRuns) {
      return await finish("Failed", `gave up after ${s.maxRuns} runs: the process running it kept stopping mid-way`);
    }

    const records = await repo.steps(id);
    const recorded = records.map((r) => r.name).join(",");
    if (recorded !== def.stepNames.join(",")) {
      return await finish(
        "Failed",
        `the '${wf.kind}' definition changed since this workflow was created (steps were ${recorded}, now ${def.stepNames.join(",")})`,
      );
    }
    let steps: readonly BoundStep[];
    try {
      steps = def.bind(wf.input);
    } catch (err) {
      return await finish("Failed", `invalid input: ${failureText(err)}`);
    }

    const outputs: Record<string, unknown> = {};
    for (const [i, step] of steps.entries()) {
      const record = records[i];
      if (record?.status === "Succeeded") {
        outputs[step.name] = record.output;
        s.emit({ type: "step-reused", workflowId: id, step: step.name });
        continue;
      }
      if (record?.status === "Failed") {
        // Failed and recorded, then the runner died before ending the workflow.
        return await finish("Failed", `step '${step.name}' failed: ${record.error ?? "unknown error"}`);
      }
      const reason =
        stopReason(controller.signal) ??
        (drain?.aborted === true ? new Interrupted() : undefined) ??
        ((await repo.require(id)).cancelRequested ? new CancelRequested() : undefined);
      if (reason) return await stopped(reason);

      const end = await runStep(s, wf, owner, step, outputs, controller.signal);
      if (end.end === "stopped") return await stopped(end.reason);
      if (end.end === "failed") return await finish("Failed", `step '${step.name}' failed: ${end.error}`);
      outputs[step.name] = end.output;
    }
    return await finish("Succeeded", null);
  } finally {
    external?.removeEventListener("abort", onExternal);
    await heartbeat.stop();
    // After finishWorkflow the lease is already gone; otherwise hand it back for the next
    // runner. If even that fails, the lease simply expires; the run's own error matters more.
    await repo.releaseLease(id, owner).catch(() => false);
  }
}

async function runStep(
  s: RunSettings,
  wf: WorkflowRecord,
  owner: string,
  step: BoundStep,
  outputs: Readonly<Record<string, unknown>>,
  signal: AbortSignal,
): Promise<StepEnd> {
  const { repo, clock } = s;
  const policy = step.retry ?? s.defaultRetry;
  const lost = { end: "stopped", reason: new LeaseLost() } as const;
  const base = { workflowId: wf.id, step: step.name };

  for (;;) {
    const attempt = await repo.startStep(wf.id, owner, step.name, clock.now());
    if (attempt === undefined) return lost;
    s.emit({ type: "step-started", ...base, attempt, maxAttempts: policy.maxAttempts });
    const started = clock.now();
    const elapsed = (): number => Math.max(0, clock.now().getTime() - started.getTime());

    let output: unknown;
    let failure: unknown;
    let failed = false;
    try {
      output = await step.run({
        workflowId: wf.id,
        kind: wf.kind,
        tenantName: wf.tenantName,
        // A copy per step: a step that mutates what it was given cannot change what later
        // steps see, which keeps a fresh run and a resumed one (reading the store) alike.
        outputs: structuredClone(outputs),
        attempt,
        owner,
        signal,
        log: (message, data) => {
          s.emit({ type: "step-log", ...base, message, data });
        },
        now: () => clock.now(),
      });
      // Round-trip through JSON now, so later steps see exactly what a resumed run would read back.
      output = parseJson(canonicalJson(output ?? null));
    } catch (err) {
      failed = true;
      failure = err;
    }

    if (!failed) {
      const durationMs = elapsed();
      if (!(await repo.finishStep(wf.id, owner, step.name, { status: "Succeeded", output, now: clock.now(), durationMs }))) {
        return lost;
      }
      s.emit({ type: "step-succeeded", ...base, attempt, durationMs });
      return { end: "succeeded", output };
    }

    const reason = stopReason(signal);
    if (reason instanceof LeaseLost || reason instanceof Interrupted) return { end: "stopped", reason };
    const error = failureText(failure);
    const fail = async (message: string): Promise<StepEnd> => {
      const ok = await repo.finishStep(wf.id, owner, step.name, {
        status: "Failed",
        error: message,
        now: clock.now(),
        durationMs: elapsed(),
      });
      if (!ok) return lost;
      s.emit({ type: "step-failed", ...base, attempt, error: message });
      return reason ? { end: "stopped", reason } : { end: "failed", error: message };
    };
    if (reason) return fail(`cancelled while running: ${error}`);
    if (!isRetryable(failure) || attempt >= policy.maxAttempts) {
      return fail(isRetryable(failure) ? `${error} (gave up after ${attempt} attempts)` : error);
    }

    const delayMs = backoffDelayMs(policy, attempt, s.random);
    if (!(await repo.noteStepError(wf.id, owner, step.name, error))) return lost;
    s.emit({ type: "step-retrying", ...base, attempt, maxAttempts: policy.maxAttempts, delayMs, error });
    try {
      await clock.sleep(delayMs, signal);
    } catch {
      // An aborted sleep: the reason is read from the signal just below.
    }
    const during = stopReason(signal);
    if (during instanceof CancelRequested) {
      const ok = await repo.finishStep(wf.id, owner, step.name, {
        status: "Failed",
        error: `cancelled while waiting to retry: ${error}`,
        now: clock.now(),
        durationMs: elapsed(),
      });
      return ok ? { end: "stopped", reason: during } : lost;
    }
    if (during) return { end: "stopped", reason: during };
  }
}
