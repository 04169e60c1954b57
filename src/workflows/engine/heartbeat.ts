/**
 * Keeps a lease alive while a run is in progress. This is the one real timer in the
 * engine (backoff sleeps use the injected clock): a fake clock's sleep returns at once,
 * and a heartbeat built on it would spin.
 */
export interface Heartbeat {
  stop(): Promise<void>;
}

export function startHeartbeat(intervalMs: number, beat: () => Promise<void>): Heartbeat {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = beat()
        // A failed beat (database briefly away) is retried on the next tick; losing the
        // lease for real shows up in beat() itself or in the next fenced write.
        .catch(() => undefined)
        .finally(schedule);
    }, intervalMs);
    // The run itself keeps the process alive; the heartbeat alone must not.
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}
