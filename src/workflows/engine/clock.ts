/** Time as a dependency: tests pass a fake clock whose sleep advances `now` instantly. */
import { setTimeout as delay } from "node:timers/promises";

export interface Clock {
  now(): Date;
  /** Resolves after `ms`; rejects (or resolves early) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}),
};
