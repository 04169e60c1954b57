/**
 * The seed customer's tag convention through `landlord cost` end to end: the init example
 * fleet plus the seed (a medium tenant, its own node pool, customerId CUST-0042) and a large
 * tenant (dedicated cluster, no Prometheus: estimated), and two cost exports, one in each
 * column set, whose rows carry `customer`/`Customer`/`CUSTOMER` with and without braces. No
 * Prometheus is given for the shared cluster, so the allocation costs none of the seed's
 * pool nodes: its tagged VM scale set in the export is then its cost.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLandlord } from "../support/cli.js";

const landlord = (cwd: string, ...argv: string[]) => runLandlord(cwd, argv);

const VMSS = "/subscriptions/s/resourceGroups/mc_rg-landlord-platform/providers/Microsoft.Compute/virtualMachineScaleSets";

// Pay-as-you-go: tags without braces, US dates.
const PAYG = [
  "\uFEFFSubscriptionGuid,ResourceGroup,UsageDateTime,MeterCategory,PreTaxCost,InstanceId,Tags,Currency",
  `s,rg-seed,10/02/2026,Storage,10.015,/subscriptions/s/resourceGroups/rg-seed/providers/Microsoft.Storage/storageAccounts/seeddata,"""customer"": ""CUST-0042""",EUR`,
  `s,mc_rg-landlord-platform,10/03/2026,Virtual Machines,250.123456,${VMSS}/aks-seedpool-vmss,"""Customer"": ""cust-0042"", ""aks-managed-poolName"": ""seedpool""",EUR`,
  `s,rg-acme,10/04/2026,Key Vault,1.10,/subscriptions/s/resourceGroups/rg-acme/providers/Microsoft.KeyVault/vaults/kv-acme,"""CUSTOMER"": ""Acme""",EUR`,
  `s,rg-old,10/05/2026,Storage,4.44,/subscriptions/s/resourceGroups/rg-old/providers/Microsoft.Storage/storageAccounts/old,"""customer"": ""CUST-9999""",EUR`,
].join("\r\n");

// EA/MCA: tags as JSON objects, ISO dates; one row of the month before.
const MCA = [
  "date,resourceGroupName,meterCategory,costInBillingCurrency,billingCurrency,ResourceId,tags",
  `2026-10-06,rg-seed,Bandwidth,0.005,EUR,/subscriptions/s/resourceGroups/rg-seed/providers/Microsoft.Network/publicIPAddresses/seed,"{""CUSTOMER"":""seed""}"`,
  `2026-10-07,mc_rg-landlord-platform,Storage,2.5,EUR,${VMSS}/aks-seedpool-vmss,"{""customer"":""CUST-0042""}"`,
  `2026-10-08,mc_rg-big,Virtual Machines,99.99,EUR,/subscriptions/s/resourceGroups/mc_rg-big/providers/Microsoft.Compute/virtualMachineScaleSets/aks-app,"{""Customer"":""big"",""tenant"":""big""}"`,
  `2026-10-09,rg-acme,Storage,0.40,EUR,/subscriptions/s/resourceGroups/rg-acme/providers/Microsoft.Storage/storageAccounts/llbkacme,"{""customer"":""acme"",""tenant"":""acme""}"`,
  `2026-09-30,rg-seed,Storage,1000,EUR,/subscriptions/s/resourceGroups/rg-seed/providers/Microsoft.Storage/storageAccounts/seeddata,"{""customer"":""CUST-0042""}"`,
].join("\n");

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-customer-tag-"));
  expect((await landlord(dir, "init")).code).toBe(0);
  await writeFile(
    join(dir, "tenants", "seed.yaml"),
    "apiVersion: landlord.dev/v1alpha1\nkind: Tenant\nmetadata: {name: seed}\nspec: {displayName: Seed, customerId: CUST-0042, tier: medium, domains: [seed.apps.example.com], contacts: {email: ops@seed.example.com}}\n",
  );
  await writeFile(
    join(dir, "tenants", "big.yaml"),
    "apiVersion: landlord.dev/v1alpha1\nkind: Tenant\nmetadata: {name: big}\nspec: {displayName: Big, tier: large, domains: [big.apps.example.com], contacts: {email: ops@big.example.com}}\n",
  );
  await writeFile(join(dir, "payg.csv"), PAYG);
  await writeFile(join(dir, "mca.csv"), MCA);
  await writeFile(
    join(dir, "disagree.csv"),
    ["date,costInBillingCurrency,billingCurrency,ResourceId,tags", `2026-10-01,1.00,EUR,/subscriptions/s/resourceGroups/rg-acme/providers/Microsoft.KeyVault/vaults/kv-acme,"{""tenant"":""acme"",""Customer"":""CUST-0042""}"`].join("\n"),
  );
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Amount {
  micros: string;
}

describe("landlord cost with the seed's customer tags", () => {
  it("assigns customer-tagged rows of both exports to the cent, the seed's pool VMs included, and lists the value no tenant has", async () => {
    const r = await landlord(dir, "cost", "--month", "2026-10", "--azure-export", "payg.csv", "--azure-export", "mca.csv", "-o", "json");
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { tenants: { tenant: string; cloud: Amount; cluster: { dedicated: Amount } }[]; cloudUntagged: Amount; cloudCompute: Amount; cloudUnknownTenants: Record<string, Amount> };
    const cloud = Object.fromEntries(doc.tenants.map((t) => [t.tenant, t.cloud.micros]));
    // seed: 10.015 + 250.123456 (its pool's VMs) + 0.005 + 2.5 EUR; September's 1000 is not October's.
    expect(cloud["seed"]).toBe(String(1_001_500_000n + 25_012_345_600n + 500_000n + 250_000_000n));
    expect(doc.tenants.find((t) => t.tenant === "seed")?.cluster.dedicated.micros).toBe("0");
    expect(cloud["acme"]).toBe(String(110_000_000n + 40_000_000n));
    // big's dedicated cluster is costed from its tier's node counts: its VM rows are set apart, not added.
    expect(cloud["big"]).toBe("0");
    expect(doc.cloudCompute.micros).toBe("9999000000");
    expect(doc.cloudUntagged.micros).toBe("444000000");
    expect(doc.cloudUnknownTenants).toEqual({});
    expect(r.stderr).toContain("warning: payg.csv:5: tag customer 'CUST-9999' on /subscriptions/s/resourceGroups/rg-old/providers/Microsoft.Storage/storageAccounts/old matches no tenant's spec.customerId or name");
    expect(r.stderr).toMatch(/add customerId: CUST-9999 to the spec of the tenant it belongs to/);
    expect(r.stderr).toMatch(/warning: seed: no node of its dedicated pool or cluster was costed from usage; its node VM rows of the Azure export are counted as its cost instead/);
    expect(r.stderr).not.toMatch(/warning: big: no node/);

    const table = await landlord(dir, "cost", "--month", "2026-10", "--azure-export", "payg.csv", "--azure-export", "mca.csv");
    // To the cent: 262.643456 EUR.
    expect(table.stdout).toMatch(/\nseed\s+medium\s+0\.00\s+0\.00\s+262\.64\s+262\.64\s/);
  });

  it("matches against the whole fleet when one tenant is reported", async () => {
    const r = await landlord(dir, "cost", "seed", "--month", "2026-10", "--azure-export", "payg.csv", "--azure-export", "mca.csv", "-o", "json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { tenants: { tenant: string; cloud: Amount }[] };
    expect(doc.tenants.map((t) => [t.tenant, t.cloud.micros])).toEqual([["seed", "26264345600"]]);
    // acme's rows still find acme: only the value no tenant has is listed.
    expect(r.stderr.match(/matches no tenant/g)).toHaveLength(1);
  });

  it("refuses a row whose tenant and customer tags disagree, naming the file, line and fix", async () => {
    const r = await landlord(dir, "cost", "--month", "2026-10", "--azure-export", "disagree.csv");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("disagree.csv: line 2.tags: tag tenant 'acme' and tag customer 'CUST-0042' name different tenants ('acme' and 'seed')");
    expect(r.stderr).toContain("if the resource is acme's, set its customer tag to 'acme'; if it is seed's, set its tenant tag to 'seed'");
    expect(r.stdout).toBe("");
  });
});
