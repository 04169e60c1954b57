import { describe, expect, it } from "vitest";
import { capacityPlan } from "../../src/cost/capacity-plan.js";
import { fromMinor } from "../../src/cost/money.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { loadPlatform } from "../../src/spec/fleet.js";
import { peakFootprint } from "../../src/spec/footprint.js";

const ctx = loadPlatform({ file: "landlord.yaml", bytes: new TextEncoder().encode(PLATFORM_TEMPLATE) });
const plan = (counts: Record<string, number>, headroomPercent = 20, limits = {}) =>
  capacityPlan({ platform: ctx.config, tiers: ctx.tiers, tenantsByTier: new Map(Object.entries(counts)), headroomPercent, limits });

describe("capacity plan", () => {
  it("sizes shared nodes by the tier's peak footprint with headroom", () => {
    const small = ctx.tiers.get("small");
    if (!small) throw new Error("no small tier");
    const f = peakFootprint(small.effective);
    const p = plan({ small: 100 });
    // init example: shared pool of Standard_D8s_v5, 7820m and 28Gi allocatable; 80% usable.
    const byCpu = Math.ceil((100 * Number(f.requestsCpuMillis)) / Math.floor(7820 * 0.8));
    const byMem = Math.ceil((100 * Number(f.requestsMemoryBytes)) / Math.floor(28 * 1024 ** 3 * 0.8));
    const byPods = Math.ceil((100 * f.pods) / Math.floor(110 * 0.8));
    expect(p.sharedNodes).toBe(Math.max(byCpu, byMem, byPods));
    expect(p.sharedClustersNeeded).toBe(1);
    expect(p.notes.join("\n")).toMatch(/bound by (CPU requests|memory requests|pods per node) with 20% headroom/);
    expect(plan({ small: 100 }, 50).sharedNodes).toBeGreaterThan(p.sharedNodes);
  });

  it("costs each tier per customer: dedicated pools and clusters wholly, system nodes spread over shared tenants", () => {
    const p = plan({ small: 40, medium: 10, large: 2 });
    const large = p.tiers.find((t) => t.tier === "large");
    // 3 x D4s_v5 system (0.22/h) + 3 x D8s_v5 app (0.44/h), 730 hours.
    expect(large?.costPerCustomer).toBe((3n * fromMinor(22) + 3n * fromMinor(44)) * 730n);
    expect(large?.pricePerCustomer).toBe(fromMinor(149900));
    const medium = p.tiers.find((t) => t.tier === "medium");
    const systemShare = (3n * fromMinor(22) * 730n) / 50n; // one shared cluster's system pool over 50 shared-cluster tenants
    expect(medium?.costPerCustomer).toBe(1n * fromMinor(22) * 730n + systemShare); // minCount 1 of D4s_v5
    expect(p.dedicatedPools).toBe(10);
    expect(p.dedicatedClusters).toBe(2);
    const total = p.tiers.reduce((a, t) => a + t.costPerCustomer * BigInt(t.tenants), 0n);
    expect(Number(p.monthlyCost - total)).toBeLessThan(100 * 1_000_000); // integer division leaves under a cent per customer
    expect(p.monthlyCost).toBeGreaterThanOrEqual(total);
  });

  it("says when a new shared cluster is needed, and why", () => {
    const p = plan({ medium: 250 });
    // AKS allows 100 pools per cluster; system + shared take 2.
    expect(p.sharedClustersNeeded).toBe(3);
    expect(p.notes.join("\n")).toMatch(/a new shared cluster is needed: 3 needed, 1 in landlord\.yaml \(250 dedicated node pools exceed 98 per cluster/);
    const byNodes = plan({ small: 2000 }, 20, { nodesPerCluster: 50 });
    expect(byNodes.sharedClustersNeeded).toBeGreaterThan(1);
    expect(byNodes.notes.join("\n")).toMatch(/nodes exceed 47 per cluster \(AKS: 50 nodes\)/);
  });
});
