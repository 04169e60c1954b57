/** Typed errors become exit codes here, at the edge, and nowhere else. */
import { formatProblem, InputError, LandlordError } from "../errors.js";

export const EXIT = { ok: 0, failure: 1, invalidInput: 2 } as const;

export function exitCodeFor(err: unknown): number {
  return err instanceof InputError ? EXIT.invalidInput : EXIT.failure;
}

export function describeError(err: unknown): string {
  if (err instanceof InputError) {
    const n = err.problems.length;
    return `error: ${n} problem${n === 1 ? "" : "s"} found, nothing was written:\n${err.problems.map((p) => `  ${formatProblem(p)}`).join("\n")}\n`;
  }
  if (err instanceof LandlordError) return `error: ${err.message}\n`;
  const message = err instanceof Error ? err.message : String(err);
  return `error: ${message}\n`;
}
