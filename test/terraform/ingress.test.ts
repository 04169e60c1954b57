/**
 * Issue 9 item 8 over the customer-instance module and the generated variables: a tenant on
 * a dedicated cluster is served by that cluster's own ingress, behind a static address its
 * Terraform creates, and its DNS records alias that address. Before this change every
 * tenant's records pointed at the shared ingress (integrations.dns.target), and the module
 * created no address. Also: the generator passes Argo CD's registration inputs through.
 */
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { parse } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, test } from "vitest";
import { renderBundle } from "../../src/render/bundle.js";
import { dedicatedIngressAddress } from "../../src/render/cloud.js";
import { tenantWorkspace } from "../../src/render/terraform/workspace.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";
import { platformWith } from "../support/platform-variants.js";
import { PlanHarness } from "./support/plan-harness.js";

const exec = promisify(execFile);
const MODULE_DIR = resolve(import.meta.dirname, "../../terraform/modules/customer-instance");

beforeAll(async () => {
  await exec("terraform", ["version"]).catch(() => {
    throw new Error("terraform is not on PATH: install it (e.g. `go install github.com/hashicorp/terraform@v1.11.4`) and run again");
  });
});

const ctx = platform();
const varsFor = (name: string, tier: string, c = ctx, domains?: string[]) => {
  const [t] = fleet(c, [tenantFile(name, { tier, ...(domains ? { domains } : {}) })]);
  if (!t) throw new Error("no tenant");
  return renderBundle(c.config, t).terraform.variables;
};

type Body = Record<string, unknown>;
type Hcl = { resource?: Record<string, Record<string, Body[]>> };
async function resources(type: string): Promise<Record<string, Body>> {
  const out: Record<string, Body> = {};
  for (const f of (await readdir(MODULE_DIR)).filter((x) => x.endsWith(".tf"))) {
    const h = (await parse(f, await readFile(join(MODULE_DIR, f), "utf8"))) as Hcl;
    for (const [name, bodies] of Object.entries(h.resource?.[type] ?? {})) out[name] = bodies[0] ?? {};
  }
  return out;
}
const text = (v: unknown) => JSON.stringify(v);

async function example(tier: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(MODULE_DIR, "examples", `${tier}.tfvars.json`), "utf8")) as Record<string, unknown>;
}

describe("the generator: a large tenant's names point at its own cluster", () => {
  test("every record of a tenant on a dedicated cluster aliases that cluster's ingress, not the shared ingress target", () => {
    const v = varsFor("initech", "large", ctx, ["initech.apps.example.com", "www.initech.apps.example.com", "shop.initech.com"]);
    expect(v.dns_records).toEqual([
      { name: "initech", type: "INGRESS", target: "" },
      { name: "www.initech", type: "INGRESS", target: "" },
    ]);
    expect(JSON.stringify(v.dns_records)).not.toContain(ctx.config.integrations.dns.target.value);
  });

  test("tenants on shared clusters still point at the shared ingress", () => {
    const { type, value } = ctx.config.integrations.dns.target;
    for (const tier of ["small", "medium"]) expect(varsFor("acme", tier).dns_records, tier).toEqual([{ name: "acme", type, target: value }]);
  });
});

describe("the module: a static Standard address for the dedicated cluster's ingress", () => {
  test("created with the dedicated cluster, Standard and static, in a resource group of its own, locked and tagged like the tenant's other resources", async () => {
    const [ip] = Object.values(await resources("azurerm_public_ip"));
    expect(ip).toMatchObject({ sku: "Standard", allocation_method: "Static", count: "${local.dedicated_active ? 1 : 0}", tags: "${local.tags}" });
    expect(text(ip?.["resource_group_name"])).toMatch(/azurerm_resource_group\.ingress\[0\]\.name/);
    const groups = await resources("azurerm_resource_group");
    expect(text(groups["ingress"]?.["name"])).toMatch(/local\.ingress_resource_group_name/);
    const locks = await resources("azurerm_management_lock");
    expect(locks["ingress"]).toMatchObject({ lock_level: "CanNotDelete", scope: "${azurerm_public_ip.ingress[0].id}" });
    expect(text(locks["ingress"]?.["count"])).toMatch(/cloud_posture\.locks_enabled/);
  });

  test("the cluster's own identity may use addresses in that group and nowhere else; the cluster goes before its address", async () => {
    const grant = (await resources("azurerm_role_assignment"))["ingress_network"];
    expect(grant).toMatchObject({ role_definition_name: "Network Contributor", scope: "${azurerm_resource_group.ingress[0].id}" });
    expect(text(grant?.["principal_id"])).toMatch(/azurerm_kubernetes_cluster\.dedicated\[0\]\.identity\[0\]\.principal_id/);
    const cluster = (await resources("azurerm_kubernetes_cluster"))["dedicated"];
    expect(cluster?.["depends_on"]).toEqual(["${azurerm_public_ip.ingress}"]);
  });

  test("INGRESS records are alias records of that address; plain A records keep their addresses", async () => {
    const record = (await resources("azurerm_dns_a_record"))["this"];
    expect(text(record?.["target_resource_id"])).toMatch(/azurerm_public_ip\.ingress\[0\]\.id/);
    expect(text(record?.["records"])).toMatch(/each\.value\.records/);
  });

  test("plan time: the names the module gives the address are the ones the ingress add-on is told; INGRESS needs the dedicated cluster and no target", async () => {
    const h = await PlanHarness.create(MODULE_DIR);
    const large = await example("large");
    const generated = varsFor("initech", "large") as unknown as Record<string, unknown>;
    // The fixture's landlord.yaml leaves the private endpoint subnet, the dedicated clusters' subnet and the workspace unset; the example has them.
    const subnet = (large["dedicated_cluster"] as Record<string, unknown>)["vnet_subnet_id"];
    const locals = await h.locals({ ...generated, cloud_posture: large["cloud_posture"], dedicated_cluster: { ...(generated["dedicated_cluster"] as object), vnet_subnet_id: subnet } });
    const address = dedicatedIngressAddress(ctx.config, "initech");
    expect({ publicIpName: locals["ingress_public_ip_name"], resourceGroup: locals["ingress_resource_group_name"] }).toEqual(address);
    expect(locals["dns_ingress_names"]).toEqual(["initech"]);
    expect(locals["dns_a_records"]).toEqual({});

    expect((await h.plan(large)).ok).toBe(true);
    const medium = await example("medium");
    const stray = await h.plan({ ...medium, dns_records: [{ name: "globex", type: "INGRESS", target: "" }] });
    expect(stray.ok).toBe(false);
    expect(stray.output).toMatch(/INGRESS entries, which point at the dedicated cluster's ingress address, but dedicated_cluster\.enabled is false/);
    const targeted = await h.plan({ ...large, dns_records: [{ name: "initech", type: "INGRESS", target: "20.1.2.3" }] });
    expect(targeted.output).toMatch(/An INGRESS record has an empty target/);
    const clash = await h.plan({ ...large, dns_records: [{ name: "initech", type: "INGRESS", target: "" }, { name: "initech", type: "A", target: "20.1.2.3" }] });
    expect(clash.output).toMatch(/must not be used by an A or CNAME record/);
  });
});

describe("Argo CD registration inputs reach the module", () => {
  test("unset: empty (the module registers nothing); set in landlord.yaml: the vault and principal, through the workspace", () => {
    expect(varsFor("initech", "large").argocd_registration).toEqual({ key_vault_id: "", principal_id: "" });
    const registration = {
      platformKeyVaultId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-landlord-platform/providers/Microsoft.KeyVault/vaults/kv-landlord-platform",
      argocdPrincipalId: "22222222-2222-2222-2222-222222222222",
    };
    const withRegistration = platform(platformWith(["integrations", "gitops"], { repoURL: "https://git.example.com/fleet.git", clusterRegistration: registration }));
    const v = varsFor("initech", "large", withRegistration);
    expect(v.argocd_registration).toEqual({ key_vault_id: registration.platformKeyVaultId, principal_id: registration.argocdPrincipalId });
    const files = tenantWorkspace(withRegistration.config, v);
    expect(files[0]?.text).toMatch(/^ {2}argocd_registration\s+= var\.argocd_registration$/m);
    expect(JSON.parse(files[2]?.text ?? "{}")).toMatchObject({ argocd_registration: { principal_id: registration.argocdPrincipalId } });
  });

  test("a principal that is not an object id is refused naming the field", () => {
    expect(() =>
      platform(platformWith(["integrations", "gitops"], { repoURL: "https://git.example.com/fleet.git", clusterRegistration: { platformKeyVaultId: "/subscriptions/x/resourceGroups/y/providers/Microsoft.KeyVault/vaults/z", argocdPrincipalId: "argocd" } })),
    ).toThrow(/integrations\.gitops\.clusterRegistration\.argocdPrincipalId/);
  });
});
