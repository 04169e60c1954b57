/**
 * Billing above a tier's allowance: usage is what the allocation charged the tenant for
 * (max(request, usage) per container and hour, PVC bytes each hour, bytes sent out), the
 * excess over the allowance is billed per unit with the markup, each line rounded once.
 * And sizing suggestions for memory as well as CPU.
 */
import fc from "fast-check";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { allocateWindows, type AllocationRules, type ClusterWindowInput } from "../../src/cost/allocation.js";
import { tierPlan, type CostTenant } from "../../src/cost/fleet-pricing.js";
import { draftInvoice, sumLines } from "../../src/cost/invoice.js";
import { fromMinor } from "../../src/cost/money.js";
import { monthReport } from "../../src/cost/month-report.js";
import { sizingText } from "../../src/cost/output.js";
import {
  BASE_FEE_ONLY,
  GIB,
  markupBasisPoints,
  OVERAGE_RESOURCES,
  overageCharges,
  overageMinor,
  type TierPlan,
  type UsageQuantities,
} from "../../src/cost/overage.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { platformSchema } from "../../src/spec/platform-schema.js";

const HOURS = 720; // a 30-day month of hourly windows
const MIB = 1024n * 1024n;

const rules: AllocationRules = {
  tenantOf: (ns) => (ns.startsWith("tenant-") ? ns.slice("tenant-".length) : undefined),
  sharing: { mode: "even" },
};

const tenant = (name: string, tier = "small"): CostTenant => ({ name, tier, isolation: "namespace", namespace: `tenant-${name}`, cluster: "c1", dedicatedCluster: false });

interface Use {
  readonly cpuReq: bigint;
  readonly cpuUse: bigint;
  readonly memReq: bigint;
  readonly memUse: (hour: number) => bigint;
  readonly pvcBytes?: bigint;
  readonly egressBytesPerHour?: bigint;
}

/** A month of hourly windows on one big node, one container per tenant. */
function month(uses: Readonly<Record<string, Use>>): ClusterWindowInput[] {
  const windows: ClusterWindowInput[] = [];
  for (let h = 0; h < HOURS; h++) {
    windows.push({
      cluster: "c1",
      nodes: [{ name: "n1", cpuMillis: 64_000n, memoryBytes: 256n * GIB, cpuCost: fromMinor(100), ramCost: fromMinor(50) }],
      containers: Object.entries(uses).map(([name, u]) => ({
        namespace: `tenant-${name}`,
        pod: `${name}-0`,
        container: "app",
        node: "n1",
        cpuRequestMillis: u.cpuReq,
        cpuUsageMillis: u.cpuUse,
        memoryRequestBytes: u.memReq,
        memoryUsageBytes: u.memUse(h),
      })),
      charges: Object.entries(uses).flatMap(([name, u]) => [
        ...(u.pvcBytes === undefined ? [] : [{ namespace: `tenant-${name}`, kind: "pv" as const, name: "data", cost: 1_000n, quantity: u.pvcBytes }]),
        ...(u.egressBytesPerHour === undefined ? [] : [{ namespace: `tenant-${name}`, kind: "network" as const, name: "egress", cost: 1_000n, quantity: u.egressBytesPerHour }]),
      ]),
    });
  }
  return windows;
}

// 730 core-hours (one core all month), 1,000 GiB-hours, 10 GiB-months, 1,000 GiB included;
// above: 3.5 cents a core-hour, 0.4 a GiB-hour, 10 a GiB-month, 8 a GiB.
const PLAN_YAML = `{ monthly: 4900, allowance: { cpuCoreHours: 730, memoryGiBHours: 1000, storageGiBMonths: 10, egressGiB: 1000 }, overage: { cpuCoreHour: 3.5, memoryGiBHour: 0.4, storageGiBMonth: 10, egressGiB: 8 } }`;

function platform(price = PLAN_YAML) {
  const anchor = "    price: { monthly: 4900 }";
  expect(PLATFORM_TEMPLATE).toContain(anchor);
  return platformSchema.parse(parse(PLATFORM_TEMPLATE.replace(anchor, `    price: ${price}`)));
}

function report(uses: Readonly<Record<string, Use>>, plan: TierPlan) {
  return monthReport({
    month: "2026-09",
    currency: "EUR",
    tenants: Object.keys(uses).map((n) => tenant(n)),
    allocations: allocateWindows(month(uses), rules).values(),
    cloud: { byTenant: new Map(), untagged: 0n },
    priceOf: () => fromMinor(4900),
    planOf: () => plan,
    markupPercent: 20,
  });
}

const flat = (v: bigint) => () => v;

describe("the tier's allowance in landlord.yaml", () => {
  it("defaults to nothing included and nothing charged, so invoices stay as they were", () => {
    const p = platform("{ monthly: 4900 }");
    expect(tierPlan(p, "small")).toEqual(BASE_FEE_ONLY);
    expect(tierPlan(p, "no-such-tier")).toEqual(BASE_FEE_ONLY);
  });

  it("converts billing units to the allocation's base units exactly, fractions of a cent allowed in prices", () => {
    const plan = tierPlan(platform(), "small");
    expect(plan.allowance).toEqual({ cpu: 730_000n, memory: 1000n * GIB, storage: 10n * GIB * 730n, egress: 1000n * GIB });
    expect(plan.unitPrice).toEqual({ cpu: 3_500_000n, memory: 400_000n, storage: fromMinor(10), egress: fromMinor(8) });
    expect(tierPlan(platform("{ monthly: 1, allowance: { cpuCoreHours: 0.5 } }"), "small").allowance.cpu).toBe(500n);
  });

  it("refuses negative allowances and unknown keys", () => {
    expect(() => platform("{ monthly: 1, allowance: { cpuCoreHours: -1 } }")).toThrow();
    expect(() => platform("{ monthly: 1, overage: { gpuHour: 1 } }")).toThrow();
  });
});

describe("overage on the invoice", () => {
  const plan = tierPlan(platform(), "small");

  it("bills a tenant under its allowance the base fee only", () => {
    // Requests 1 core / 1 GiB, uses less: 720 core-hours and 720 GiB-hours allocated, under 730 and 1,000.
    const r = report({ light: { cpuReq: 1000n, cpuUse: 400n, memReq: GIB, memUse: flat(GIB / 2n), pvcBytes: 5n * GIB, egressBytesPerHour: GIB } }, plan);
    const row = r.tenants[0];
    expect(row?.usage).toEqual({ cpu: 720_000n, memory: 720n * GIB, storage: 5n * GIB * 720n, egress: 720n * GIB });
    expect(row?.overage).toEqual([]);
    expect(row?.price).toBe(fromMinor(4900));
    const d = draftInvoice({ tenant: "light", month: "2026-09", currency: "EUR", tier: "small", baseFee: fromMinor(4900), usage: [], markupPercent: 20, overage: row?.overage.map((o) => o.charge) ?? [] });
    expect(d.lines.map((l) => l.amountMinor)).toEqual([4900n]);
  });

  it("bills each resource above the allowance with the markup, exactly, at max(request, usage)", () => {
    // CPU: requests 0.5, uses 1.5 cores -> 1,080 core-hours allocated, 350 above at 3.5 = 1,225 cents, +20% = 1,470.
    // Memory: requests 2 GiB, uses 1 -> 1,440 GiB-hours, 440 above at 0.4 = 176, +20% = 211.2 -> 211.
    // Disk: 30 GiB for 720 h = 21,600 GiB-hours; 7,300 included; 14,300/730 GiB-months at 10 = 195.890..., +20% = 235.07 -> 235.
    // Egress: 2 GiB an hour = 1,440 GiB, 440 above at 8 = 3,520, +20% = 4,224.
    const r = report({ heavy: { cpuReq: 500n, cpuUse: 1500n, memReq: 2n * GIB, memUse: flat(GIB), pvcBytes: 30n * GIB, egressBytesPerHour: 2n * GIB } }, plan);
    const row = r.tenants[0];
    expect(row?.overage.map((o) => [o.charge.resource, o.charge.excess, o.amountMinor])).toEqual([
      ["cpu", 350_000n, 1470n],
      ["memory", 440n * GIB, 211n],
      ["storage", 14_300n * GIB, 235n],
      ["egress", 440n * GIB, 4224n],
    ]);
    expect(row?.price).toBe(fromMinor(4900 + 1470 + 211 + 235 + 4224));
    const d = draftInvoice({
      tenant: "heavy",
      month: "2026-09",
      currency: "EUR",
      tier: "small",
      baseFee: fromMinor(4900),
      usage: [{ description: "Cloud resources at cost plus 20%", cost: fromMinor(1000) }],
      markupPercent: 20,
      overage: row?.overage.map((o) => o.charge) ?? [],
    });
    expect(d.lines.map((l) => l.amountMinor)).toEqual([4900n, 1470n, 211n, 235n, 4224n, 1200n]);
    expect(d.lines[1]?.description).toBe("CPU above the allowance: 350.00 of 1080.00 core-hours (730.00 included) at 0.035 EUR per core-hour plus 20%");
    expect(d.lines[2]?.description).toBe("Memory above the allowance: 440.00 of 1440.00 GiB-hours (1000.00 included) at 0.004 EUR per GiB-hour plus 20%");
    expect(d.lines[3]?.description).toMatch(/^Disk above the allowance: 19\.59 of 29\.59 GiB-months \(10\.00 included\) at 0\.10 EUR per GiB-month plus 20%$/);
    expect(d.totalMinor).toBe(sumLines(d.lines));
    expect(d.totalMinor).toBe(12_240n);
  });

  it("rounds the line once: half a cent goes up, a sub-micro remainder is not truncated before the markup", () => {
    const half = { resource: "cpu" as const, used: 1n, allowance: 0n, excess: 1n, unitPrice: 0n };
    // 1 millicore-hour at 5.00 EUR a core-hour is 0.5 cents exactly -> 1 cent; at 4.99 -> 0.
    expect(overageMinor({ ...half, unitPrice: fromMinor(500) }, 0n)).toBe(1n);
    expect(overageMinor({ ...half, unitPrice: fromMinor(499) }, 0n)).toBe(0n);
    // 1 millicore-hour at 416.6667 cents a core-hour = 416,666.7 micros; +20% = 500,000.04 micros -> 1 cent.
    // Truncating to micros first (416,666) would give 499,999.2 -> 0 cents.
    expect(overageMinor({ ...half, unitPrice: 416_666_700n }, markupBasisPoints(20))).toBe(1n);
  });

  const quantities = fc.record({ cpu: fc.bigInt({ min: 0n, max: 10n ** 9n }), memory: fc.bigInt({ min: 0n, max: 10n ** 16n }), storage: fc.bigInt({ min: 0n, max: 10n ** 17n }), egress: fc.bigInt({ min: 0n, max: 10n ** 15n }) });
  const plans = fc.record({
    allowance: quantities,
    unitPrice: fc.record({ cpu: fc.bigInt({ min: 0n, max: 10n ** 9n }), memory: fc.bigInt({ min: 0n, max: 10n ** 9n }), storage: fc.bigInt({ min: 0n, max: 10n ** 9n }), egress: fc.bigInt({ min: 0n, max: 10n ** 9n }) }),
  });
  const billed = (u: UsageQuantities, p: TierPlan, bp: bigint) => {
    const by = new Map(overageCharges(u, p).map((c) => [c.resource, overageMinor(c, bp)]));
    return OVERAGE_RESOURCES.map((r) => by.get(r) ?? 0n);
  };

  it("is never negative, and never falls when usage grows (property)", () => {
    fc.assert(
      fc.property(quantities, quantities, plans, fc.integer({ min: 0, max: 100_000 }), (u, more, p, bp) => {
        const markup = BigInt(bp);
        const grown: UsageQuantities = { cpu: u.cpu + more.cpu, memory: u.memory + more.memory, storage: u.storage + more.storage, egress: u.egress + more.egress };
        const before = billed(u, p, markup);
        const after = billed(grown, p, markup);
        before.forEach((b, i) => {
          expect(b >= 0n).toBe(true);
          expect((after[i] ?? 0n) >= b).toBe(true);
        });
        for (const c of overageCharges(u, p)) expect(c.excess).toBe(c.used - c.allowance);
      }),
      { numRuns: 500 },
    );
  });
});

describe("sizing suggestions for memory as well as CPU", () => {
  it("calls a request over twice the busiest hour over-provisioned, with a request that fits it", () => {
    const r = report({ roomy: { cpuReq: 2000n, cpuUse: 200n, memReq: 4n * GIB, memUse: flat(GIB) } }, BASE_FEE_ONLY);
    const row = r.tenants[0];
    expect(row?.sizing).toBe("over-provisioned");
    expect(row?.suggestedCpuMillis).toBe(250n);
    expect(row?.memorySizing).toBe("over-provisioned");
    expect(row?.suggestedMemoryBytes).toBe(1280n * MIB); // 1 GiB + 25%, a multiple of 64 MiB
    expect(sizingText(row ?? expect.fail("no row"))).toBe("cpu over-provisioned (request 250m); memory over-provisioned (request 1280Mi)");
  });

  it("calls a busy hour above the request under-provisioned, though the average is below it", () => {
    // 512 MiB most of the month, 1.5 GiB for one hour a day: the average stays under the 1 GiB request.
    const spiky = (h: number) => (h % 24 === 12 ? (3n * GIB) / 2n : GIB / 2n);
    const r = report({ spiky: { cpuReq: 1000n, cpuUse: 900n, memReq: GIB, memUse: spiky } }, BASE_FEE_ONLY);
    const row = r.tenants[0];
    expect(row?.memoryUsageBytes).toBeLessThan(GIB);
    expect(row?.memoryUsagePeakBytes).toBe((3n * GIB) / 2n);
    expect(row?.sizing).toBe("fits");
    expect(row?.memorySizing).toBe("under-provisioned");
    expect(row?.suggestedMemoryBytes).toBe(1920n * MIB);
    expect(sizingText(row ?? expect.fail("no row"))).toBe("memory under-provisioned (request 1920Mi)");
  });

  it("leaves a fitting tenant alone and suggests requests to one without any", () => {
    const r = report({ fit: { cpuReq: 1000n, cpuUse: 800n, memReq: GIB, memUse: flat((3n * GIB) / 4n) }, none: { cpuReq: 0n, cpuUse: 300n, memReq: 0n, memUse: flat(100n * MIB) } }, BASE_FEE_ONLY);
    const [fit, none] = r.tenants;
    expect([fit?.sizing, fit?.memorySizing]).toEqual(["fits", "fits"]);
    expect(sizingText(fit ?? expect.fail("no row"))).toBe("fits");
    expect([none?.sizing, none?.suggestedCpuMillis, none?.memorySizing, none?.suggestedMemoryBytes]).toEqual(["no-requests", 400n, "no-requests", 128n * MIB]);
  });
});
