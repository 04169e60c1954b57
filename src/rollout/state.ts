/**
 * The rollout state machine (pure): which control command is allowed in which state, what
 * it leads to, and which tenants a failure rolls back in which order.
 */
import { ConflictError } from "../errors.js";
import type { FailurePolicy } from "../spec/rollout-config-schema.js";
import type { Requested, RolloutState, TargetState } from "../spec/rollout-states.js";

/** At most one rollout per app is in one of these (a unique index says so too). */
export const ACTIVE_STATES: readonly RolloutState[] = ["Running", "Paused", "RollingBack"];

export type Command = "pause" | "resume" | "abort" | "retry";

export interface Control {
  readonly state: RolloutState;
  readonly requested: Requested;
}

export function isActive(state: RolloutState): boolean {
  return ACTIVE_STATES.includes(state);
}

/**
 * What a command does to the rollout record. `runnerAlive` tells whether some runner holds
 * the rollout's lease: a request is then left for it to honour at its next tenant boundary;
 * otherwise the state changes at once and the caller starts a runner where work remains.
 */
export function applyCommand(c: Control, cmd: Command, runnerAlive: boolean): Control {
  const refuse = (why: string): never => {
    throw new ConflictError(`cannot ${cmd} a rollout that is ${c.state}${c.requested ? ` (${c.requested} requested)` : ""}: ${why}`);
  };
  switch (cmd) {
    case "pause":
      if (c.state !== "Running") return refuse("only a running rollout can be paused");
      if (c.requested === "abort") return refuse("an abort is already under way");
      return runnerAlive ? { state: "Running", requested: "pause" } : { state: "Paused", requested: null };
    case "resume":
      if (c.state === "Paused" || (c.state === "Running" && !runnerAlive) || (c.state === "RollingBack" && !runnerAlive)) {
        return { state: c.state === "Paused" ? "Running" : c.state, requested: c.requested === "pause" ? null : c.requested };
      }
      if (c.state === "Running" && c.requested === "pause") return { state: "Running", requested: null };
      return refuse(c.state === "Running" ? "it is running (see rollout status -w)" : "it has ended; use `landlord rollout retry`");
    case "abort":
      if (c.state === "Running" || c.state === "Paused") return runnerAlive ? { state: c.state, requested: "abort" } : { state: "RollingBack", requested: "abort" };
      if (c.state === "RollingBack") return refuse("it is already rolling back");
      return refuse("it has ended");
    case "retry":
      if (c.state === "RolledBack" || c.state === "Failed" || c.state === "Aborted") return { state: "Running", requested: null };
      return refuse(isActive(c.state) ? "it has not ended; pause/abort it, or resume it" : "it succeeded");
  }
}

export interface TargetView {
  readonly tenant: string;
  readonly wave: number;
  readonly state: TargetState;
  /** Order in which the tenants' specs were changed; undefined until changed. */
  readonly changedSeq: number | null;
}

/** A target whose stored spec (and so its cluster or Git) now holds the release. */
export function isChanged(t: TargetView): boolean {
  return t.changedSeq !== null && ["applying", "verifying", "done", "failed", "rolling-back", "rollback-failed"].includes(t.state);
}

/** Who goes back after a failure, last changed first. */
export function rollbackOrder(targets: readonly TargetView[], policy: FailurePolicy | "all"): TargetView[] {
  const pick = targets.filter((t) => isChanged(t) && t.state !== "rollback-failed" && (policy !== "rollback-failed" || t.state === "failed" || t.state === "rolling-back"));
  return pick.sort((a, b) => (b.changedSeq ?? 0) - (a.changedSeq ?? 0));
}

/** The first wave that still has work, or undefined when every wave is through. */
export function currentWave(targets: readonly TargetView[]): number | undefined {
  const open = targets.filter((t) => ["pending", "waiting-window", "applying", "verifying"].includes(t.state)).map((t) => t.wave);
  return open.length === 0 ? undefined : Math.min(...open);
}

/** Targets a retry starts over: everything not left on the release. */
export function retryReset(t: TargetView): boolean {
  return t.state !== "done";
}
