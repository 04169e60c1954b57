import { describe, expect, it } from "vitest";
import { cloudCostByTenant, parseAzureCostExport, parseExportDate, parseTags, tenantOfCustomer } from "../../src/cost/azure-export.js";
import { InputError } from "../../src/errors.js";
import { parseMajor, toMinor } from "../../src/cost/money.js";

// Older pay-as-you-go export: BOM, PascalCase headers, US dates, tags without braces.
const PAYG = [
  "\uFEFFSubscriptionGuid,ResourceGroup,ResourceLocation,UsageDateTime,MeterCategory,MeterSubcategory,MeterName,UsageQuantity,ResourceRate,PreTaxCost,ConsumedService,ResourceType,InstanceId,Tags,Currency",
  `0000-1111,rg-acme,westeurope,11/03/2026,Storage,Tiered Block Blob,LRS Data Stored,10,0.02,0.2000001,Microsoft.Storage,Microsoft.Storage/storageAccounts,/subscriptions/0000-1111/resourceGroups/rg-acme/providers/Microsoft.Storage/storageAccounts/llbkacme,"""customer"": ""Acme"",""tenant"": ""acme"",""managed-by"": ""landlord""",EUR`,
  `0000-1111,rg-acme,westeurope,11/04/2026,Key Vault,,Operations,3,0.03,1.2E-05,Microsoft.KeyVault,Microsoft.KeyVault/vaults,/subscriptions/0000-1111/resourceGroups/rg-acme/providers/Microsoft.KeyVault/vaults/kv-acme,"""Tenant"": ""acme""",EUR`,
  `0000-1111,rg-platform,westeurope,11/04/2026,Virtual Network,,IP,24,0.005,0.12,Microsoft.Network,Microsoft.Network/publicIPAddresses,/subscriptions/0000-1111/resourceGroups/rg-platform/providers/Microsoft.Network/publicIPAddresses/ingress,,EUR`,
].join("\r\n");

// EA/MCA export: camelCase headers, ISO dates, tags as a JSON object, a row of the previous month.
const MCA = [
  "invoiceId,billingAccountName,date,resourceGroupName,meterCategory,quantity,costInBillingCurrency,billingCurrency,ResourceId,tags",
  `I1,Fleet,2026-11-02,rg-beta,Azure Kubernetes Service,720,74.40,EUR,/subscriptions/s/resourceGroups/rg-beta/providers/Microsoft.ContainerService/managedClusters/aks-beta,"{""tenant"":""beta"",""tier"":""large""}"`,
  `I1,Fleet,2026-11-30,rg-beta,Bandwidth,3,0.0000005,EUR,/subscriptions/s/resourceGroups/rg-beta/providers/Microsoft.Network/loadBalancers/lb,"{""tenant"":""beta""}"`,
  `I1,Fleet,2026-10-31,rg-beta,Bandwidth,3,9.99,EUR,/subscriptions/s/resourceGroups/rg-beta/providers/Microsoft.Network/loadBalancers/lb,"{""tenant"":""beta""}"`,
  `I1,Fleet,2026-11-03,mc_rg-beta,Virtual Machines,24,19.99,EUR,/subscriptions/s/resourceGroups/mc_rg-beta/providers/Microsoft.Compute/virtualMachineScaleSets/aks-app-1,"{""tenant"":""beta""}"`,
  `I1,Fleet,2026-11-05,rg-old,Storage,1,2.50,EUR,/subscriptions/s/resourceGroups/rg-old/providers/Microsoft.Storage/storageAccounts/old,"{""owner"":""ops""}"`,
].join("\n");

// EA export: the billingCurrencyCode column and upper-case headers.
const EA = ["DATE,COSTINBILLINGCURRENCY,BILLINGCURRENCYCODE,INSTANCEID,TAGS", `2026-11-01,1.00,eur,/x/kv,"{""TENANT"":""gamma""}"`].join("\n");

describe("Azure cost export import", () => {
  it("reads the pay-as-you-go column set: BOM, case, US dates, tags without braces, exponents", () => {
    const imp = parseAzureCostExport(PAYG, { currency: "EUR", tenants: [] });
    expect(imp.schema).toBe("pay-as-you-go");
    expect(imp.rows.map((r) => [r.date, r.tenant, r.cost])).toEqual([
      ["2026-11-03", "acme", 20_000_010n], // 0.2000001 EUR = 20.00001 cents
      ["2026-11-04", "acme", 1_200n], // 1.2E-05 EUR
      ["2026-11-04", undefined, 12_000_000n],
    ]);
    expect(imp.rows[0]?.tags).toMatchObject({ customer: "Acme", "managed-by": "landlord" });
    expect(imp.untagged.map((r) => [r.line, r.resourceId.split("/").pop()])).toEqual([[4, "ingress"]]);
  });

  it("reads the EA/MCA column set and sums per tenant for a month, reporting untagged cost", () => {
    const imp = parseAzureCostExport(MCA, { currency: "EUR", tenants: [] });
    expect(imp.schema).toBe("ea-mca");
    expect(imp.rows).toHaveLength(5);
    expect(imp.untagged.map((r) => r.resourceGroup)).toEqual(["rg-old"]);
    const nov = cloudCostByTenant(imp.rows, "2026-11");
    expect(nov.byTenant.get("beta")).toBe(7_440_000_000n + 50n);
    expect(nov.untagged).toBe(250_000_000n);
    expect(nov.compute).toBe(1_999_000_000n); // beta's dedicated nodes: costed by the allocation, not twice
    const ea = parseAzureCostExport(EA, { currency: "EUR", tenants: [] });
    expect(ea.rows[0]).toMatchObject({ tenant: "gamma", currency: "EUR", resourceId: "/x/kv", cost: 100_000_000n });
  });

  it("lists every bad row at once, with line, field and fix", () => {
    const bad = [
      "Date,CostInBillingCurrency,BillingCurrency,ResourceId,Tags",
      `2026-02-30,1.00,EUR,/a,`,
      `2026-11-01,abc,EUR,/b,`,
      `2026-11-01,1.00,USD,/c,`,
      `2026-11-01,1.00,EUR,/d,"{broken"`,
    ].join("\n");
    let caught: unknown;
    try {
      parseAzureCostExport(bad, { currency: "EUR", file: "nov.csv", tenants: [] });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).problems.map((p) => `${p.file ?? ""}:${p.path}`)).toEqual([
      "nov.csv:line 2.date",
      "nov.csv:line 3.cost",
      "nov.csv:line 4.currency",
      "nov.csv:line 5.tags",
    ]);
  });

  it("names the missing columns of a file that is not a cost export", () => {
    expect(() => parseAzureCostExport("name,value\na,1\n", { currency: "EUR", tenants: [] })).toThrow(/no date column.*\n.*no cost column/s);
  });

  it("parses both date formats and tags with or without braces", () => {
    expect(parseExportDate("1/5/2026")).toBe("2026-01-05");
    expect(parseExportDate("2026-01-05T00:00:00Z")).toBe("2026-01-05");
    expect(parseExportDate("13/01/2026")).toBeUndefined();
    expect(parseTags('"a": "1"')).toEqual({ a: "1" });
    expect(parseTags('{"A": "1"}')).toEqual({ a: "1" });
    expect(parseTags("")).toEqual({});
    expect(parseTags("[1]")).toBeUndefined();
    expect(parseMajor("-0.005", "EUR")).toBe(-500_000n);
    expect(parseMajor("1.23456789", "EUR")).toBe(123_456_789n);
    expect(parseMajor("0.000000005", "EUR")).toBe(1n); // half a micro rounds away from zero
    expect(parseMajor("12", "JPY")).toBe(12_000_000n);
  });
});

// The seed customer's convention: a `customer` tag (any case) holding its customer id or name.
const FLEET = [{ name: "seed", customerId: "CUST-0042" }, { name: "acme" }, { name: "mid", customerId: "m-7" }];

interface ExportRow {
  readonly day: number;
  readonly meter: string;
  readonly cost: string;
  readonly id: string;
  readonly tags: string;
}

const q = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** One export in either column set: pay-as-you-go writes US dates, EA/MCA ISO ones. */
function exportCsv(format: "pay-as-you-go" | "ea-mca", rows: readonly ExportRow[]): string {
  if (format === "pay-as-you-go") {
    return ["\uFEFFSubscriptionGuid,ResourceGroup,UsageDateTime,MeterCategory,PreTaxCost,InstanceId,Tags,Currency", ...rows.map((r) => `s,rg,11/${String(r.day).padStart(2, "0")}/2026,${r.meter},${r.cost},${r.id},${q(r.tags)},EUR`)].join("\r\n");
  }
  return ["date,resourceGroupName,meterCategory,costInBillingCurrency,billingCurrency,ResourceId,tags", ...rows.map((r) => `2026-11-${String(r.day).padStart(2, "0")},rg,${r.meter},${r.cost},EUR,${r.id},${q(r.tags)}`)].join("\n");
}

const tag = (pairs: Record<string, string>, braces: boolean) => {
  const body = Object.entries(pairs)
    .map(([k, v]) => `"${k}": "${v}"`)
    .join(", ");
  return braces ? `{${body}}` : body;
};

function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    if (err instanceof InputError) return err.problems.map((p) => `${p.file ?? ""}:${p.path}: ${p.message} (fix: ${p.fix})`);
    throw err;
  }
  return [];
}

describe("the seed's customer tag", () => {
  // Every tag-name case with and without braces, matched by customerId and by name, exact and folded.
  const CASES = [
    { name: "customer", braces: false, value: "CUST-0042", cost: "10.01", tenant: "seed" },
    { name: "Customer", braces: true, value: "cust-0042", cost: "0.015", tenant: "seed" },
    { name: "CUSTOMER", braces: false, value: "seed", cost: "2.0000004", tenant: "seed" },
    { name: "customer", braces: true, value: "acme", cost: "7.5", tenant: "acme" },
    { name: "Customer", braces: false, value: " Acme ", cost: "0.004", tenant: "acme" },
    { name: "CUSTOMER", braces: true, value: "ACME", cost: "1.2E-02", tenant: "acme" },
  ] as const;

  for (const format of ["pay-as-you-go", "ea-mca"] as const) {
    it(`assigns ${format} rows tagged customer, Customer or CUSTOMER, with or without braces, by customerId or name, to the cent`, () => {
      const text = exportCsv(
        format,
        CASES.map((c, i) => ({ day: i + 1, meter: "Storage", cost: c.cost, id: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa${i}`, tags: tag({ [c.name]: c.value }, c.braces) })),
      );
      const imp = parseAzureCostExport(text, { currency: "EUR", tenants: FLEET });
      expect(imp.schema).toBe(format);
      expect(imp.rows.map((r) => r.tenant)).toEqual(CASES.map((c) => c.tenant));
      expect(imp.untagged).toEqual([]);
      expect(imp.unmatched).toEqual([]);
      const nov = cloudCostByTenant(imp.rows, "2026-11");
      // seed: 10.01 + 0.015 + 2.0000004 EUR; acme: 7.5 + 0.004 + 0.012 EUR.
      expect(nov.byTenant.get("seed")).toBe(1_001_000_000n + 1_500_000n + 200_000_040n);
      expect(nov.byTenant.get("acme")).toBe(750_000_000n + 400_000n + 1_200_000n);
      expect(toMinor(nov.byTenant.get("seed") ?? 0n)).toBe(1203n);
      expect(toMinor(nov.byTenant.get("acme") ?? 0n)).toBe(752n);
      expect(nov.untagged).toBe(0n);
    });
  }

  it("matches exact before case-folded, a billing identity before another tenant's name, and refuses to guess between equals", () => {
    const fleet = [{ name: "acme" }, { name: "other", customerId: "ACME" }, { name: "beta", customerId: "C-2" }, { name: "gamma", customerId: "beta" }];
    expect(tenantOfCustomer("acme", fleet)).toEqual({ tenant: "acme" });
    expect(tenantOfCustomer("ACME", fleet)).toEqual({ tenant: "other" });
    expect(tenantOfCustomer("Acme", fleet)).toEqual({ ambiguous: ["acme", "other"] });
    // The Terraform module writes the billing identity (customerId, else name) in this tag.
    expect(tenantOfCustomer("beta", fleet)).toEqual({ tenant: "gamma" });
    expect(tenantOfCustomer("c-2", fleet)).toEqual({ tenant: "beta" });
    expect(tenantOfCustomer("nobody", fleet)).toBeUndefined();
    const text = exportCsv("ea-mca", [{ day: 1, meter: "Storage", cost: "1", id: "/x", tags: tag({ customer: "Acme" }, true) }]);
    expect(problemsOf(() => parseAzureCostExport(text, { currency: "EUR", tenants: fleet, file: "nov.csv" }))).toEqual([
      "nov.csv:line 2.tags: tag customer 'Acme' matches tenants 'acme' and 'other' only when case is ignored (fix: set the tag to the exact spec.customerId (or name) of the tenant it belongs to)",
    ]);
  });

  for (const format of ["pay-as-you-go", "ea-mca"] as const) {
    it(`reports a tenant tag and a customer tag that disagree, with file, line and fix, and keeps the ones that agree (${format})`, () => {
      const row = (day: number, pairs: Record<string, string>, braces: boolean): ExportRow => ({ day, meter: "Key Vault", cost: "1.00", id: `/kv${day}`, tags: tag(pairs, braces) });
      const agreeing = exportCsv(format, [
        row(1, { tenant: "seed", Customer: "CUST-0042" }, true),
        row(2, { tenant: "seed", customer: "seed" }, false),
        row(3, { Tenant: "acme", CUSTOMER: "Acme" }, false),
        // Neither names a tenant of this fleet: kept under the tenant tag, reported as an unknown tenant's.
        row(4, { tenant: "gone", customer: "GONE-1" }, true),
      ]);
      expect(parseAzureCostExport(agreeing, { currency: "EUR", tenants: FLEET }).rows.map((r) => r.tenant)).toEqual(["seed", "seed", "acme", "gone"]);

      const disagreeing = exportCsv(format, [row(1, { tenant: "acme", customer: "CUST-0042" }, true), row(2, { tenant: "acme", Customer: "CUST-9" }, false), row(3, { tenant: "gone", CUSTOMER: "acme" }, true), row(4, { tenant: "mid", customer: "m-7" }, false)]);
      const problems = problemsOf(() => parseAzureCostExport(disagreeing, { currency: "EUR", tenants: FLEET, file: "nov.csv" }));
      expect(problems.map((p) => p.split(": ")[0])).toEqual(["nov.csv:line 2.tags", "nov.csv:line 3.tags", "nov.csv:line 4.tags"]);
      expect(problems[0]).toContain("tag tenant 'acme' and tag customer 'CUST-0042' name different tenants ('acme' and 'seed')");
      expect(problems[0]).toContain("fix: if the resource is acme's, set its customer tag to 'acme'; if it is seed's, set its tenant tag to 'seed'; rows already exported");
      expect(problems[1]).toContain("'CUST-9' is neither the customerId nor the name of tenant 'acme'");
      expect(problems[1]).toContain("if 'CUST-9' is the customer id of acme, set customerId: CUST-9 in its spec");
      expect(problems[2]).toContain("tag tenant 'gone' names no tenant of the fleet, tag customer 'acme' names tenant 'acme' (fix: if it is acme's, set its tenant tag to 'acme';");
    });
  }

  it("leaves a customer value that names no tenant unassigned and lists it apart from untagged rows", () => {
    const text = exportCsv("pay-as-you-go", [
      { day: 3, meter: "Storage", cost: "4.44", id: "/old-sa", tags: tag({ Customer: "CUST-9999" }, false) },
      { day: 4, meter: "DNS", cost: "0.50", id: "/dns", tags: "" },
      { day: 5, meter: "Storage", cost: "1.00", id: "/seed-sa", tags: tag({ customer: "CUST-0042" }, true) },
    ]);
    const imp = parseAzureCostExport(text, { currency: "EUR", tenants: FLEET });
    expect(imp.unmatched.map((r) => [r.line, r.tags["customer"], r.tenant])).toEqual([[2, "CUST-9999", undefined]]);
    expect(imp.untagged.map((r) => r.line)).toEqual([3]);
    const nov = cloudCostByTenant(imp.rows, "2026-11");
    expect(nov.untagged).toBe(444_000_000n + 50_000_000n);
    expect([...nov.byTenant]).toEqual([["seed", 100_000_000n]]);
  });

  it("sets a dedicated pool's tagged VM scale set apart when the allocation costs its nodes, and makes it its tenant's cost to the cent when it does not", () => {
    const vmss = "/subscriptions/s/resourceGroups/mc_rg-weu-1/providers/Microsoft.Compute/virtualMachineScaleSets";
    const text = exportCsv("ea-mca", [
      { day: 2, meter: "Virtual Machines", cost: "123.4567891", id: `${vmss}/aks-mid-12345-vmss`, tags: tag({ customer: "m-7", "aks-managed-poolName": "mid" }, true) },
      { day: 2, meter: "Storage", cost: "3.21", id: `${vmss}/aks-mid-12345-vmss`, tags: tag({ Customer: "M-7" }, false) },
      { day: 2, meter: "Virtual Machines Licenses", cost: "0.005", id: `${vmss}/aks-mid-12345-vmss`, tags: tag({ tenant: "mid" }, true) },
      // The shared pool: split by usage in the allocation, always set apart here.
      { day: 2, meter: "Virtual Machines", cost: "500.00", id: `${vmss}/aks-shared-1-vmss`, tags: tag({ "managed-by": "landlord" }, true) },
    ]);
    const imp = parseAzureCostExport(text, { currency: "EUR", tenants: FLEET });
    expect(imp.rows.map((r) => r.tenant)).toEqual(["mid", "mid", "mid", undefined]);

    const costed = cloudCostByTenant(imp.rows, "2026-11");
    expect(costed.byTenant.get("mid")).toBe(321_000_000n);
    expect(costed.compute).toBe(12_345_678_910n + 500_000n + 50_000_000_000n);

    const fromExport = cloudCostByTenant(imp.rows, "2026-11", { nodesFromExport: new Set(["mid"]) });
    expect(fromExport.byTenant.get("mid")).toBe(12_345_678_910n + 321_000_000n + 500_000n);
    expect(toMinor(fromExport.byTenant.get("mid") ?? 0n)).toBe(12_667n); // 126.6717891 EUR
    expect(fromExport.compute).toBe(50_000_000_000n);
    expect(fromExport.untagged).toBe(0n);
  });
});
