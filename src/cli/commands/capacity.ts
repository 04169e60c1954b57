/** `landlord capacity plan`: nodes, pools and clusters the fleet needs, and what a customer costs at that size. */
import { capacityPlan, type CapacityPlan } from "../../cost/capacity-plan.js";
import { formatMinor, toMinor } from "../../cost/money.js";
import { InputError } from "../../errors.js";
import { toJson } from "../../render/serialize.js";
import type { CliIo } from "../io.js";
import { loadWorkspace, type GlobalOptions } from "../../app/load-files.js";
import { table } from "./tenants.js";

export interface CapacityOptions {
  /** small=100,medium=10 (default: the tenant files' counts). */
  readonly tenants?: string;
  readonly headroom: string;
  readonly file?: readonly string[];
  readonly output: "table" | "json" | "csv";
}

function parseCounts(text: string, tiers: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  const problems = [];
  for (const part of text.split(",").filter((p) => p.trim() !== "")) {
    const m = /^\s*([a-z0-9-]+)\s*=\s*(\d{1,7})\s*$/.exec(part);
    if (!m?.[1] || !tiers.includes(m[1])) {
      problems.push({ path: "--tenants", message: `'${part}' is not TIER=COUNT with a tier of landlord.yaml`, fix: `write e.g. ${tiers.map((t, i) => `${t}=${10 ** (2 - Math.min(i, 2))}`).join(",")}` });
      continue;
    }
    out.set(m[1], Number(m[2]));
  }
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

export async function capacityPlanCommand(io: CliIo, global: GlobalOptions, opts: CapacityOptions): Promise<void> {
  const headroom = Number(opts.headroom);
  if (!Number.isInteger(headroom) || headroom < 0 || headroom > 90) {
    throw new InputError([{ path: "--headroom", message: `'${opts.headroom}' is not a percentage from 0 to 90`, fix: "write e.g. --headroom 20" }]);
  }
  const ws = await loadWorkspace(io, global, opts.file);
  const tierNames = Object.keys(ws.platform.config.tiers);
  let counts: Map<string, number>;
  if (opts.tenants !== undefined) counts = parseCounts(opts.tenants, tierNames);
  else {
    counts = new Map(tierNames.map((t) => [t, 0]));
    for (const t of ws.tenants) counts.set(t.tier.name, (counts.get(t.tier.name) ?? 0) + 1);
  }
  const plan = capacityPlan({ platform: ws.platform.config, tiers: ws.platform.tiers, tenantsByTier: counts, headroomPercent: headroom });
  const currency = ws.platform.config.billing.currency;
  const money = (m: bigint) => formatMinor(toMinor(m), currency);
  if (opts.output === "json") {
    io.stdout(toJson(planJson(plan, money)));
    return;
  }
  const rows = plan.tiers.map((t) => ({
    TIER: t.tier,
    ISOLATION: t.isolation,
    TENANTS: String(t.tenants),
    NODES: String(t.nodes),
    "COST/CUSTOMER": money(t.costPerCustomer),
    PRICE: money(t.pricePerCustomer),
    MARGIN: money(t.pricePerCustomer - t.costPerCustomer),
  }));
  const cols = ["TIER", "ISOLATION", "TENANTS", "NODES", "COST/CUSTOMER", "PRICE", "MARGIN"];
  if (opts.output === "csv") {
    io.stdout(`${[cols.join(","), ...rows.map((r) => cols.map((c) => r[c as keyof typeof r]).join(","))].join("\r\n")}\r\n`);
    return;
  }
  io.stdout(
    table(rows, cols) +
      `shared clusters: ${plan.sharedClustersNeeded} needed (${plan.sharedClustersExisting} in landlord.yaml); shared nodes: ${plan.sharedNodes} (${plan.sharedNodesPerCluster} per cluster); system nodes: ${plan.systemNodes}\n` +
      `dedicated node pools: ${plan.dedicatedPools}; dedicated clusters: ${plan.dedicatedClusters}; fleet cost: ${money(plan.monthlyCost)} ${currency} a month\n` +
      plan.notes.map((n) => `note: ${n}\n`).join(""),
  );
}

function planJson(plan: CapacityPlan, money: (m: bigint) => string): unknown {
  return {
    apiVersion: "landlord.dev/v1alpha1",
    kind: "CapacityPlan",
    sharedClusters: { needed: plan.sharedClustersNeeded, existing: plan.sharedClustersExisting },
    sharedNodes: plan.sharedNodes,
    sharedNodesPerCluster: plan.sharedNodesPerCluster,
    systemNodes: plan.systemNodes,
    dedicatedPools: plan.dedicatedPools,
    dedicatedClusters: plan.dedicatedClusters,
    monthlyCost: money(plan.monthlyCost),
    tiers: plan.tiers.map((t) => ({ tier: t.tier, isolation: t.isolation, tenants: t.tenants, nodes: t.nodes, costPerCustomer: money(t.costPerCustomer), pricePerCustomer: money(t.pricePerCustomer) })),
    notes: plan.notes,
  };
}
