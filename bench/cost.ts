/**
 * Cost allocation of a fleet over a month of hourly windows: N tenants (default 1,000;
 * first argument overrides) on one shared cluster, 720 windows (September 2026). The same
 * series are backfilled into a real Prometheus (promtool) and read back; the baseline,
 * measured in the same run, is reading those series from Prometheus alone (the range
 * queries and JSON decoding), which any allocation from Prometheus has to pay.
 * Floor: allocating N=1,000 x 720 windows in under 5 s.
 */
import { createWriteStream } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { once } from "node:events";
import { allocateWindows, ownCost, totalCost, type AllocationRules } from "../src/cost/allocation.js";
import { fromMinor } from "../src/cost/money.js";
import { prometheusClient, readClusterUsage, USAGE_QUERIES, type ClusterPricing } from "../src/cost/prometheus-usage.js";
import { startPrometheusFrom } from "../test/cost/support/prometheus.js";

const tenants = Number(process.argv[2] ?? 1_000);
const FLOOR_SECONDS = 5;
const START = Date.UTC(2026, 8, 1) / 1000;
const END = Date.UTC(2026, 9, 1) / 1000;
const HOURS = (END - START) / 3600;
const GIB = 1024 ** 3;
const NODE_CORES = 8;
const nodes = Math.ceil((tenants * 0.3 + 2) / (NODE_CORES * 0.9));

async function writeSeries(file: string): Promise<void> {
  const out = createWriteStream(file);
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, "drain");
  };
  // Gauges every hour (avg_over_time over [1h] sees one sample), counters every 30 minutes (rate needs two).
  const gauge = async (name: string, series: string[], value: (i: number) => number) => {
    await write(`# TYPE ${name} gauge`);
    for (let i = 0; i < series.length; i++) for (let t = START; t <= END; t += 3600) await write(`${name}{${series[i] ?? ""}} ${value(i)} ${t}`);
  };
  const node = (n: number) => `node="aks-shared-${n}"`;
  const nodeSeries = Array.from({ length: nodes }, (_, n) => node(n));
  await gauge("kube_node_status_allocatable", [...nodeSeries.map((s) => `${s},resource="cpu",unit="core"`), ...nodeSeries.map((s) => `${s},resource="memory",unit="byte"`)], (i) => (i < nodes ? NODE_CORES : 32 * GIB));
  await gauge("kube_node_labels", nodeSeries.map((s) => `${s},label_agentpool="shared"`), () => 1);
  const pods = Array.from({ length: tenants }, (_, i) => `namespace="tenant-t${i}",pod="app-0",container="app",${node(i % nodes)}`);
  await gauge("kube_pod_container_resource_requests", [...pods.map((p) => `${p},resource="cpu",unit="core"`), ...pods.map((p) => `${p},resource="memory",unit="byte"`)], (i) => (i < tenants ? 0.25 : 0.5 * GIB));
  await gauge("container_memory_working_set_bytes", pods.map((p) => `${p},id="/${p.length}"`), (i) => (0.2 + (i % 7) / 10) * GIB);
  await write("# TYPE container_cpu_usage_seconds counter");
  for (let i = 0; i < tenants; i++) {
    const use = 0.05 + (i % 11) / 20; // some tenants above their request
    for (let t = START; t <= END; t += 1800) await write(`container_cpu_usage_seconds_total{${pods[i] ?? ""},id="/c"} ${(t - START) * use} ${t}`);
  }
  await write("# EOF");
  out.end();
  await once(out, "finish");
}

const pricing: ClusterPricing = {
  cluster: "aks-shared",
  pools: new Map([["shared", { hourly: fromMinor(44) }]]),
  storagePerGiBMonth: 0n,
  loadBalancerPerHour: 0n,
  egressPerGiB: 0n,
};
const rules: AllocationRules = { tenantOf: (ns) => (ns.startsWith("tenant-") ? ns.slice(7) : undefined), sharing: { mode: "even" } };

const dir = await mkdtemp(join(tmpdir(), "landlord-bench-cost-"));
let t0 = performance.now();
await writeSeries(join(dir, "series.om"));
const prom = await startPrometheusFrom(dir, join(dir, "series.om"));
const setupSeconds = (performance.now() - t0) / 1000;
try {
  const client = prometheusClient(prom.url);
  // Warm Prometheus' caches once, then measure.
  await readClusterUsage(client, pricing, START, END);

  t0 = performance.now();
  let points = 0;
  for (const q of Object.values(USAGE_QUERIES)) for (const s of await client.queryRange(q, START + 3600, END, 3600)) points += s.values.length;
  const readSeconds = (performance.now() - t0) / 1000;

  t0 = performance.now();
  const usage = await readClusterUsage(client, pricing, START, END);
  const adapterSeconds = (performance.now() - t0) / 1000;

  t0 = performance.now();
  const month = allocateWindows(usage.windows, rules).get("aks-shared");
  const allocateSeconds = (performance.now() - t0) / 1000;
  if (!month) throw new Error("nothing allocated");

  let own = 0n;
  let all = 0n;
  for (const c of month.tenants.values()) {
    own += ownCost(c);
    all += totalCost(c);
  }
  const invariant = own + month.idle + month.shared === month.total && all + month.idle + month.unspread === month.total;
  const tenantWindows = tenants * HOURS;
  console.log(`cost allocation: ${tenants} tenants x ${HOURS} hourly windows on ${nodes} nodes (${usage.samples} points read)`);
  console.log(`  setup (write series, promtool backfill, start Prometheus): ${setupSeconds.toFixed(1)} s`);
  console.log(`  baseline  read the series from Prometheus alone:    ${readSeconds.toFixed(2)} s (${points} points)`);
  console.log(`  adapter   read + convert to hourly windows:          ${adapterSeconds.toFixed(2)} s`);
  console.log(`  allocate  ${tenantWindows.toLocaleString("en")} tenant-windows:             ${allocateSeconds.toFixed(2)} s (${Math.round(tenantWindows / allocateSeconds).toLocaleString("en")} tenant-windows/s)`);
  console.log(`  ratio allocate / Prometheus read: ${(allocateSeconds / readSeconds).toFixed(2)}x; (adapter + allocate) / read: ${((adapterSeconds + allocateSeconds) / readSeconds).toFixed(2)}x`);
  console.log(`  invariant tenants + idle + shared = cluster cost: ${invariant ? "holds exactly" : "BROKEN"}`);
  const floor = tenants >= 1_000 ? (allocateSeconds < FLOOR_SECONDS ? "PASS" : "FAIL") : "n/a (N < 1,000)";
  console.log(`  floor: allocation under ${FLOOR_SECONDS} s at 1,000 tenants: ${floor}`);
  if (!invariant || floor === "FAIL") process.exitCode = 1;
} finally {
  await prom.stop();
}
