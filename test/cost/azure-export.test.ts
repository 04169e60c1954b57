import { describe, expect, it } from "vitest";
import { cloudCostByTenant, parseAzureCostExport, parseExportDate, parseTags } from "../../src/cost/azure-export.js";
import { InputError } from "../../src/errors.js";
import { parseMajor } from "../../src/cost/money.js";

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
    const imp = parseAzureCostExport(PAYG, { currency: "EUR" });
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
    const imp = parseAzureCostExport(MCA, { currency: "EUR" });
    expect(imp.schema).toBe("ea-mca");
    expect(imp.rows).toHaveLength(5);
    expect(imp.untagged.map((r) => r.resourceGroup)).toEqual(["rg-old"]);
    const nov = cloudCostByTenant(imp.rows, "2026-11");
    expect(nov.byTenant.get("beta")).toBe(7_440_000_000n + 50n);
    expect(nov.untagged).toBe(250_000_000n);
    expect(nov.compute).toBe(1_999_000_000n); // beta's dedicated nodes: costed by the allocation, not twice
    const ea = parseAzureCostExport(EA, { currency: "EUR" });
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
      parseAzureCostExport(bad, { currency: "EUR", file: "nov.csv" });
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
    expect(() => parseAzureCostExport("name,value\na,1\n", { currency: "EUR" })).toThrow(/no date column.*\n.*no cost column/s);
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
