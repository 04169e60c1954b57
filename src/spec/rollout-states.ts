/** The states of a rollout and of each of its targets, as the store keeps them. */

export const ROLLOUT_STATES = ["Running", "Paused", "RollingBack", "Succeeded", "RolledBack", "Failed", "Aborted"] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

export const TARGET_STATES = ["pending", "waiting-window", "applying", "verifying", "done", "failed", "skipped", "rolling-back", "rolled-back", "rollback-failed"] as const;
export type TargetState = (typeof TARGET_STATES)[number];

/** A control command left for the runner to honour at its next tenant boundary. */
export type Requested = "pause" | "abort" | null;
