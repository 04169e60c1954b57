/**
 * Usage read from a real Prometheus holding a month (October 2026) of series for a small
 * fleet, written with promtool, then allocated: the invariant over the whole month, a
 * dedicated pool, a tenant without requests, a restarted container, a PVC, egress, a load
 * balancer of the shared ingress, and per-node prices from node_*_hourly_cost series.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allocateWindows, ownCost, totalCost, type AllocationRules, type ClusterAllocation } from "../../src/cost/allocation.js";
import { fromMinor } from "../../src/cost/money.js";
import { splitNodePrice } from "../../src/cost/node-price.js";
import { prometheusClient, readClusterUsage, type ClusterPricing } from "../../src/cost/prometheus-usage.js";
import { OpenMetricsWriter, startPrometheusWith, type RunningPrometheus } from "./support/prometheus.js";

const START = Date.UTC(2026, 9, 1) / 1000;
const END = Date.UTC(2026, 10, 1) / 1000;
const HOURS = (END - START) / 3600; // 744
const STEP = 900;
const GIB = 1024 ** 3;
const RESTART = START + 9 * 86_400 + 12 * 3600 + 450; // gamma's container restarts mid-interval on day 10

function fleet(): string {
  const w = new OpenMetricsWriter();
  const gauge = (name: string, labels: Record<string, string>, v: number) => {
    w.series(name, "gauge", labels, START, END, STEP, () => v);
  };
  for (const [node, pool] of [["shared-0", "shared1"], ["shared-1", "shared1"], ["med-0", "tmedium1"]] as const) {
    gauge("kube_node_status_allocatable", { node, resource: "cpu", unit: "core" }, 4);
    gauge("kube_node_status_allocatable", { node, resource: "memory", unit: "byte" }, 16 * GIB);
    gauge("kube_node_labels", { node, label_agentpool: pool }, 1);
  }
  // shared-1 carries the cost model's own prices: 0.05 per core-hour and 0.005 per GiB-hour.
  gauge("node_cpu_hourly_cost", { node: "shared-1" }, 0.05);
  gauge("node_ram_hourly_cost", { node: "shared-1" }, 0.005);

  const app = (namespace: string, pod: string, container: string, node: string, req: { cpu?: number; mem?: number }, cpu: number, mem: number) => {
    const labels = { namespace, pod, container, node };
    if (req.cpu !== undefined) gauge("kube_pod_container_resource_requests", { ...labels, resource: "cpu", unit: "core" }, req.cpu);
    if (req.mem !== undefined) gauge("kube_pod_container_resource_requests", { ...labels, resource: "memory", unit: "byte" }, req.mem);
    gauge("container_memory_working_set_bytes", { ...labels, id: `/${pod}` }, mem);
    if (pod !== "gamma-app-0") {
      w.series("container_cpu_usage_seconds", "counter", { ...labels, id: `/${pod}` }, START, END, STEP, (t) => (t - START) * cpu);
      return;
    }
    // A restart: cAdvisor ends one series and starts another (new id) from zero.
    w.series("container_cpu_usage_seconds", "counter", { ...labels, id: "/gamma-a" }, START, END, STEP, (t) => (t < RESTART ? (t - START) * cpu : undefined));
    w.series("container_cpu_usage_seconds", "counter", { ...labels, id: "/gamma-b" }, START, END, STEP, (t) => (t >= RESTART ? (t - RESTART) * cpu : undefined));
  };
  app("tenant-acme", "acme-app-0", "app", "shared-0", { cpu: 0.5, mem: 1 * GIB }, 0.25, 0.5 * GIB);
  app("tenant-beta", "beta-app-0", "app", "shared-0", {}, 1, 2 * GIB); // no requests at all
  app("tenant-gamma", "gamma-app-0", "app", "shared-1", { cpu: 0.1, mem: 0.5 * GIB }, 0.5, 0.25 * GIB);
  app("ingress-nginx", "ingress-0", "controller", "shared-1", { cpu: 0.2, mem: 0.25 * GIB }, 0.1, 0.1 * GIB);
  app("tenant-medium", "medium-app-0", "app", "med-0", { cpu: 1, mem: 4 * GIB }, 1, 3 * GIB);
  gauge("kube_persistentvolumeclaim_resource_requests_storage_bytes", { namespace: "tenant-acme", persistentvolumeclaim: "acme-db-1" }, 10 * GIB);
  gauge("kube_service_spec_type", { namespace: "ingress-nginx", service: "ingress", type: "LoadBalancer" }, 1);
  // acme sends 1 GiB an hour.
  w.series("container_network_transmit_bytes", "counter", { namespace: "tenant-acme", pod: "acme-app-0", interface: "eth0" }, START, END, STEP, (t) => ((t - START) / 3600) * GIB);
  return w.text();
}

const pricing: ClusterPricing = {
  cluster: "shared-weu",
  pools: new Map([
    ["shared1", { hourly: fromMinor(20) }],
    ["tmedium1", { hourly: fromMinor(30), owner: "medium" }],
  ]),
  storagePerGiBMonth: 7_300_000n, // 7.3 cents per GiB-month: 0.01 cent per GiB-hour
  loadBalancerPerHour: fromMinor(3),
  egressPerGiB: fromMinor(8),
};
const rules: AllocationRules = {
  tenantOf: (ns) => (ns.startsWith("tenant-") ? ns.slice("tenant-".length) : undefined),
  sharing: { mode: "even" },
};

let prom: RunningPrometheus | undefined;
let month: ClusterAllocation;
let windowsRead: Awaited<ReturnType<typeof readClusterUsage>>;

beforeAll(async () => {
  prom = await startPrometheusWith(fleet());
  windowsRead = await readClusterUsage(prometheusClient(prom.url), pricing, START, END);
  const m = allocateWindows(windowsRead.windows, rules).get("shared-weu");
  if (!m) throw new Error("nothing allocated");
  month = m;
}, 120_000);

afterAll(async () => {
  await prom?.stop();
});

describe("a month of usage from a real Prometheus", () => {
  it("reads one window per hour with every node priced", () => {
    expect(windowsRead.windows).toHaveLength(HOURS);
    // This fleet has no ingress-nginx series, so egress falls back to cAdvisor's counter and says so.
    expect(windowsRead.problems).toEqual([expect.stringMatching(/^no nginx_ingress_controller_response_size series: egress counted from container_network_transmit_bytes_total/)]);
    for (const w of windowsRead.windows) expect(w.nodes.map((n) => n.name).sort()).toEqual(["med-0", "shared-0", "shared-1"]);
  });

  it("holds the invariant exactly over the month: tenants + idle + shared = cluster cost", () => {
    let own = 0n;
    let all = 0n;
    for (const t of month.tenants.values()) {
      own += ownCost(t);
      all += totalCost(t);
    }
    expect(own + month.idle + month.shared).toBe(month.total);
    expect(all + month.idle + month.unspread).toBe(month.total);
    expect(month.unspread).toBe(0n);
    expect(month.idle).toBeGreaterThan(0n);
    // Cluster cost: two nodes from the price book, one from the series, and the charges.
    const shared1 = 0.05 * 4 + 0.005 * 16; // per hour, in euros
    const charges = 10n * 10_000n + fromMinor(3) + fromMinor(8);
    const expected = BigInt(HOURS) * (fromMinor(20) + fromMinor(30) + BigInt(Math.round(shared1 * 1e8)) + charges);
    expect(month.total).toBe(expected);
  });

  it("gives the dedicated pool wholly to its tenant", () => {
    expect(month.tenants.get("medium")).toMatchObject({ dedicated: BigInt(HOURS) * fromMinor(30), cpu: 0n, ram: 0n });
  });

  it("charges requests when above usage, and usage for a tenant without requests", () => {
    const node = splitNodePrice(fromMinor(20), 4000n, 16n * BigInt(GIB));
    const near = (actual: bigint | undefined, expected: bigint) => {
      expect(actual).toBeDefined();
      expect(Number((actual ?? 0n) - expected)).toBeLessThanOrEqual(HOURS);
      expect(Number(expected - (actual ?? 0n))).toBeLessThanOrEqual(HOURS);
    };
    near(month.tenants.get("acme")?.cpu, (BigInt(HOURS) * node.cpuCost * 500n) / 4000n); // request 500m > usage 250m
    near(month.tenants.get("acme")?.ram, (BigInt(HOURS) * node.ramCost * 1n) / 16n); // request 1Gi > usage 0.5Gi
    near(month.tenants.get("beta")?.cpu, (BigInt(HOURS) * node.cpuCost * 1000n) / 4000n); // no requests: usage 1 core
    near(month.tenants.get("beta")?.ram, (BigInt(HOURS) * node.ramCost * 2n) / 16n);
  });

  it("counts a restarted container once", () => {
    const gamma = month.namespaces.get("tenant-gamma");
    expect(gamma?.windows).toBe(HOURS);
    const cpuPerHour = Number(gamma?.cpuUsageMillis ?? 0n) / HOURS;
    expect(cpuPerHour).toBeGreaterThan(495);
    expect(cpuPerHour).toBeLessThan(505);
    for (const w of windowsRead.windows) {
      const rows = w.containers.filter((c) => c.namespace === "tenant-gamma");
      expect(rows).toHaveLength(1);
      expect(Number(rows[0]?.cpuUsageMillis)).toBeLessThanOrEqual(700); // never the sum of both series' full rates
    }
  });

  it("charges the PVC and egress to the tenant, the ingress load balancer to the shared bucket", () => {
    expect(month.tenants.get("acme")).toMatchObject({ pv: BigInt(HOURS) * 10n * 10_000n, network: BigInt(HOURS) * fromMinor(8), loadBalancer: 0n });
    expect(month.sharedByNamespace.get("ingress-nginx")).toBeGreaterThan(BigInt(HOURS) * fromMinor(3));
    // Shared is spread evenly over the four tenants present on the cluster.
    const shares = ["acme", "beta", "gamma", "medium"].map((t) => month.tenants.get(t)?.shared ?? 0n);
    const spread = shares.reduce((a, b) => a + b, 0n);
    expect(spread).toBe(month.shared);
    for (const s of shares) expect(Number(s - month.shared / 4n)).toBeLessThanOrEqual(HOURS);
  });
});
