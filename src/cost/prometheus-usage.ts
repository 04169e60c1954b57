/**
 * Adapter: reads a cluster's usage for a time range from Prometheus (the series that
 * kube-state-metrics and cAdvisor export) and turns it into hourly allocation inputs.
 * Floats end here: Prometheus values become integer millicores, bytes and micros.
 *
 * Window h covers (t - 1h, t] with t = start + (h + 1) hours, which is what a `[1h]`
 * range selector evaluated at t sees. Containers are summed by namespace, pod, container
 * and node, so a restarted container (a new cAdvisor series) stays one container.
 */
import type { ChargeInput, ClusterWindowInput, ContainerInput, NodeInput } from "./allocation.js";
import type { Micros } from "./money.js";
import { nodePriceFromRates, splitNodePrice } from "./node-price.js";

export interface PoolPrice {
  /** The whole node's price per hour. */
  readonly hourly: Micros;
  /** Tenant owning this node pool (isolation: nodepool). */
  readonly owner?: string;
}

export interface ClusterPricing {
  readonly cluster: string;
  /** Tenant owning the whole cluster (isolation: cluster). */
  readonly owner?: string;
  /** By AKS node pool name (the node label `agentpool`). */
  readonly pools: ReadonlyMap<string, PoolPrice>;
  /** Per GiB-month of 730 hours, the cloud price sheets' month; divided per hour only when charged. */
  readonly storagePerGiBMonth: Micros;
  readonly loadBalancerPerHour: Micros;
  readonly egressPerGiB: Micros;
}

export interface UsageRead {
  readonly windows: ClusterWindowInput[];
  /** What could not be priced or placed; reported, never silently free. */
  readonly problems: string[];
  /** Number of range queries sent and samples read, for the benchmark. */
  readonly queries: number;
  readonly samples: number;
}

interface MatrixSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly (readonly [number, string])[];
}

const HOUR = 3600;
const HOURS_PER_MONTH = 730n;
const GIB = 1024 ** 3;

export const USAGE_QUERIES = {
  cpuRequest: 'sum by (namespace, pod, container, node) (avg_over_time(kube_pod_container_resource_requests{resource="cpu"}[1h]))',
  memoryRequest: 'sum by (namespace, pod, container, node) (avg_over_time(kube_pod_container_resource_requests{resource="memory"}[1h]))',
  cpuUsage: 'sum by (namespace, pod, container, node) (rate(container_cpu_usage_seconds_total{container!="", container!="POD"}[1h]))',
  memoryUsage: 'sum by (namespace, pod, container, node) (avg_over_time(container_memory_working_set_bytes{container!="", container!="POD"}[1h]))',
  nodeCpu: 'max by (node) (avg_over_time(kube_node_status_allocatable{resource="cpu"}[1h]))',
  nodeMemory: 'max by (node) (avg_over_time(kube_node_status_allocatable{resource="memory"}[1h]))',
  nodePool: "max by (node, label_agentpool) (max_over_time(kube_node_labels[1h]))",
  nodeCpuHourly: "max by (node) (avg_over_time(node_cpu_hourly_cost[1h]))",
  nodeRamHourly: "max by (node) (avg_over_time(node_ram_hourly_cost[1h]))",
  pvcBytes: "max by (namespace, persistentvolumeclaim) (avg_over_time(kube_persistentvolumeclaim_resource_requests_storage_bytes[1h]))",
  loadBalancers: 'max by (namespace, service) (max_over_time(kube_service_spec_type{type="LoadBalancer"}[1h]))',
  // Egress: see egressSource below for why the ingress controller's series come first.
  egressIngressBytes: "sum by (namespace, exported_namespace) (increase(nginx_ingress_controller_response_size_sum[1h]))",
  egressBytes: "sum by (namespace) (increase(container_network_transmit_bytes_total[1h]))",
} as const;

/**
 * Which series count a namespace's egress, the traffic that leaves the cluster.
 *
 * Tenant pods cannot reach the internet themselves: the network policies let them talk to
 * their own namespace and DNS, and database pods to the API server and backup storage only.
 * What leaves the cluster for a tenant is its HTTP responses, sent by the shared ingress
 * controller. cAdvisor's transmit counter has no destination, so for a tenant it is mostly
 * in-cluster traffic (database replication, queries, responses to the ingress controller);
 * ingress-nginx's response sizes, labelled with the Ingress's namespace, are the bytes that
 * go out. So: the ingress series when the cluster has them, else cAdvisor's as an upper
 * bound, said in a warning. Backups to blob storage are not egress here (the cloud export
 * bills the storage account).
 */
export function egressSource(ingress: readonly MatrixSeries[], cadvisor: readonly MatrixSeries[]): { query: "egressIngressBytes" | "egressBytes"; namespaceOf: (m: Readonly<Record<string, string>>) => string; problem?: string } {
  if (ingress.length > 0) {
    // Scraped without honor_labels, the Ingress's namespace label is renamed exported_namespace
    // (namespace is then the controller's own); with honor_labels it stays namespace.
    return { query: "egressIngressBytes", namespaceOf: (m) => m["exported_namespace"] ?? m["namespace"] ?? "" };
  }
  const problem =
    cadvisor.length > 0
      ? "no nginx_ingress_controller_response_size series: egress counted from container_network_transmit_bytes_total, which includes in-cluster traffic (an upper bound)"
      : undefined;
  return { query: "egressBytes", namespaceOf: (m) => m["namespace"] ?? "", ...(problem === undefined ? {} : { problem }) };
}

type QueryName = keyof typeof USAGE_QUERIES;

export interface PrometheusClient {
  queryRange(query: string, startSeconds: number, endSeconds: number, stepSeconds: number): Promise<MatrixSeries[]>;
}

/** A client over Prometheus' HTTP API (POST /api/v1/query_range). */
export function prometheusClient(baseUrl: string, fetchImpl: typeof fetch = fetch): PrometheusClient {
  return {
    async queryRange(query, start, end, step) {
      const body = new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) });
      const res = await fetchImpl(new URL("api/v1/query_range", baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
      });
      const json = (await res.json()) as { status?: string; error?: string; data?: { resultType?: string; result?: MatrixSeries[] } };
      if (!res.ok || json.status !== "success") throw new Error(`Prometheus query failed (${res.status}): ${json.error ?? "no error text"}: ${query}`);
      return json.data?.result ?? [];
    },
  };
}

const milli = (v: number) => BigInt(Math.round(v * 1000));
const whole = (v: number) => BigInt(Math.round(v));

/** Reads the hourly windows of [startSeconds, endSeconds) (whole hours) for one cluster. */
export async function readClusterUsage(client: PrometheusClient, pricing: ClusterPricing, startSeconds: number, endSeconds: number): Promise<UsageRead> {
  const hours = Math.floor((endSeconds - startSeconds) / HOUR);
  const first = startSeconds + HOUR;
  const last = startSeconds + hours * HOUR;
  const names = Object.keys(USAGE_QUERIES) as QueryName[];
  const results = await Promise.all(names.map((n) => client.queryRange(USAGE_QUERIES[n], first, last, HOUR)));
  const byName = new Map<QueryName, MatrixSeries[]>(names.map((n, i) => [n, results[i] ?? []]));
  let samples = 0;
  for (const r of results) for (const s of r) samples += s.values.length;

  /** series -> (hour index -> value) */
  const at = (name: QueryName) =>
    (byName.get(name) ?? []).map((s) => {
      const values = new Map<number, number>();
      for (const [ts, v] of s.values) {
        const n = Number(v);
        if (Number.isFinite(n)) values.set(Math.round((ts - first) / HOUR), n);
      }
      return { metric: s.metric, values };
    });
  const keyOf = (m: Readonly<Record<string, string>>) => `${m["namespace"] ?? ""}\u0000${m["pod"] ?? ""}\u0000${m["container"] ?? ""}\u0000${m["node"] ?? ""}`;
  const containerSeries = new Map<string, { metric: Readonly<Record<string, string>>; values: Partial<Record<"cpuRequest" | "memoryRequest" | "cpuUsage" | "memoryUsage", Map<number, number>>> }>();
  for (const name of ["cpuRequest", "memoryRequest", "cpuUsage", "memoryUsage"] as const) {
    for (const s of at(name)) {
      const key = keyOf(s.metric);
      const entry = containerSeries.get(key) ?? { metric: s.metric, values: {} };
      entry.values[name] = s.values;
      containerSeries.set(key, entry);
    }
  }
  const perNode = (name: QueryName) => new Map(at(name).map((s) => [s.metric["node"] ?? "", s.values]));
  const nodeCpu = perNode("nodeCpu");
  const nodeMemory = perNode("nodeMemory");
  const nodeCpuHourly = perNode("nodeCpuHourly");
  const nodeRamHourly = perNode("nodeRamHourly");
  const poolOf = new Map(at("nodePool").map((s) => [s.metric["node"] ?? "", s.metric["label_agentpool"] ?? ""]));
  const pvcs = at("pvcBytes");
  const lbs = at("loadBalancers");
  const egressFrom = egressSource(byName.get("egressIngressBytes") ?? [], byName.get("egressBytes") ?? []);
  const egress = at(egressFrom.query);

  const problems = new Set<string>();
  if (egressFrom.problem !== undefined) problems.add(egressFrom.problem);
  const windows: ClusterWindowInput[] = [];
  for (let h = 0; h < hours; h++) {
    const nodes: NodeInput[] = [];
    for (const [node, cpuSeries] of nodeCpu) {
      const cores = cpuSeries.get(h);
      const memory = nodeMemory.get(node)?.get(h);
      if (cores === undefined || memory === undefined) continue;
      const cpuMillis = milli(cores);
      const memoryBytes = whole(memory);
      const pool = pricing.pools.get(poolOf.get(node) ?? "");
      const cpuRate = nodeCpuHourly.get(node)?.get(h);
      const ramRate = nodeRamHourly.get(node)?.get(h);
      let price;
      if (cpuRate !== undefined && ramRate !== undefined) {
        // The cost model's own per-core and per-GiB prices, when it exports them, win over the price book.
        // Those series are in major units per hour; x 1e8 is major -> micros of a cent (two-decimal currencies).
        price = nodePriceFromRates(whole(cpuRate * 1e8), whole(ramRate * 1e8), cpuMillis, memoryBytes);
      } else if (pool) {
        price = splitNodePrice(pool.hourly, cpuMillis, memoryBytes);
      } else {
        problems.add(`node ${node} (pool '${poolOf.get(node) ?? "?"}') has no price in landlord.yaml and no node_*_hourly_cost series: counted as free`);
        continue;
      }
      nodes.push({ name: node, cpuMillis, memoryBytes, ...price, ...(pool?.owner === undefined ? {} : { owner: pool.owner }) });
    }
    const known = new Set(nodes.map((n) => n.name));
    const containers: ContainerInput[] = [];
    for (const { metric, values } of containerSeries.values()) {
      const v = (name: "cpuRequest" | "memoryRequest" | "cpuUsage" | "memoryUsage") => values[name]?.get(h);
      const cr = v("cpuRequest"), mr = v("memoryRequest"), cu = v("cpuUsage"), mu = v("memoryUsage");
      if (cr === undefined && mr === undefined && cu === undefined && mu === undefined) continue;
      const node = metric["node"] ?? "";
      if (!known.has(node)) problems.add(`containers on node '${node}' have no priced node: not charged`);
      containers.push({
        namespace: metric["namespace"] ?? "",
        pod: metric["pod"] ?? "",
        container: metric["container"] ?? "",
        node,
        cpuRequestMillis: milli(cr ?? 0),
        cpuUsageMillis: milli(cu ?? 0),
        memoryRequestBytes: whole(mr ?? 0),
        memoryUsageBytes: whole(mu ?? 0),
      });
    }
    const charges: ChargeInput[] = [];
    for (const s of pvcs) {
      const bytes = s.values.get(h);
      if (bytes === undefined) continue;
      const quantity = whole(bytes);
      charges.push({ namespace: s.metric["namespace"] ?? "", kind: "pv", name: s.metric["persistentvolumeclaim"] ?? "", cost: (pricing.storagePerGiBMonth * quantity) / (BigInt(GIB) * HOURS_PER_MONTH), quantity });
    }
    for (const s of lbs) {
      if ((s.values.get(h) ?? 0) > 0) charges.push({ namespace: s.metric["namespace"] ?? "", kind: "loadBalancer", name: s.metric["service"] ?? "", cost: pricing.loadBalancerPerHour });
    }
    for (const s of egress) {
      const bytes = s.values.get(h);
      if (bytes === undefined || bytes <= 0) continue;
      const quantity = whole(bytes);
      charges.push({ namespace: egressFrom.namespaceOf(s.metric), kind: "network", name: "egress", cost: (pricing.egressPerGiB * quantity) / BigInt(GIB), quantity });
    }
    windows.push({ cluster: pricing.cluster, ...(pricing.owner === undefined ? {} : { owner: pricing.owner }), nodes, containers, charges });
  }
  return { windows, problems: [...problems].sort(), queries: names.length, samples };
}
