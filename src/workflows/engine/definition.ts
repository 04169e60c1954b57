/**
 * What a workflow kind is: named steps run in order. Steps must be idempotent: the engine
 * runs each at least once, and again after a crash that hit before its result was
 * recorded. A step's return value is its output, stored as JSON and handed to later
 * steps (and to a resumed run, instead of running the step again).
 */
import { formatProblem, ProgrammingError } from "../../errors.js";
import type { InputProblem } from "../../errors.js";
import type { WorkflowKind } from "../../store/schema.js";
import type { RetryPolicy } from "./retry.js";
import { retryPolicyProblems } from "./retry.js";

export interface StepContext<I> {
  readonly workflowId: string;
  readonly kind: WorkflowKind;
  readonly tenantName: string;
  readonly input: I;
  /** Outputs of the steps before this one, by step name, as they were stored (JSON). */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** 1-based, counted over the workflow's life: above 1, an earlier attempt may have had effects. */
  readonly attempt: number;
  /** Lease owner of this run: steps that write elsewhere fence those writes with it (rollouts). */
  readonly owner: string;
  /** Aborts when cancellation is requested, the lease is lost or the run is interrupted. */
  readonly signal: AbortSignal;
  /** A line for the live progress display. */
  log(message: string, data?: unknown): void;
  /** The engine's clock. */
  now(): Date;
}

export interface StepDefinition<I> {
  readonly name: string;
  /** Applies to RetryableError only; other errors fail at once. Defaults to the engine's policy. */
  readonly retry?: RetryPolicy;
  run(ctx: StepContext<I>): Promise<unknown>;
}

export interface WorkflowDefinition<I> {
  readonly kind: WorkflowKind;
  /** Checks the stored input (e.g. a zod schema's parse); throws if it does not fit. */
  readonly parseInput: (raw: unknown) => I;
  readonly steps: readonly StepDefinition<I>[];
}

/** A step with the workflow's input already bound; what the engine runs. */
export interface BoundStep {
  readonly name: string;
  readonly retry: RetryPolicy | undefined;
  run(ctx: Omit<StepContext<unknown>, "input">): Promise<unknown>;
}

/** A definition with its input type erased, so definitions of different kinds can share a registry. */
export interface RegisteredWorkflow {
  readonly kind: WorkflowKind;
  readonly stepNames: readonly string[];
  validateInput(raw: unknown): void;
  /** Parses the input once and returns the steps that use it. */
  bind(raw: unknown): readonly BoundStep[];
}

export function defineWorkflow<I>(def: WorkflowDefinition<I>): RegisteredWorkflow {
  const problems = definitionProblems(def);
  // Definitions are Landlord's own code, not the user's input.
  if (problems.length > 0) throw new ProgrammingError(`invalid '${def.kind}' workflow definition: ${problems.map(formatProblem).join("; ")}`);
  const stepNames = def.steps.map((s) => s.name);
  return {
    kind: def.kind,
    stepNames,
    validateInput(raw) {
      def.parseInput(raw);
    },
    bind(raw) {
      const input = def.parseInput(raw);
      return def.steps.map((s) => ({ name: s.name, retry: s.retry, run: (ctx) => s.run({ ...ctx, input }) }));
    },
  };
}

function definitionProblems<I>(def: WorkflowDefinition<I>): InputProblem[] {
  const problems: InputProblem[] = [];
  if (def.steps.length === 0) {
    problems.push({ path: `${def.kind}.steps`, message: "a workflow needs at least one step", fix: "add a step" });
  }
  const seen = new Set<string>();
  def.steps.forEach((s, i) => {
    const path = `${def.kind}.steps[${i}]`;
    if (s.name.trim() === "") problems.push({ path: `${path}.name`, message: "step name is empty", fix: "name the step" });
    if (seen.has(s.name)) {
      problems.push({ path: `${path}.name`, message: `step name '${s.name}' is used twice`, fix: "give each step its own name" });
    }
    seen.add(s.name);
    if (s.retry) problems.push(...retryPolicyProblems(s.retry, `${path}.retry`));
  });
  return problems;
}
