/** Live step progress on stderr, one line per event, readable in a terminal and in CI logs. */
import type { ProgressEvent } from "../workflows/engine/index.js";
import type { CliIo } from "./io.js";

export function progressPrinter(io: CliIo, stepCount: () => number): (e: ProgressEvent) => void {
  let index = 0;
  const names = new Map<string, number>();
  const pos = (step: string) => {
    if (!names.has(step)) names.set(step, ++index);
    return `[${names.get(step) ?? index}/${stepCount()}]`;
  };
  return (e) => {
    switch (e.type) {
      case "step-started":
        io.stderr(`${pos(e.step)} ${e.step}${e.attempt > 1 ? ` (attempt ${e.attempt}/${e.maxAttempts})` : ""} ...\n`);
        break;
      case "step-reused":
        io.stderr(`${pos(e.step)} ${e.step}: done earlier, kept\n`);
        break;
      case "step-log":
        io.stderr(`      ${e.message}\n`);
        break;
      case "step-succeeded":
        io.stderr(`      ok (${e.durationMs} ms)\n`);
        break;
      case "step-retrying":
        io.stderr(`      failed, retrying in ${Math.round(e.delayMs / 1000)} s: ${e.error}\n`);
        break;
      case "step-failed":
        io.stderr(`      FAILED: ${e.error}\n`);
        break;
      default:
        break;
    }
  };
}
