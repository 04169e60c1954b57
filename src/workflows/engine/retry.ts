/** Retry policy of a step and the backoff between attempts. */
import type { InputProblem } from "../../errors.js";

export interface RetryPolicy {
  /** Total attempts, the first included; 1 means never retry. */
  readonly maxAttempts: number;
  /** Backoff before the second attempt; it doubles per attempt up to maxDelayMs. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 30_000 };

/**
 * Delay after failed attempt `attempt` (1-based): exponential, capped, with "equal
 * jitter" — half fixed, half random — so that runners retrying the same dependency spread
 * out yet never retry immediately. `random` returns [0, 1).
 */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: () => number): number {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  const half = ceiling / 2;
  return Math.round(half + Math.min(Math.max(random(), 0), 1) * half);
}

export function retryPolicyProblems(policy: RetryPolicy, path: string): InputProblem[] {
  const problems: InputProblem[] = [];
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    problems.push({ path: `${path}.maxAttempts`, message: `must be a whole number ≥ 1, got ${policy.maxAttempts}`, fix: "use e.g. 5" });
  }
  if (!(policy.baseDelayMs >= 0)) {
    problems.push({ path: `${path}.baseDelayMs`, message: `must be ≥ 0, got ${policy.baseDelayMs}`, fix: "use e.g. 1000" });
  }
  if (!(policy.maxDelayMs >= policy.baseDelayMs)) {
    problems.push({
      path: `${path}.maxDelayMs`,
      message: `must be ≥ baseDelayMs (${policy.baseDelayMs}), got ${policy.maxDelayMs}`,
      fix: "raise maxDelayMs or lower baseDelayMs",
    });
  }
  return problems;
}
