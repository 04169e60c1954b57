/** A clock that only moves when told to, or when the engine sleeps (backoff), which it records. */
import type { Clock } from "../../../../src/workflows/engine/clock.js";

export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private t: number;

  constructor(start = "2026-11-27T10:00:00.000Z") {
    this.t = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.t);
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
    return Promise.resolve();
  }

  advance(ms: number): void {
    this.t += ms;
  }
}
