/**
 * A step throws RetryableError for a transient failure (timeout, 429, a conflict that
 * clears on its own); the engine retries it with backoff. Any other error is a decision,
 * not an accident, and fails the workflow at once with its message as the reason.
 */
export class RetryableError extends Error {
  override readonly name: string = "RetryableError";
}

export function isRetryable(err: unknown): boolean {
  return err instanceof RetryableError;
}
