/**
 * Every typed error the core raises, in one place. They carry data, not presentation: the
 * CLI (src/cli/exit.ts) and an HTTP API map them to exit codes and statuses at the edge.
 * Each takes the standard `{ cause }` option, so the error that started it stays visible.
 */

/** One problem with user input, located precisely enough to fix without guessing. */
export interface InputProblem {
  /** File the problem comes from, when the input came from a file. */
  readonly file?: string;
  /** Field path in the document, dotted with [i] for list items, e.g. spec.domains[1]. */
  readonly path: string;
  readonly message: string;
  /** What the user should do about it. */
  readonly fix: string;
}

export class LandlordError extends Error {
  override readonly name: string = "LandlordError";
}

/**
 * The user's own input (flags, files, environment, answers) is wrong: every problem found,
 * reported at once, and nothing was written. Only for input a person can correct; a
 * mistake in Landlord's own code is a ProgrammingError.
 */
export class InputError extends LandlordError {
  override readonly name = "InputError";
  readonly problems: readonly InputProblem[];
  constructor(problems: readonly InputProblem[], options?: ErrorOptions) {
    super(
      problems.length === 1 && problems[0]
        ? formatProblem(problems[0])
        : `${problems.length} problems found:\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}`,
      options,
    );
    this.problems = problems;
  }
}

export class NotFoundError extends LandlordError {
  override readonly name = "NotFoundError";
}

/** The request is valid but the current state refuses it (a phase, a held name, a race lost). */
export class ConflictError extends LandlordError {
  override readonly name = "ConflictError";
}

export class NotAllowedError extends LandlordError {
  override readonly name = "NotAllowedError";
}

/** Landlord's own mistake (a broken invariant, a definition that cannot work): report it as a bug. */
export class ProgrammingError extends LandlordError {
  override readonly name = "ProgrammingError";
}

/** A workflow ended Failed or Cancelled; `workflowId` is where its steps and error are recorded. */
export class WorkflowFailedError extends LandlordError {
  override readonly name = "WorkflowFailedError";
  constructor(
    message: string,
    readonly workflowId: string,
    readonly status: "Failed" | "Cancelled",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The store cannot be used: what went wrong in words (`message`), where (`target`: a host
 * or a file path, never a password) and what to do about it (`fix`). The driver's error is
 * the cause.
 */
export class StoreError extends LandlordError {
  override readonly name = "StoreError";
  constructor(
    message: string,
    readonly target: string,
    readonly fix: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The operator stopped the command (Ctrl-C, SIGTERM); `resume` says how to continue, when there is something to continue. */
export class InterruptedError extends LandlordError {
  override readonly name = "InterruptedError";
  constructor(
    message: string,
    readonly resume?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Something Landlord depends on cannot be reached now (a cluster's API server down or not
 * answering): nothing is wrong with the request, and the same call may succeed later.
 * `retryAfterSeconds`, when known, is how long waiting is worth it. The API answers 503
 * with Retry-After; the CLI exits 69 (EX_UNAVAILABLE), so a script can tell it from a refusal.
 */
export class UnavailableError extends LandlordError {
  override readonly name: string = "UnavailableError";
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, options?: ErrorOptions & { readonly retryAfterSeconds?: number }) {
    super(message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/**
 * A service Landlord calls (a cluster's API server) answered, with an error of its own
 * that is not a decision about the request Landlord was given: the API answers 502.
 */
export class UpstreamError extends LandlordError {
  override readonly name: string = "UpstreamError";
}

/**
 * A transient failure (timeout, 429, a conflict that clears on its own): the workflow
 * engine retries the step with backoff. Any other error is a decision, not an accident,
 * and fails the workflow at once with its message as the reason. Defined here, not in the
 * engine, so that adapters (delivery, store) can raise it without depending on workflows.
 * Outside a workflow it reaches the edges as unavailability (503, exit 69): try again later.
 */
export class RetryableError extends LandlordError {
  override readonly name: string = "RetryableError";
}

export function isRetryable(err: unknown): boolean {
  return err instanceof RetryableError;
}

export function formatProblem(p: InputProblem): string {
  const where = [p.file, p.path].filter((s) => s !== undefined && s !== "").join(": ");
  return `${where === "" ? "" : `${where}: `}${p.message} (fix: ${p.fix})`;
}
