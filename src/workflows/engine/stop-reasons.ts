/** Why a run's AbortSignal fired; each leads to a different ending of the run. */

/** Someone asked to cancel the workflow: it ends Cancelled. */
export class CancelRequested extends Error {
  override readonly name = "CancelRequested";
  constructor() {
    super("cancellation was requested");
  }
}

/** Another runner took the lease over: stop without writing anything more. */
export class LeaseLost extends Error {
  override readonly name = "LeaseLost";
  constructor() {
    super("the lease on this workflow was lost to another runner");
  }
}

/** The caller's signal fired (e.g. Ctrl-C): stop, leave the workflow to be resumed. */
export class Interrupted extends Error {
  override readonly name = "Interrupted";
  constructor() {
    super("the run was interrupted");
  }
}

export type StopReason = CancelRequested | LeaseLost | Interrupted;

export function stopReason(signal: AbortSignal): StopReason | undefined {
  if (!signal.aborted) return undefined;
  const r: unknown = signal.reason;
  return r instanceof CancelRequested || r instanceof LeaseLost || r instanceof Interrupted ? r : new Interrupted();
}

/** The message recorded for a failure: the error's own words, with its type when it has one. */
export function failureText(err: unknown): string {
  if (err instanceof Error) return err.name === "Error" ? err.message : `${err.name}: ${err.message}`;
  return String(err);
}
