/**
 * What a tenant can consume at its peak, against its quota. The peak counts the HPA
 * ceiling plus one surge pod of a rolling update, every database instance plus one
 * CloudNativePG join/bootstrap job pod (each with the backup plugin's sidecar), and the pooler: if this fits, quota admission
 * never blocks a scale-up, a rollout or a failover.
 */
import type { EffectiveConfig, Resources } from "./layer-schema.js";
import { bytes, cpuMillis } from "./quantity.js";

export interface Footprint {
  readonly pods: number;
  readonly pvcs: number;
  readonly requestsCpuMillis: bigint;
  readonly requestsMemoryBytes: bigint;
  readonly limitsMemoryBytes: bigint;
  readonly storageBytes: bigint;
}

export function peakFootprint(c: EffectiveConfig): Footprint {
  const appPods = c.app.autoscaling.maxReplicas + 1;
  const dbPods = c.database.instances + 1;
  const poolerPods = c.database.pooler.enabled ? c.database.pooler.instances : 0;
  const groups: [number, Resources][] = [
    [appPods, c.app.resources],
    [dbPods, c.database.resources],
    [dbPods, c.database.backup.sidecarResources],
    [poolerPods, c.database.pooler.resources],
  ];
  const sum = (pick: (r: Resources) => bigint) => groups.reduce((acc, [n, r]) => acc + BigInt(n) * pick(r), 0n);
  return {
    pods: appPods + dbPods + poolerPods,
    pvcs: c.database.instances,
    requestsCpuMillis: sum((r) => cpuMillis(r.requests.cpu)),
    requestsMemoryBytes: sum((r) => bytes(r.requests.memory)),
    limitsMemoryBytes: sum((r) => bytes(r.limits.memory)),
    storageBytes: BigInt(c.database.instances) * bytes(c.database.storage.size),
  };
}

export interface QuotaLimits {
  readonly pods: number;
  readonly pvcs: number;
  readonly cpuMillis: bigint;
  readonly memoryBytes: bigint;
  readonly storageBytes: bigint;
}

export function quotaLimits(c: EffectiveConfig): QuotaLimits {
  return {
    pods: c.quota.pods,
    pvcs: c.quota.pvcs,
    cpuMillis: cpuMillis(c.quota.cpu),
    memoryBytes: bytes(c.quota.memory),
    storageBytes: bytes(c.quota.storage),
  };
}
