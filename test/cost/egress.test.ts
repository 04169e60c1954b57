/**
 * Egress counts what leaves the cluster: ingress-nginx's response bytes per Ingress
 * namespace when the cluster has them (tenant pods cannot reach the internet themselves),
 * else cAdvisor's transmit counter as an upper bound, with a warning. A fake Prometheus
 * client answers one hour; the real-Prometheus month is in prometheus-usage.test.ts.
 */
import { describe, expect, it } from "vitest";
import { fromMinor } from "../../src/cost/money.js";
import { readClusterUsage, USAGE_QUERIES, type ClusterPricing, type PrometheusClient } from "../../src/cost/prometheus-usage.js";

const GIB = 1024 ** 3;
const START = Date.UTC(2026, 9, 1) / 1000;

type Series = { metric: Record<string, string>; value: number }[];

function client(answers: Partial<Record<keyof typeof USAGE_QUERIES, Series>>): PrometheusClient {
  return {
    queryRange(query, start) {
      const name = (Object.keys(USAGE_QUERIES) as (keyof typeof USAGE_QUERIES)[]).find((k) => USAGE_QUERIES[k] === query);
      const series = (name === undefined ? undefined : answers[name]) ?? [];
      return Promise.resolve(series.map((s) => ({ metric: s.metric, values: [[start, String(s.value)] as const] })));
    },
  };
}

const node: Partial<Record<keyof typeof USAGE_QUERIES, Series>> = {
  nodeCpu: [{ metric: { node: "n1" }, value: 4 }],
  nodeMemory: [{ metric: { node: "n1" }, value: 16 * GIB }],
  nodePool: [{ metric: { node: "n1", label_agentpool: "shared1" }, value: 1 }],
};
const cadvisor: Series = [{ metric: { namespace: "tenant-acme" }, value: 10 * GIB }];
const pricing: ClusterPricing = { cluster: "c1", pools: new Map([["shared1", { hourly: fromMinor(20) }]]), storagePerGiBMonth: 0n, loadBalancerPerHour: 0n, egressPerGiB: fromMinor(8) };

async function egressOf(answers: Partial<Record<keyof typeof USAGE_QUERIES, Series>>) {
  const read = await readClusterUsage(client({ ...node, ...answers }), pricing, START, START + 3600);
  const charges = read.windows[0]?.charges.filter((c) => c.kind === "network") ?? [];
  return { problems: read.problems, charges: charges.map((c) => [c.namespace, c.quantity, c.cost]) };
}

describe("egress", () => {
  it("counts the ingress controller's responses for the Ingress's namespace, not the pods' in-cluster traffic", async () => {
    // Scraped without honor_labels: the Ingress's namespace is exported_namespace.
    const r = await egressOf({ egressBytes: cadvisor, egressIngressBytes: [{ metric: { namespace: "ingress-nginx", exported_namespace: "tenant-acme" }, value: GIB / 2 }] });
    expect(r.problems).toEqual([]);
    expect(r.charges).toEqual([["tenant-acme", BigInt(GIB / 2), fromMinor(4)]]);
  });

  it("reads the namespace label when the controller is scraped with honor_labels", async () => {
    const r = await egressOf({ egressBytes: cadvisor, egressIngressBytes: [{ metric: { namespace: "tenant-acme" }, value: GIB }] });
    expect(r.charges).toEqual([["tenant-acme", BigInt(GIB), fromMinor(8)]]);
  });

  it("falls back to everything the pods sent, and says it is an upper bound", async () => {
    const r = await egressOf({ egressBytes: cadvisor });
    expect(r.charges).toEqual([["tenant-acme", BigInt(10 * GIB), fromMinor(80)]]);
    expect(r.problems).toEqual([expect.stringMatching(/includes in-cluster traffic \(an upper bound\)/)]);
  });

  it("says nothing when there is no egress series at all", async () => {
    expect(await egressOf({})).toEqual({ problems: [], charges: [] });
  });
});
