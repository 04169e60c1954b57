/**
 * Where a tenant runs. Large tenants get a dedicated cluster; the others go to a shared
 * cluster: the pinned one, else the one with the most free capacity in the tenant's region
 * (free capacity comes from the caller; without it the registry order decides).
 */
import type { InputProblem } from "../errors.js";
import type { IsolationMode, PlatformConfig } from "./platform-schema.js";
import type { TenantNames } from "./names.js";
import type { Tenant } from "./tenant-schema.js";

export interface Placement {
  readonly cluster: string;
  readonly region: string;
  readonly dedicatedCluster: boolean;
  /** Dedicated AKS node pool, for nodepool isolation. */
  readonly nodePool?: string;
  /**
   * The folder the tenant's database archives into on this cluster (CloudNativePG's
   * `serverName` under the tenant's backup container). Absent: the Cluster's own name, as
   * onboarding leaves it. A move names the target's own, so the old and the new primary
   * never write one archive (docs/adr/0024); the store keeps it with the placement.
   */
  readonly backupServerName?: string;
}

/** Free CPU per shared cluster in millicores; higher wins. */
export type FreeCapacity = ReadonlyMap<string, bigint>;

export function placeTenant(
  platform: PlatformConfig,
  tenant: Tenant,
  isolation: IsolationMode,
  names: TenantNames,
  free?: FreeCapacity,
  /** CPU the tenant will hold on the shared pools (its quota; 0 on its own nodes). */
  needCpuMillis = 0n,
): { ok: true; placement: Placement } | { ok: false; problem: InputProblem } {
  const region = tenant.spec.region;
  const clusters = platform.clusters;
  if (isolation === "cluster") {
    const regionOf = region ?? clusters[0]?.region ?? "unknown";
    return { ok: true, placement: { cluster: names.dedicatedCluster, region: regionOf, dedicatedCluster: true } };
  }
  const pool = isolation === "nodepool" ? { nodePool: names.nodePool } : {};
  const pinned = tenant.spec.placement?.cluster;
  if (pinned !== undefined) {
    const c = clusters.find((x) => x.name === pinned);
    if (!c) {
      return {
        ok: false,
        problem: {
          path: "spec.placement.cluster",
          message: `cluster '${pinned}' is not in landlord.yaml`,
          fix: `use one of: ${clusters.map((x) => x.name).join(", ")}`,
        },
      };
    }
    // Data residency: a pin never overrides the region the tenant asked for.
    if (region !== undefined && c.region !== region) {
      return {
        ok: false,
        problem: {
          path: "spec.placement.cluster",
          message: `cluster '${pinned}' is in ${c.region}, but spec.region is ${region}`,
          fix: `pin a cluster in ${region}, or change spec.region`,
        },
      };
    }
    return { ok: true, placement: { cluster: c.name, region: c.region, dedicatedCluster: false, ...pool } };
  }
  const candidates = region === undefined ? clusters : clusters.filter((c) => c.region === region);
  if (candidates.length === 0) {
    return {
      ok: false,
      problem: {
        path: "spec.region",
        message: `no cluster in region '${region ?? ""}'`,
        fix: `use one of: ${[...new Set(clusters.map((c) => c.region))].join(", ")}`,
      },
    };
  }
  let best = candidates[0];
  if (free) {
    // A tenant on its own node pool needs no shared room (need 0): any cluster of the region fits.
    const fits = candidates.filter((c) => (free.get(c.name) ?? 0n) >= needCpuMillis);
    if (fits.length === 0) {
      return {
        ok: false,
        problem: {
          path: "spec.region",
          message: `no shared cluster${region === undefined ? "" : ` in ${region}`} has room for the tenant's CPU quota`,
          fix: "add nodes or a cluster to landlord.yaml, raise cpuOvercommit, or choose a smaller tier",
        },
      };
    }
    best = fits.reduce((a, b) => ((free.get(b.name) ?? 0n) > (free.get(a.name) ?? 0n) ? b : a));
  }
  if (!best) throw new Error("unreachable: candidates is non-empty");
  return { ok: true, placement: { cluster: best.name, region: best.region, dedicatedCluster: false, ...pool } };
}
