/** Typed errors become exit codes here, at the edge, and nowhere else. */
import { formatProblem, InputError, InterruptedError, LandlordError, ProgrammingError, RetryableError, StoreError, UnavailableError, WorkflowFailedError } from "../errors.js";
import { redactSecrets } from "../util/redact.js";

/**
 * 2 is refused input (nothing was written); 69 is a cluster (or another dependency) that
 * cannot be reached now, so a script may retry rather than give up (EX_UNAVAILABLE of
 * sysexits.h); 130 is stopped by Ctrl-C/SIGTERM, as shells report SIGINT.
 */
export const EXIT = { ok: 0, failure: 1, invalidInput: 2, unavailable: 69, interrupted: 130 } as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof InputError) return EXIT.invalidInput;
  if (err instanceof InterruptedError) return EXIT.interrupted;
  if (err instanceof UnavailableError || err instanceof RetryableError) return EXIT.unavailable;
  return EXIT.failure;
}

/** Every error shown to people passes through redaction: messages may echo what was typed. */
export function describeError(err: unknown): string {
  return redactSecrets(describeUnredacted(err));
}

/** The causes below an error, innermost last, as one line each; driver errors carry their code. */
function causes(err: unknown): string[] {
  const out: string[] = [];
  let c: unknown = err instanceof Error ? err.cause : undefined;
  for (let depth = 0; c !== undefined && depth < 5; depth++) {
    if (c instanceof Error) {
      const code = (c as { code?: unknown }).code;
      out.push(`${c.message.split("\n")[0] ?? ""}${typeof code === "string" && !c.message.includes(code) ? ` (${code})` : ""}`);
      c = c.cause;
    } else {
      out.push(typeof c === "string" ? c : JSON.stringify(c));
      c = undefined;
    }
  }
  return out.filter((line, i, all) => line !== "" && all.indexOf(line) === i);
}

function describeUnredacted(err: unknown): string {
  if (err instanceof InputError) {
    const n = err.problems.length;
    return `error: ${n} problem${n === 1 ? "" : "s"} found, nothing was written:\n${err.problems.map((p) => `  ${formatProblem(p)}`).join("\n")}\n`;
  }
  if (err instanceof StoreError) {
    return `error: ${err.message}\n  where: ${err.target}\n  fix:   ${err.fix}\n${causes(err).map((c) => `  cause: ${c}\n`).join("")}`;
  }
  if (err instanceof InterruptedError) return `${err.message}\n${err.resume !== undefined ? `  resume: ${err.resume}\n` : ""}`;
  if (err instanceof WorkflowFailedError) {
    return `error: ${err.message}\n  details: landlord workflows describe ${err.workflowId}\n`;
  }
  if (err instanceof ProgrammingError) return `error: ${err.message}\n  (this is a bug in Landlord; please report it)\n${causes(err).map((c) => `  cause: ${c}\n`).join("")}`;
  if (err instanceof LandlordError) return `error: ${err.message}\n${causes(err).map((c) => `  cause: ${c}\n`).join("")}`;
  const message = err instanceof Error ? err.message : String(err);
  return `error: ${message}\n${causes(err).map((c) => `  cause: ${c}\n`).join("")}`;
}
