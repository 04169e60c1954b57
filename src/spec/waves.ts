/**
 * Rollout waves: canary, then 10%, 50% and 100% of the fleet (cumulative). A tenant's
 * wave is pinned with the label landlord.dev/wave, else it follows from a hash of its
 * name, so the split is stable and roughly even without anyone maintaining lists.
 */
import { createHash } from "node:crypto";

export const WAVES = ["canary", "w10", "w50", "w100"] as const;
export type Wave = (typeof WAVES)[number];
export const WAVE_LABEL = "landlord.dev/wave";

export function isWave(value: string): value is Wave {
  return (WAVES as readonly string[]).includes(value);
}

export function waveOf(tenantName: string, labels: Readonly<Record<string, string>>): Wave {
  const pinned = labels[WAVE_LABEL];
  if (pinned !== undefined && isWave(pinned)) return pinned;
  const bucket = createHash("sha256").update(tenantName).digest().readUInt32BE(0) % 100;
  return bucket < 10 ? "w10" : bucket < 50 ? "w50" : "w100";
}
