/**
 * The placement kept in the store: where the tenant runs and what it holds there. Here, in
 * src/spec, so that the store (which parses the column once) and the workflows (which write
 * it) share one definition without either importing the other.
 */
import type { Placement } from "./placement.js";
import { cpuMillis } from "./quantity.js";
import type { ResolvedTenant } from "./resolve.js";

export interface PlacementRecord extends Placement {
  /** CPU held on the shared pools, millicores as a decimal string ("0" on its own nodes). */
  readonly sharedCpuMillis: string;
}

/**
 * What makes a stored value a placement: a cluster name. The other fields are trusted as
 * written by the submit path; rows written before a field existed still place the tenant.
 */
export function isPlacementRecord(v: unknown): v is PlacementRecord {
  return typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as { cluster?: unknown }).cluster === "string";
}

/** The record of where a resolved tenant is placed: CPU counts against the shared pools only there. */
export function placementRecordOf(t: ResolvedTenant): PlacementRecord {
  const shared = !t.placement.dedicatedCluster && t.placement.nodePool === undefined;
  return { ...t.placement, sharedCpuMillis: shared ? String(cpuMillis(t.effective.quota.cpu)) : "0" };
}
