/**
 * Free capacity of the shared clusters: allocatable CPU of their shared node pools minus
 * the CPU quota of the tenants already placed there. Quota, not usage, is what a tenant
 * may claim at any time, so placement never oversubscribes what was sold.
 */
import type { PlatformConfig } from "./platform-schema.js";
import { cpuMillis } from "./quantity.js";

export interface PlacedTenant {
  readonly cluster: string;
  /** CPU the tenant holds on the cluster's shared pools (0 when it runs on its own nodes). */
  readonly sharedCpuMillis: bigint;
}

export function freeCapacity(platform: PlatformConfig, placed: readonly PlacedTenant[]): Map<string, bigint> {
  const free = new Map<string, bigint>();
  for (const c of platform.clusters) {
    const allocatable = c.nodePools
      .filter((p) => p.role === "shared")
      .reduce((sum, p) => sum + BigInt(p.count) * cpuMillis(p.allocatable.cpu), 0n);
    // Overcommit is a ratio like 4 or 2.5: scaled by 100 to stay in integer arithmetic.
    free.set(c.name, (allocatable * BigInt(Math.round(c.cpuOvercommit * 100))) / 100n);
  }
  for (const t of placed) {
    const room = free.get(t.cluster);
    if (room !== undefined) free.set(t.cluster, room - t.sharedCpuMillis);
  }
  return free;
}
