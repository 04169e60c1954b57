/**
 * Capacity plan: for a number of tenants per tier, how many shared nodes, dedicated node
 * pools and dedicated clusters the fleet needs, within AKS limits and with headroom, what a
 * customer of each tier costs at that size, and whether another shared cluster is needed.
 * Sizing uses each tier's peak footprint (requests at the HPA ceiling, every database
 * instance, the pooler), which is what the scheduler must place; pure.
 */
import type { ResolvedTier } from "../spec/platform.js";
import type { PlatformConfig } from "../spec/platform-schema.js";
import { peakFootprint } from "../spec/footprint.js";
import { bytes, cpuMillis } from "../spec/quantity.js";
import { fromMinor, type Micros } from "./money.js";

/** AKS service limits (Azure documentation, "AKS quotas and limits"). */
export const AKS_LIMITS = { nodesPerCluster: 5000, poolsPerCluster: 100, podsPerNode: 250 } as const;
const HOURS_PER_MONTH = 730n;

export interface PlanInput {
  readonly platform: PlatformConfig;
  readonly tiers: ReadonlyMap<string, ResolvedTier>;
  readonly tenantsByTier: ReadonlyMap<string, number>;
  /** Share of each shared node kept free, in percent. */
  readonly headroomPercent: number;
  readonly limits?: Partial<typeof AKS_LIMITS>;
}

export interface TierPlan {
  readonly tier: string;
  readonly isolation: string;
  readonly tenants: number;
  /** Nodes this tier's tenants need: shared nodes they fill, or their own pools' and clusters' nodes. */
  readonly nodes: number;
  readonly costPerCustomer: Micros;
  readonly pricePerCustomer: Micros;
}

export interface CapacityPlan {
  readonly sharedClustersNeeded: number;
  readonly sharedClustersExisting: number;
  readonly sharedNodes: number;
  readonly sharedNodesPerCluster: number;
  readonly systemNodes: number;
  readonly dedicatedPools: number;
  readonly dedicatedClusters: number;
  readonly monthlyCost: Micros;
  readonly tiers: readonly TierPlan[];
  /** Why the numbers are what they are: the binding constraint, a new cluster, limits hit. */
  readonly notes: readonly string[];
}

const ceilDiv = (a: bigint, b: bigint) => (b === 0n ? 0n : (a + b - 1n) / b);

export function capacityPlan(input: PlanInput): CapacityPlan {
  const limits = { ...AKS_LIMITS, ...input.limits };
  const notes: string[] = [];
  const platform = input.platform;
  const template = platform.clusters[0];
  if (!template) throw new Error("capacityPlan: no cluster in landlord.yaml");
  const sharedPool = template.nodePools.find((p) => p.role === "shared");
  const systemPools = template.nodePools.filter((p) => p.role === "system");
  if (!sharedPool) throw new Error(`capacityPlan: cluster ${template.name} has no shared node pool`);
  const priceOfVm = new Map<string, Micros>();
  for (const c of platform.clusters) for (const p of c.nodePools) if (!priceOfVm.has(p.vmSize)) priceOfVm.set(p.vmSize, fromMinor(p.hourlyPrice));
  const vmPrice = (vm: string) => {
    const p = priceOfVm.get(vm);
    if (p === undefined) notes.push(`no hourlyPrice for VM size ${vm} in landlord.yaml: counted as 0`);
    return p ?? 0n;
  };

  const usable = BigInt(100 - input.headroomPercent);
  const nodeCpu = (cpuMillis(sharedPool.allocatable.cpu) * usable) / 100n;
  const nodeMem = (bytes(sharedPool.allocatable.memory) * usable) / 100n;
  const nodePods = (BigInt(Math.min(sharedPool.allocatable.pods, limits.podsPerNode)) * usable) / 100n;

  let cpu = 0n;
  let mem = 0n;
  let pods = 0n;
  let dedicatedPools = 0;
  let dedicatedPoolNodes = 0;
  let dedicatedClusters = 0;
  /** `own`: per customer, what its own nodes cost a month (0 for namespace tenants). */
  const tierRows: { name: string; isolation: string; n: number; nodes: number; own: Micros }[] = [];
  for (const [name, n] of [...input.tenantsByTier].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const tier = input.tiers.get(name);
    if (!tier) throw new Error(`capacityPlan: no tier ${name}`);
    const t = tier.tier;
    if (t.isolation === "namespace") {
      const f = peakFootprint(tier.effective);
      cpu += BigInt(n) * f.requestsCpuMillis;
      mem += BigInt(n) * f.requestsMemoryBytes;
      pods += BigInt(n) * BigInt(f.pods);
      tierRows.push({ name, isolation: t.isolation, n, nodes: 0, own: 0n });
    } else if (t.isolation === "nodepool" && t.nodePool) {
      dedicatedPools += n;
      dedicatedPoolNodes += n * t.nodePool.minCount;
      tierRows.push({ name, isolation: t.isolation, n, nodes: n * t.nodePool.minCount, own: BigInt(t.nodePool.minCount) * vmPrice(t.nodePool.vmSize) * HOURS_PER_MONTH });
    } else if (t.isolation === "cluster" && t.cluster) {
      dedicatedClusters += n;
      const c = t.cluster;
      const own = (BigInt(c.systemNodeCount) * vmPrice(c.systemVmSize) + BigInt(c.appMinCount) * vmPrice(c.appVmSize)) * HOURS_PER_MONTH;
      tierRows.push({ name, isolation: t.isolation, n, nodes: n * (c.systemNodeCount + c.appMinCount), own });
    }
  }

  const byCpu = ceilDiv(cpu, nodeCpu);
  const byMem = ceilDiv(mem, nodeMem);
  const byPods = ceilDiv(pods, nodePods);
  const sharedNodes = Number([byCpu, byMem, byPods].reduce((a, b) => (a > b ? a : b), 0n));
  const binding = sharedNodes === 0 ? "none" : byCpu >= byMem && byCpu >= byPods ? "CPU requests" : byMem >= byPods ? "memory requests" : "pods per node";
  notes.push(`shared nodes (${sharedPool.vmSize}) are bound by ${binding} with ${input.headroomPercent}% headroom`);

  // A shared cluster holds its system pools, its shared pool and the medium tenants' pools.
  const systemNodesPerCluster = systemPools.reduce((a, p) => a + p.count, 0);
  const basePools = systemPools.length + 1;
  const poolRoom = limits.poolsPerCluster - basePools;
  const byPools = Math.ceil(dedicatedPools / Math.max(poolRoom, 1));
  const nodeRoom = limits.nodesPerCluster - systemNodesPerCluster;
  const byNodes = Math.ceil((sharedNodes + dedicatedPoolNodes) / Math.max(nodeRoom, 1));
  const clusters = Math.max(1, byPools, byNodes);
  const existing = platform.clusters.length;
  if (clusters > existing) {
    const why = byPools >= byNodes ? `${dedicatedPools} dedicated node pools exceed ${poolRoom} per cluster (AKS: ${limits.poolsPerCluster} pools)` : `${sharedNodes + dedicatedPoolNodes} nodes exceed ${nodeRoom} per cluster (AKS: ${limits.nodesPerCluster} nodes)`;
    notes.push(`a new shared cluster is needed: ${clusters} needed, ${existing} in landlord.yaml (${why})`);
  }

  // Monthly cost: shared nodes go to the namespace tenants by footprint, system nodes evenly to all shared-cluster tenants.
  const systemCost = BigInt(clusters) * systemPools.reduce((a, p) => a + BigInt(p.count) * fromMinor(p.hourlyPrice), 0n) * HOURS_PER_MONTH;
  const sharedCost = BigInt(sharedNodes) * fromMinor(sharedPool.hourlyPrice) * HOURS_PER_MONTH;
  const onShared = tierRows.filter((r) => r.isolation !== "cluster").reduce((a, r) => a + r.n, 0);
  const nsTenants = tierRows.filter((r) => r.isolation === "namespace").reduce((a, r) => a + r.n, 0);
  const tiers: TierPlan[] = tierRows.map((r) => {
    const tier = input.tiers.get(r.name);
    const price = fromMinor(tier?.tier.price.monthly ?? 0);
    let perCustomer = r.own;
    if (r.isolation !== "cluster" && onShared > 0) perCustomer += systemCost / BigInt(onShared);
    let nodes = r.nodes;
    if (r.isolation === "namespace" && tier && cpu > 0n) {
      // This tier's part of the shared nodes, by its share of the CPU requests.
      const share = BigInt(r.n) * peakFootprint(tier.effective).requestsCpuMillis;
      perCustomer += r.n === 0 ? 0n : (sharedCost * share) / cpu / BigInt(r.n);
      nodes = Math.ceil((sharedNodes * Number(share)) / Number(cpu));
    } else if (r.isolation === "namespace" && nsTenants > 0) {
      perCustomer += sharedCost / BigInt(nsTenants);
    }
    return { tier: r.name, isolation: r.isolation, tenants: r.n, nodes, costPerCustomer: perCustomer, pricePerCustomer: price };
  });
  const monthlyCost = systemCost + sharedCost + tierRows.reduce((a, r) => a + r.own * BigInt(r.n), 0n);
  return {
    sharedClustersNeeded: clusters,
    sharedClustersExisting: existing,
    sharedNodes,
    sharedNodesPerCluster: Math.ceil(sharedNodes / clusters),
    systemNodes: clusters * systemNodesPerCluster,
    dedicatedPools,
    dedicatedClusters,
    monthlyCost,
    tiers,
    notes,
  };
}
