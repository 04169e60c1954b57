/**
 * Which tenant goes in which wave (pure). Canary waves take the tenants their `select`
 * names (labels or rings); percent waves fill up to their cumulative share of the eligible
 * fleet, in a fixed order: ring, then tier (landlord.yaml order), then a stable hash of the
 * name, so the same fleet always splits the same way without anyone keeping lists.
 * A tenant labelled landlord.dev/wave with the name of a wave is placed in that wave.
 */
import { createHash } from "node:crypto";
import { WAVE_LABEL } from "../spec/waves.js";
import type { WaveConfig } from "../spec/rollout-config-schema.js";

export interface Candidate {
  readonly name: string;
  readonly tier: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ring?: number;
  readonly pinned: boolean;
  /** True when the tenant already runs exactly what the release would give it. */
  readonly upToDate: boolean;
  readonly cluster: string;
}

export interface PlannedWave {
  readonly name: string;
  readonly tenants: readonly string[];
}

export interface Skipped {
  readonly tenant: string;
  readonly reason: string;
}

export interface Plan {
  readonly waves: readonly PlannedWave[];
  readonly skipped: readonly Skipped[];
}

/** Tenants without a ring sort as ring 1: after the canary ring 0, before later rings. */
export const DEFAULT_RING = 1;

function hashKey(name: string): string {
  return createHash("sha256").update(name).digest("hex");
}

export function orderTenants(tenants: readonly Candidate[], tierOrder: readonly string[]): Candidate[] {
  const tierIndex = (t: string) => {
    const i = tierOrder.indexOf(t);
    return i < 0 ? tierOrder.length : i;
  };
  return tenants
    .map((t) => ({ t, ring: t.ring ?? DEFAULT_RING, tier: tierIndex(t.tier), hash: hashKey(t.name) }))
    .sort((a, b) => a.ring - b.ring || a.tier - b.tier || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0))
    .map((x) => x.t);
}

function selected(t: Candidate, select: NonNullable<WaveConfig["select"]>): boolean {
  const byLabel = select.labels !== undefined && Object.keys(select.labels).length > 0 && Object.entries(select.labels).every(([k, v]) => t.labels[k] === v);
  const byRing = select.rings !== undefined && select.rings.includes(t.ring ?? DEFAULT_RING);
  return byLabel || byRing;
}

export function planWaves(candidates: readonly Candidate[], waves: readonly WaveConfig[], tierOrder: readonly string[]): Plan {
  const skipped: Skipped[] = [];
  const eligible: Candidate[] = [];
  for (const c of candidates) {
    if (c.pinned) skipped.push({ tenant: c.name, reason: "pinned (spec.rollout.pinned): keeps its version" });
    else if (c.upToDate) skipped.push({ tenant: c.name, reason: "already runs this release" });
    else eligible.push(c);
  }
  const ordered = orderTenants(eligible, tierOrder);
  const total = ordered.length;
  const assigned = new Map<string, number>();
  const waveNames = waves.map((w) => w.name);
  for (const c of ordered) {
    const pinnedWave = c.labels[WAVE_LABEL];
    const i = pinnedWave === undefined ? -1 : waveNames.indexOf(pinnedWave);
    if (i >= 0) assigned.set(c.name, i);
  }
  const members: string[][] = waves.map(() => []);
  let done = 0;
  waves.forEach((w, i) => {
    const take = (c: Candidate) => {
      assigned.set(c.name, i);
      members[i]?.push(c.name);
    };
    const free = () => ordered.filter((c) => !assigned.has(c.name));
    for (const c of ordered) if (assigned.get(c.name) === i) members[i]?.push(c.name);
    if (w.select) {
      const matched = free().filter((c) => selected(c, w.select ?? {}));
      matched.forEach(take);
      if (matched.length === 0 && (members[i]?.length ?? 0) === 0) free().slice(0, w.fallbackCount).forEach(take);
    }
    const isLast = i === waves.length - 1;
    const target = isLast ? total : w.percent === undefined ? 0 : Math.ceil((w.percent * total) / 100);
    // Tenants pinned to later waves are counted there, not here.
    const later = ordered.filter((c) => (assigned.get(c.name) ?? -1) > i).length;
    const room = Math.max(0, target - done - (members[i]?.length ?? 0) - (isLast ? later : 0));
    free().slice(0, room).forEach(take);
    done += members[i]?.length ?? 0;
  });
  return { waves: waves.map((w, i) => ({ name: w.name, tenants: members[i] ?? [] })), skipped };
}
