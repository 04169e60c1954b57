/**
 * Cost allocation, by the rules OpenCost users know, in exact integer micros:
 *
 * - a container is charged max(request, usage) of CPU and of memory, at its node's price
 *   for that resource; a container without requests is charged what it used;
 * - what no container is charged for is the node's idle cost; when containers are charged
 *   more than the node has (usage bursting above requests), the node's price is split among
 *   them in proportion, so idle is never negative and nothing is charged twice;
 * - costs of platform namespaces (and of namespaces no tenant owns) are the shared bucket,
 *   spread over the cluster's tenants evenly or by weight;
 * - nodes owned by a tenant (its dedicated node pool) and whole clusters owned by a tenant
 *   (aks-<tenant>) go wholly to that tenant, idle included.
 *
 * Every split uses splitByWeights, so for every cluster and window the invariant holds
 * exactly: sum(tenant own costs) + idle + shared = the cluster's cost.
 */
import { splitByWeights, type Micros } from "./money.js";

export interface NodeInput {
  readonly name: string;
  /** Allocatable CPU in millicores and memory in bytes: what the price pays for. */
  readonly cpuMillis: bigint;
  readonly memoryBytes: bigint;
  /** The node's price for the window, split into its CPU and its memory part. */
  readonly cpuCost: Micros;
  readonly ramCost: Micros;
  /** Tenant whose dedicated node pool this node belongs to. */
  readonly owner?: string;
}

/** One container's average over the window (a restarted container is still one row). */
export interface ContainerInput {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly node: string;
  readonly cpuRequestMillis: bigint;
  readonly cpuUsageMillis: bigint;
  readonly memoryRequestBytes: bigint;
  readonly memoryUsageBytes: bigint;
}

export type ChargeKind = "pv" | "loadBalancer" | "network";

/** A cost that is not a node's: a PVC's disk, a load balancer, egress, for the window. */
export interface ChargeInput {
  readonly namespace: string;
  readonly kind: ChargeKind;
  readonly name: string;
  readonly cost: Micros;
  /**
   * What was charged for, so allowances can be billed: for pv the bytes requested in the
   * window (byte-hours for an hourly window), for network the bytes sent out of the cluster.
   */
  readonly quantity?: bigint;
}

export interface ClusterWindowInput {
  readonly cluster: string;
  /** Tenant owning the whole cluster (isolation: cluster). */
  readonly owner?: string;
  readonly nodes: readonly NodeInput[];
  readonly containers: readonly ContainerInput[];
  readonly charges: readonly ChargeInput[];
}

export type SharingRule = { readonly mode: "even" } | { readonly mode: "weighted"; readonly weightOf: (tenant: string) => bigint };

export interface AllocationRules {
  /** The tenant owning a namespace, or undefined for platform and unknown namespaces (shared). */
  readonly tenantOf: (namespace: string) => string | undefined;
  readonly sharing: SharingRule;
}

export interface TenantCost {
  cpu: Micros;
  ram: Micros;
  pv: Micros;
  loadBalancer: Micros;
  network: Micros;
  /** Dedicated nodes and clusters, idle included. */
  dedicated: Micros;
  /** The tenant's part of the shared bucket. */
  shared: Micros;
}

/** Resource use of a namespace, summed over windows (divide by `windows` for averages). */
export interface NamespaceUsage {
  windows: number;
  cpuRequestMillis: bigint;
  cpuUsageMillis: bigint;
  memoryRequestBytes: bigint;
  memoryUsageBytes: bigint;
  /** max(request, usage) per container, summed: what the allocation charged for (millicore- and byte-hours). */
  cpuAllocatedMillis: bigint;
  memoryAllocatedBytes: bigint;
  /**
   * The busiest window's memory use (a maximum, not a sum): memory cannot be throttled, so
   * a request sized to the average would be exceeded about half of the time.
   */
  memoryUsagePeakBytes: bigint;
  /** PVC bytes per window, summed (byte-hours), and bytes sent out of the cluster. */
  pvBytes: bigint;
  egressBytes: bigint;
  cost: Micros;
}

export interface ClusterAllocation {
  readonly cluster: string;
  total: Micros;
  idle: Micros;
  /** The CPU and memory parts of idle (idleCpu + idleRam = idle). */
  idleCpu: Micros;
  idleRam: Micros;
  /** Cost of platform namespaces, before it is spread over tenants. */
  shared: Micros;
  /** Shared cost no tenant could take (no tenant ran on the cluster in that window). */
  unspread: Micros;
  readonly sharedByNamespace: Map<string, Micros>;
  readonly tenants: Map<string, TenantCost>;
  readonly namespaces: Map<string, NamespaceUsage>;
}

export function emptyTenantCost(): TenantCost {
  return { cpu: 0n, ram: 0n, pv: 0n, loadBalancer: 0n, network: 0n, dedicated: 0n, shared: 0n };
}

/** A tenant's own cost, before its part of the shared bucket. */
export function ownCost(c: TenantCost): Micros {
  return c.cpu + c.ram + c.pv + c.loadBalancer + c.network + c.dedicated;
}

export function totalCost(c: TenantCost): Micros {
  return ownCost(c) + c.shared;
}

function emptyCluster(cluster: string): ClusterAllocation {
  return { cluster, total: 0n, idle: 0n, idleCpu: 0n, idleRam: 0n, shared: 0n, unspread: 0n, sharedByNamespace: new Map(), tenants: new Map(), namespaces: new Map() };
}

function tenantEntry(a: ClusterAllocation, tenant: string): TenantCost {
  let t = a.tenants.get(tenant);
  if (!t) {
    t = emptyTenantCost();
    a.tenants.set(tenant, t);
  }
  return t;
}

function namespaceEntry(a: ClusterAllocation, namespace: string): NamespaceUsage {
  let n = a.namespaces.get(namespace);
  if (!n) {
    n = { windows: 0, cpuRequestMillis: 0n, cpuUsageMillis: 0n, memoryRequestBytes: 0n, memoryUsageBytes: 0n, cpuAllocatedMillis: 0n, memoryAllocatedBytes: 0n, memoryUsagePeakBytes: 0n, pvBytes: 0n, egressBytes: 0n, cost: 0n };
    a.namespaces.set(namespace, n);
  }
  return n;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const positive = (a: bigint) => (a > 0n ? a : 0n);

/** Splits one node resource's price over the containers' charged amounts and idle. */
function splitNodeResource(price: Micros, capacity: bigint, charged: readonly bigint[]): { parts: bigint[]; idle: Micros } {
  let used = 0n;
  for (const c of charged) used += c;
  const parts = splitByWeights(price, [...charged, positive(capacity - used)]);
  if (!parts) return { parts: charged.map(() => 0n), idle: price };
  const idle = parts.pop() ?? 0n;
  return { parts, idle };
}

/** Allocates one cluster over one window. */
export function allocateClusterWindow(input: ClusterWindowInput, rules: AllocationRules): ClusterAllocation {
  const a = emptyCluster(input.cluster);
  const seenNamespaces = new Set<string>();
  const byNode = new Map<string, ContainerInput[]>();
  for (const c of input.containers) {
    const list = byNode.get(c.node);
    if (list) list.push(c);
    else byNode.set(c.node, [c]);
    seenNamespaces.add(c.namespace);
    const n = namespaceEntry(a, c.namespace);
    n.cpuRequestMillis += c.cpuRequestMillis;
    n.cpuUsageMillis += c.cpuUsageMillis;
    n.memoryRequestBytes += c.memoryRequestBytes;
    n.memoryUsageBytes += c.memoryUsageBytes;
    n.cpuAllocatedMillis += max(c.cpuRequestMillis, c.cpuUsageMillis);
    n.memoryAllocatedBytes += max(c.memoryRequestBytes, c.memoryUsageBytes);
  }
  // One window: the namespace's use in it is its peak so far.
  for (const n of a.namespaces.values()) n.memoryUsagePeakBytes = n.memoryUsageBytes;
  const addShared = (namespace: string, cost: Micros) => {
    a.shared += cost;
    a.sharedByNamespace.set(namespace, (a.sharedByNamespace.get(namespace) ?? 0n) + cost);
  };

  for (const node of input.nodes) {
    const nodeCost = node.cpuCost + node.ramCost;
    a.total += nodeCost;
    const owner = input.owner ?? node.owner;
    const containers = byNode.get(node.name) ?? [];
    byNode.delete(node.name);
    if (owner !== undefined) {
      tenantEntry(a, owner).dedicated += nodeCost;
      continue;
    }
    const cpu = splitNodeResource(node.cpuCost, node.cpuMillis, containers.map((c) => max(c.cpuRequestMillis, c.cpuUsageMillis)));
    const ram = splitNodeResource(node.ramCost, node.memoryBytes, containers.map((c) => max(c.memoryRequestBytes, c.memoryUsageBytes)));
    a.idle += cpu.idle + ram.idle;
    a.idleCpu += cpu.idle;
    a.idleRam += ram.idle;
    containers.forEach((c, i) => {
      const cpuPart = cpu.parts[i] ?? 0n;
      const ramPart = ram.parts[i] ?? 0n;
      namespaceEntry(a, c.namespace).cost += cpuPart + ramPart;
      const tenant = rules.tenantOf(c.namespace);
      if (tenant === undefined) {
        addShared(c.namespace, cpuPart + ramPart);
      } else {
        const t = tenantEntry(a, tenant);
        t.cpu += cpuPart;
        t.ram += ramPart;
      }
    });
  }
  // Containers reported on a node the price book does not know cost nothing here; the
  // adapter reports them (they would otherwise be silently free).

  for (const charge of input.charges) {
    a.total += charge.cost;
    seenNamespaces.add(charge.namespace);
    const n = namespaceEntry(a, charge.namespace);
    n.cost += charge.cost;
    if (charge.kind === "pv") n.pvBytes += charge.quantity ?? 0n;
    if (charge.kind === "network") n.egressBytes += charge.quantity ?? 0n;
    const tenant = input.owner ?? rules.tenantOf(charge.namespace);
    if (tenant === undefined) {
      addShared(charge.namespace, charge.cost);
    } else {
      tenantEntry(a, tenant)[charge.kind] += charge.cost;
    }
  }
  for (const ns of seenNamespaces) namespaceEntry(a, ns).windows += 1;
  for (const ns of seenNamespaces) {
    const tenant = rules.tenantOf(ns);
    if (tenant !== undefined) tenantEntry(a, tenant);
  }

  spreadShared(a, rules.sharing);
  return a;
}

/** Spreads the shared bucket over the tenants present on the cluster in this window. */
function spreadShared(a: ClusterAllocation, sharing: SharingRule): void {
  const tenants = [...a.tenants.keys()].sort();
  const weights = tenants.map((t) => (sharing.mode === "even" ? 1n : positive(sharing.weightOf(t))));
  const parts = tenants.length === 0 ? undefined : splitByWeights(a.shared, weights);
  if (!parts) {
    a.unspread = a.shared;
    return;
  }
  tenants.forEach((t, i) => {
    tenantEntry(a, t).shared += parts[i] ?? 0n;
  });
}

const TENANT_COST_PARTS = ["cpu", "ram", "pv", "loadBalancer", "network", "dedicated", "shared"] as const satisfies readonly (keyof TenantCost)[];

/** Usage fields that add up across windows (the peak is a maximum, and handled apart). */
const SUMMED_USAGE = ["cpuRequestMillis", "cpuUsageMillis", "memoryRequestBytes", "memoryUsageBytes", "cpuAllocatedMillis", "memoryAllocatedBytes", "pvBytes", "egressBytes", "cost"] as const satisfies readonly (keyof NamespaceUsage)[];

function addTenantCost(into: TenantCost, c: TenantCost): void {
  for (const k of TENANT_COST_PARTS) into[k] += c[k];
}

/** Adds one window's allocation of a cluster into a running total for that cluster. */
export function addInto(sum: ClusterAllocation, w: ClusterAllocation): void {
  sum.total += w.total;
  sum.idle += w.idle;
  sum.idleCpu += w.idleCpu;
  sum.idleRam += w.idleRam;
  sum.shared += w.shared;
  sum.unspread += w.unspread;
  for (const [ns, v] of w.sharedByNamespace) sum.sharedByNamespace.set(ns, (sum.sharedByNamespace.get(ns) ?? 0n) + v);
  for (const [tenant, c] of w.tenants) {
    addTenantCost(tenantEntry(sum, tenant), c);
  }
  for (const [ns, u] of w.namespaces) {
    const n = namespaceEntry(sum, ns);
    n.windows += u.windows;
    for (const k of SUMMED_USAGE) n[k] += u[k];
    n.memoryUsagePeakBytes = max(n.memoryUsagePeakBytes, u.memoryUsagePeakBytes);
  }
}

/** Allocates many windows and sums them per cluster (e.g. a month of hourly windows). */
export function allocateWindows(windows: Iterable<ClusterWindowInput>, rules: AllocationRules): Map<string, ClusterAllocation> {
  const byCluster = new Map<string, ClusterAllocation>();
  for (const input of windows) {
    const w = allocateClusterWindow(input, rules);
    let sum = byCluster.get(input.cluster);
    if (!sum) {
      sum = emptyCluster(input.cluster);
      byCluster.set(input.cluster, sum);
    }
    addInto(sum, w);
  }
  return byCluster;
}

/** Per tenant across clusters (a dedicated cluster and any shared cluster it also runs on). */
export function tenantTotals(clusters: Iterable<ClusterAllocation>): Map<string, TenantCost> {
  const out = new Map<string, TenantCost>();
  for (const a of clusters) {
    for (const [tenant, c] of a.tenants) {
      const t = out.get(tenant) ?? emptyTenantCost();
      addTenantCost(t, c);
      out.set(tenant, t);
    }
  }
  return out;
}
