import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  allocateClusterWindow,
  allocateWindows,
  ownCost,
  tenantTotals,
  totalCost,
  type AllocationRules,
  type ClusterAllocation,
  type ClusterWindowInput,
  type ContainerInput,
} from "../../src/cost/allocation.js";
import { splitNodePrice } from "../../src/cost/node-price.js";

const GI = 1024n ** 3n;
const rules: AllocationRules = {
  tenantOf: (ns) => (ns.startsWith("tenant-") ? ns.slice("tenant-".length) : undefined),
  sharing: { mode: "even" },
};

function container(namespace: string, node: string, cpuReq: bigint, cpuUse: bigint, memReq: bigint, memUse: bigint, pod = `${namespace}-app`): ContainerInput {
  return { namespace, pod, container: "app", node, cpuRequestMillis: cpuReq, cpuUsageMillis: cpuUse, memoryRequestBytes: memReq, memoryUsageBytes: memUse };
}

/** The invariant of the issue, exactly: tenants + idle + shared = the cluster's cost. */
function expectInvariant(a: ClusterAllocation): void {
  let own = 0n;
  let withShared = 0n;
  let spread = 0n;
  for (const t of a.tenants.values()) {
    own += ownCost(t);
    withShared += totalCost(t);
    spread += t.shared;
    for (const v of Object.values(t)) expect(v).toBeGreaterThanOrEqual(0n);
  }
  expect(a.idle).toBeGreaterThanOrEqual(0n);
  expect(a.idleCpu + a.idleRam).toBe(a.idle);
  expect(own + a.idle + a.shared).toBe(a.total);
  expect(withShared + a.idle + a.unspread).toBe(a.total);
  expect(spread + a.unspread).toBe(a.shared);
}

// One shared node: 4 cores, 16 GiB, 4,000,000 micros of CPU and 1,600,000 of memory per hour.
const node = { name: "n1", cpuMillis: 4000n, memoryBytes: 16n * GI, cpuCost: 4_000_000n, ramCost: 1_600_000n };

describe("allocation of one window", () => {
  it("charges max(request, usage) at the node's price and leaves the rest idle", () => {
    const a = allocateClusterWindow(
      {
        cluster: "c1",
        nodes: [node],
        containers: [
          container("tenant-acme", "n1", 1000n, 500n, 4n * GI, 1n * GI), // request wins
          container("tenant-beta", "n1", 500n, 1000n, 1n * GI, 2n * GI), // usage wins
        ],
        charges: [],
      },
      rules,
    );
    expect(a.tenants.get("acme")).toMatchObject({ cpu: 1_000_000n, ram: 400_000n });
    expect(a.tenants.get("beta")).toMatchObject({ cpu: 1_000_000n, ram: 200_000n });
    expect(a.idle).toBe(2_000_000n + 1_000_000n);
    expectInvariant(a);
  });

  it("charges a tenant without requests for what it used", () => {
    const a = allocateClusterWindow({ cluster: "c1", nodes: [node], containers: [container("tenant-free", "n1", 0n, 2000n, 0n, 8n * GI)], charges: [] }, rules);
    expect(a.tenants.get("free")).toMatchObject({ cpu: 2_000_000n, ram: 800_000n });
    expectInvariant(a);
  });

  it("never makes idle negative when usage bursts above the node", () => {
    const a = allocateClusterWindow(
      {
        cluster: "c1",
        nodes: [node],
        containers: [container("tenant-a", "n1", 3000n, 3000n, 0n, 0n), container("tenant-b", "n1", 0n, 3000n, 0n, 0n)],
        charges: [],
      },
      rules,
    );
    // 6 cores charged on a 4-core node: the node's CPU price is split 50/50, nothing is idle.
    expect(a.tenants.get("a")?.cpu).toBe(2_000_000n);
    expect(a.tenants.get("b")?.cpu).toBe(2_000_000n);
    expect(a.idle).toBe(1_600_000n); // all of memory is idle
    expectInvariant(a);
  });

  it("puts platform namespaces in the shared bucket and spreads it evenly or by weight", () => {
    const input: ClusterWindowInput = {
      cluster: "c1",
      nodes: [node],
      containers: [
        container("ingress-nginx", "n1", 1000n, 0n, 0n, 0n),
        container("tenant-small", "n1", 100n, 0n, 0n, 0n),
        container("tenant-big", "n1", 100n, 0n, 0n, 0n),
      ],
      charges: [{ namespace: "monitoring", kind: "pv", name: "prometheus-db", cost: 300_001n }],
    };
    const even = allocateClusterWindow(input, rules);
    expect(even.shared).toBe(1_000_000n + 300_001n);
    expect(even.sharedByNamespace.get("monitoring")).toBe(300_001n);
    expect(even.tenants.get("big")?.shared).toBe(650_001n); // the odd micro goes to the first in name order
    expect(even.tenants.get("small")?.shared).toBe(650_000n);
    expectInvariant(even);

    const weighted = allocateClusterWindow(input, { ...rules, sharing: { mode: "weighted", weightOf: (t) => (t === "big" ? 3n : 1n) } });
    expect(weighted.tenants.get("big")?.shared).toBe(975_001n);
    expect(weighted.tenants.get("small")?.shared).toBe(325_000n);
    expectInvariant(weighted);
  });

  it("gives a dedicated node pool wholly to its tenant, idle included", () => {
    const a = allocateClusterWindow(
      {
        cluster: "c1",
        nodes: [node, { ...node, name: "pool-1", owner: "medium" }],
        containers: [container("tenant-medium", "pool-1", 100n, 100n, 0n, 0n), container("kube-system", "pool-1", 100n, 100n, 0n, 0n)],
        charges: [],
      },
      rules,
    );
    expect(a.tenants.get("medium")?.dedicated).toBe(5_600_000n);
    expect(a.tenants.get("medium")?.cpu).toBe(0n);
    expect(a.idle).toBe(5_600_000n); // the shared node, empty
    expect(a.shared).toBe(0n);
    expectInvariant(a);
  });

  it("gives a dedicated cluster wholly to its tenant, platform namespaces and disks included", () => {
    const a = allocateClusterWindow(
      {
        cluster: "aks-large",
        owner: "large",
        nodes: [node, { ...node, name: "n2" }],
        containers: [container("kube-system", "n1", 500n, 500n, 0n, 0n)],
        charges: [
          { namespace: "monitoring", kind: "pv", name: "prom", cost: 7n },
          { namespace: "tenant-large", kind: "loadBalancer", name: "lb", cost: 11n },
        ],
      },
      rules,
    );
    expect(a.tenants.get("large")).toMatchObject({ dedicated: 11_200_000n, pv: 7n, loadBalancer: 11n });
    expect(a.idle).toBe(0n);
    expect(a.shared).toBe(0n);
    expectInvariant(a);
  });

  it("charges a PVC to its tenant", () => {
    const a = allocateClusterWindow(
      { cluster: "c1", nodes: [], containers: [], charges: [{ namespace: "tenant-acme", kind: "pv", name: "db-1", cost: 1234n }] },
      rules,
    );
    expect(a.tenants.get("acme")?.pv).toBe(1234n);
    expectInvariant(a);
  });

  it("keeps the shared bucket unspread when no tenant ran on the cluster", () => {
    const a = allocateClusterWindow({ cluster: "c1", nodes: [node], containers: [container("kube-system", "n1", 400n, 0n, 0n, 0n)], charges: [] }, rules);
    expect(a.unspread).toBe(400_000n);
    expectInvariant(a);
  });
});

describe("allocation invariant (property-based)", () => {
  const big = (max: number) => fc.bigInt({ min: 0n, max: BigInt(max) });
  const nodeArb = fc.record({
    cpuMillis: big(64_000),
    memoryBytes: big(256 * 1024 ** 3),
    cpuCost: big(50_000_000),
    ramCost: big(50_000_000),
    owner: fc.option(fc.constantFrom("t0", "t1"), { nil: undefined }),
  });
  const namespaces = ["tenant-t0", "tenant-t1", "tenant-t2", "tenant-t3", "kube-system", "monitoring", "stray"];
  const containerArb = (nodeCount: number) =>
    fc.record({
      namespace: fc.constantFrom(...namespaces),
      node: fc.integer({ min: 0, max: nodeCount }), // nodeCount itself: a node the price book lacks
      cpuRequestMillis: big(8000),
      cpuUsageMillis: big(8000),
      memoryRequestBytes: big(32 * 1024 ** 3),
      memoryUsageBytes: big(32 * 1024 ** 3),
    });
  const windowArb = fc.integer({ min: 0, max: 5 }).chain((n) =>
    fc.record({
      owner: fc.option(fc.constant("t3"), { nil: undefined, freq: 4 }),
      nodes: fc.array(nodeArb, { minLength: n, maxLength: n }),
      containers: fc.array(containerArb(n), { maxLength: 30 }),
      charges: fc.array(fc.record({ namespace: fc.constantFrom(...namespaces), kind: fc.constantFrom("pv" as const, "loadBalancer" as const, "network" as const), cost: big(10_000_000) }), { maxLength: 5 }),
      weighted: fc.boolean(),
    }),
  );

  it("tenants + idle + shared = the cluster's cost, exactly, for every window and for their sum", () => {
    fc.assert(
      fc.property(fc.array(windowArb, { minLength: 1, maxLength: 6 }), (windows) => {
        const inputs: ClusterWindowInput[] = windows.map((w) => ({
          cluster: "c1",
          ...(w.owner === undefined ? {} : { owner: w.owner }),
          nodes: w.nodes.map((n, i) => ({ name: `n${i}`, ...n })),
          containers: w.containers.map((c, i) => ({ ...c, node: `n${c.node}`, pod: `p${i}`, container: "c" })),
          charges: w.charges.map((c, i) => ({ ...c, name: `x${i}` })),
        }));
        const mixed = (i: number): AllocationRules => (windows[i]?.weighted ? { ...rules, sharing: { mode: "weighted", weightOf: (t) => BigInt(t.length % 3) } } : rules);
        let expected = 0n;
        inputs.forEach((input, i) => {
          const a = allocateClusterWindow(input, mixed(i));
          expectInvariant(a);
          let cost = 0n;
          for (const n of input.nodes) cost += n.cpuCost + n.ramCost;
          for (const c of input.charges) cost += c.cost;
          expect(a.total).toBe(cost);
          expected += cost;
        });
        const summed = allocateWindows(inputs, rules).get("c1");
        if (!summed) throw new Error("no allocation");
        expectInvariant(summed);
        expect(summed.total).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe("month totals and node prices", () => {
  it("sums a tenant across its dedicated cluster and its home cluster", () => {
    const month = allocateWindows(
      [
        { cluster: "aks-large", owner: "large", nodes: [node], containers: [], charges: [] },
        { cluster: "shared", nodes: [node], containers: [container("tenant-large", "n1", 1000n, 0n, 0n, 0n)], charges: [] },
      ],
      rules,
    );
    const large = tenantTotals(month.values()).get("large");
    expect(large && totalCost(large)).toBe(5_600_000n + 1_000_000n);
  });

  it("splits a node price exactly into CPU and memory", () => {
    const p = splitNodePrice(96_000_000n, 3860n, 12n * GI);
    expect(p.cpuCost + p.ramCost).toBe(96_000_000n);
    expect(p.cpuCost).toBeGreaterThan(p.ramCost);
  });
});
