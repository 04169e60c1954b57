/**
 * The small set of typed errors the core raises. They carry data, not presentation:
 * the CLI and the HTTP API map them to exit codes and statuses at the edge.
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

/** Invalid input: every problem found, reported at once. */
export class InputError extends LandlordError {
  override readonly name = "InputError";
  readonly problems: readonly InputProblem[];
  constructor(problems: readonly InputProblem[]) {
    super(
      problems.length === 1 && problems[0]
        ? formatProblem(problems[0])
        : `${problems.length} problems found:\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}`,
    );
    this.problems = problems;
  }
}

export class NotFoundError extends LandlordError {
  override readonly name = "NotFoundError";
}

export class ConflictError extends LandlordError {
  override readonly name = "ConflictError";
}

export class NotAllowedError extends LandlordError {
  override readonly name = "NotAllowedError";
}

/**
 * A transient failure (timeout, 429, a conflict that clears on its own): the workflow
 * engine retries the step with backoff. Any other error is a decision, not an accident,
 * and fails the workflow at once with its message as the reason. Defined here, not in the
 * engine, so that adapters (delivery, store) can raise it without depending on workflows.
 */
export class RetryableError extends Error {
  override readonly name: string = "RetryableError";
}

export function isRetryable(err: unknown): boolean {
  return err instanceof RetryableError;
}

export function formatProblem(p: InputProblem): string {
  const where = [p.file, p.path].filter((s) => s !== undefined && s !== "").join(": ");
  return `${where === "" ? "" : `${where}: `}${p.message} (fix: ${p.fix})`;
}
