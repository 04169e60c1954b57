/**
 * The price book and allocation rules of a fleet, derived from landlord.yaml and the
 * resolved tenants: node pool prices per cluster (a tenant's dedicated pool is priced
 * like a pool of the same VM size), who owns which pool and cluster, which namespace is
 * whose, and how the shared bucket is spread.
 */
import type { InputProblem } from "../errors.js";
import type { PlatformConfig } from "../spec/platform-schema.js";
import type { AllocationRules } from "./allocation.js";
import { MICROS_PER_MINOR, fromMinor, type Micros } from "./money.js";
import { BASE_FEE_ONLY, UNITS, type OverageResource, type TierPlan } from "./overage.js";
import type { ClusterPricing, PoolPrice } from "./prometheus-usage.js";

/** What the cost core needs of a tenant; a subset of ResolvedTenant. */
export interface CostTenant {
  readonly name: string;
  readonly tier: string;
  readonly isolation: "namespace" | "nodepool" | "cluster";
  readonly namespace: string;
  readonly cluster: string;
  readonly nodePool?: string;
  readonly dedicatedCluster: boolean;
  readonly customer?: string;
}

/** Fractional minor units from the config ("2.5" cents) to micros, exactly to the micro. */
export function minorToMicros(minor: number): Micros {
  return BigInt(Math.round(minor * Number(MICROS_PER_MINOR)));
}

export function fleetPricing(platform: PlatformConfig, tenants: readonly CostTenant[]): { clusters: ClusterPricing[]; problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  const byVmSize = new Map<string, Micros>();
  for (const c of platform.clusters) for (const p of c.nodePools) if (!byVmSize.has(p.vmSize)) byVmSize.set(p.vmSize, fromMinor(p.hourlyPrice));
  const prices = platform.billing.usagePrices;
  const common = {
    storagePerGiBMonth: minorToMicros(prices.storagePerGiBMonth),
    loadBalancerPerHour: minorToMicros(prices.loadBalancerPerHour),
    egressPerGiB: minorToMicros(prices.egressPerGiB),
  };
  const priceOf = (vmSize: string, path: string): Micros | undefined => {
    const p = byVmSize.get(vmSize);
    if (p === undefined) {
      problems.push({ path, message: `no node pool of VM size ${vmSize} has an hourlyPrice in landlord.yaml`, fix: `add a pool of ${vmSize} with its hourlyPrice to a cluster, or use a priced VM size` });
    }
    return p;
  };
  const clusters: ClusterPricing[] = platform.clusters.map((c) => {
    const pools = new Map<string, PoolPrice>(c.nodePools.map((p) => [p.name, { hourly: fromMinor(p.hourlyPrice) }]));
    for (const t of tenants) {
      if (t.cluster !== c.name || t.nodePool === undefined) continue;
      const vmSize = platform.tiers[t.tier]?.nodePool?.vmSize ?? "";
      const hourly = priceOf(vmSize, `tiers.${t.tier}.nodePool.vmSize`);
      if (hourly !== undefined) pools.set(t.nodePool, { hourly, owner: t.name });
    }
    return { cluster: c.name, pools, ...common };
  });
  for (const t of tenants) {
    if (!t.dedicatedCluster) continue;
    const spec = platform.tiers[t.tier]?.cluster;
    const pools = new Map<string, PoolPrice>();
    // AKS names the pools of a dedicated cluster "system" and "app" (terraform/modules/customer-instance).
    const system = priceOf(spec?.systemVmSize ?? "", `tiers.${t.tier}.cluster.systemVmSize`);
    const app = priceOf(spec?.appVmSize ?? "", `tiers.${t.tier}.cluster.appVmSize`);
    if (system !== undefined) pools.set("system", { hourly: system });
    if (app !== undefined) pools.set("app", { hourly: app });
    clusters.push({ cluster: t.cluster, owner: t.name, pools, ...common });
  }
  return { clusters, problems };
}

export function fleetRules(platform: PlatformConfig, tenants: readonly CostTenant[]): AllocationRules {
  const byNamespace = new Map(tenants.map((t) => [t.namespace, t.name]));
  const tierOf = new Map(tenants.map((t) => [t.name, t.tier]));
  const shared = platform.billing.sharedCost;
  return {
    tenantOf: (ns) => byNamespace.get(ns),
    sharing:
      shared.mode === "even"
        ? { mode: "even" }
        : { mode: "weighted", weightOf: (tenant) => BigInt(shared.tierWeights[tierOf.get(tenant) ?? ""] ?? 1) },
  };
}

/** An allowance in billing units (730.5 core-hours) to the allocation's base units, rounded to the nearest one. */
function baseUnits(resource: OverageResource, quantity: number | undefined): bigint {
  if (quantity === undefined) return 0n;
  // Split whole and fraction so a large allowance never loses base units to float precision.
  const whole = Math.floor(quantity);
  return BigInt(whole) * UNITS[resource].base + BigInt(Math.round((quantity - whole) * Number(UNITS[resource].base)));
}

/** A tier's allowance and overage prices from landlord.yaml; an unknown tier bills the base fee only. */
export function tierPlan(platform: PlatformConfig, tier: string): TierPlan {
  const price = platform.tiers[tier]?.price;
  if (!price) return BASE_FEE_ONLY;
  const a = price.allowance;
  const o = price.overage;
  return {
    allowance: {
      cpu: baseUnits("cpu", a.cpuCoreHours),
      memory: baseUnits("memory", a.memoryGiBHours),
      storage: baseUnits("storage", a.storageGiBMonths),
      egress: baseUnits("egress", a.egressGiB),
    },
    unitPrice: {
      cpu: minorToMicros(o.cpuCoreHour ?? 0),
      memory: minorToMicros(o.memoryGiBHour ?? 0),
      storage: minorToMicros(o.storageGiBMonth ?? 0),
      egress: minorToMicros(o.egressGiB ?? 0),
    },
  };
}
