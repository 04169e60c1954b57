/**
 * Issue 24 item 4, platform side: terraform/platform gives the platform a network (nodes,
 * dedicated clusters, private endpoints), the privatelink zones linked to it, and the shared
 * ingress controller's static address (docs/adr/0019), and outputs what landlord.yaml needs.
 * Before this change the platform had none of them: AKS made its own network, which no
 * privatelink zone was linked to. What azurerm would say cannot run here (no provider), so
 * the resources are checked structurally over the parsed HCL; the variables' validations and
 * the plan-time checks that read only inputs run with the real terraform binary
 * (support/plan-harness.ts).
 */
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { parse } from "@cdktf/hcl2json";
import { parseDocument } from "yaml";
import { beforeAll, describe, expect, test } from "vitest";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { platform } from "../support/fixtures.js";
import { PlanHarness } from "./support/plan-harness.js";

const exec = promisify(execFile);
const TERRAFORM_DIR = resolve(import.meta.dirname, "../../terraform");
const PLATFORM_DIR = join(TERRAFORM_DIR, "platform");

beforeAll(async () => {
  await exec("terraform", ["version"]).catch(() => {
    throw new Error("terraform is not on PATH: install it (e.g. `go install github.com/hashicorp/terraform@v1.11.4`, or HashiCorp's apt repository) and run again");
  });
});

type Body = Record<string, unknown>;
/** hcl2json's shape: resource -> type -> name -> [body]; output -> name -> [body]. */
type Hcl = { resource?: Record<string, Record<string, Body[]>>; output?: Record<string, Body[]> };

let files: Hcl[] = [];
beforeAll(async () => {
  const names = (await readdir(PLATFORM_DIR)).filter((f) => f.endsWith(".tf"));
  files = await Promise.all(names.map(async (f) => (await parse(f, await readFile(join(PLATFORM_DIR, f), "utf8"))) as Hcl));
});

function resources(type: string): Record<string, Body> {
  const out: Record<string, Body> = {};
  for (const h of files) for (const [name, bodies] of Object.entries(h.resource?.[type] ?? {})) out[name] = bodies[0] ?? {};
  return out;
}
function resource(type: string, name: string): Body {
  const body = resources(type)[name];
  if (!body) throw new Error(`terraform/platform has no ${type}.${name}`);
  return body;
}
function outputs(): Record<string, Body> {
  const out: Record<string, Body> = {};
  for (const h of files) for (const [name, bodies] of Object.entries(h.output ?? {})) out[name] = bodies[0] ?? {};
  return out;
}
/** Every resource of the root as [address, body]. */
function allResources(): [string, Body][] {
  return files.flatMap((h) => Object.entries(h.resource ?? {}).flatMap(([type, byName]) => Object.entries(byName).map(([name, bodies]): [string, Body] => [`${type}.${name}`, bodies[0] ?? {}])));
}
const ref = (address: string) => `\${${address}}`;
const first = (v: unknown): Body => ((v as Body[] | undefined)?.[0] ?? {});

describe("the platform network", () => {
  test("one virtual network in the platform resource group, its address space from var.network", () => {
    const vnets = resources("azurerm_virtual_network");
    expect(Object.keys(vnets)).toEqual(["platform"]);
    const vnet = resource("azurerm_virtual_network", "platform");
    expect(vnet["resource_group_name"]).toBe(ref("azurerm_resource_group.platform.name"));
    expect(vnet["address_space"]).toEqual([ref("var.network.address_space")]);
  });

  test("three subnets in it: aks-nodes, dedicated-clusters, private-endpoints", () => {
    const subnets = resources("azurerm_subnet");
    const expected: Record<string, [string, string]> = {
      aks_nodes: ["aks-nodes", "var.network.aks_nodes"],
      dedicated_clusters: ["dedicated-clusters", "var.network.dedicated_clusters"],
      private_endpoints: ["private-endpoints", "var.network.private_endpoints"],
    };
    expect(Object.keys(subnets).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, [azureName, cidr]] of Object.entries(expected)) {
      const s = resource("azurerm_subnet", name);
      expect(s["name"], name).toBe(azureName);
      expect(s["virtual_network_name"], name).toBe(ref("azurerm_virtual_network.platform.name"));
      expect(s["resource_group_name"], name).toBe(ref("azurerm_resource_group.platform.name"));
      expect(s["address_prefixes"], name).toEqual([ref(cidr)]);
      // Nothing here would take a subnet away from AKS or the endpoints.
      expect(s["delegation"], name).toBeUndefined();
    }
    // azurerm 4.x takes the string form; the 3.x booleans are gone.
    expect(resource("azurerm_subnet", "private_endpoints")["private_endpoint_network_policies"]).toBe("Disabled");
    expect(JSON.stringify(subnets)).not.toMatch(/enforce_private_link|private_endpoint_network_policies_enabled/);
  });

  test("the shared cluster's system pool and every tier pool run in the aks-nodes subnet", () => {
    const cluster = resource("azurerm_kubernetes_cluster", "shared");
    expect(first(cluster["default_node_pool"])["vnet_subnet_id"]).toBe(ref("azurerm_subnet.aks_nodes.id"));
    const pools = resources("azurerm_kubernetes_cluster_node_pool");
    expect(Object.keys(pools).length).toBeGreaterThan(0);
    for (const [name, pool] of Object.entries(pools)) expect(pool["vnet_subnet_id"], name).toBe(ref("azurerm_subnet.aks_nodes.id"));
    // Only overlay keeps the pods out of the subnet, which is what the sizes assume.
    expect(first(cluster["network_profile"])["network_plugin_mode"]).toBe("overlay");
  });

  test("both privatelink zones exist in the platform resource group, each linked to the platform network without auto-registration", () => {
    const zones = resources("azurerm_private_dns_zone");
    const byZoneName = Object.fromEntries(Object.entries(zones).map(([name, body]) => [body["name"] as string, name]));
    expect(Object.keys(byZoneName).sort()).toEqual(["privatelink.blob.core.windows.net", "privatelink.vaultcore.azure.net"]);
    const links = Object.values(resources("azurerm_private_dns_zone_virtual_network_link"));
    for (const [zoneName, name] of Object.entries(byZoneName)) {
      expect(zones[name]?.["resource_group_name"], zoneName).toBe(ref("azurerm_resource_group.platform.name"));
      // azurerm 5.x names the zone by id (4.x took its name and resource group).
      const linked = links.filter((l) => l["private_dns_zone_id"] === ref(`azurerm_private_dns_zone.${name}.id`));
      expect(linked, zoneName).toHaveLength(1);
      const [link] = linked;
      expect(link?.["virtual_network_id"], zoneName).toBe(ref("azurerm_virtual_network.platform.id"));
      expect(link?.["registration_enabled"], zoneName).toBe(false);
    }
  });
});

describe("the shared ingress address", () => {
  test("a Standard, static public IP in the platform resource group", () => {
    const ip = resource("azurerm_public_ip", "ingress");
    expect(ip["sku"]).toBe("Standard");
    expect(ip["allocation_method"]).toBe("Static");
    expect(ip["resource_group_name"]).toBe(ref("azurerm_resource_group.platform.name"));
    expect(ip["zones"]).toBe(ref("var.ingress_public_ip_zones"));
  });

  test("the cluster's identity is Network Contributor on the group holding the address", () => {
    const role = resource("azurerm_role_assignment", "ingress_network");
    expect(role["role_definition_name"]).toBe("Network Contributor");
    expect(role["scope"]).toBe(ref("azurerm_resource_group.platform.id"));
    expect(role["principal_id"]).toBe(ref("azurerm_kubernetes_cluster.shared.identity[0].principal_id"));
  });

  test("a CanNotDelete lock on the address lists in depends_on everything that uses the address", () => {
    const lock = resource("azurerm_management_lock", "ingress");
    expect(lock["scope"]).toBe(ref("azurerm_public_ip.ingress.id"));
    expect(lock["lock_level"]).toBe("CanNotDelete");
    const dependsOn = (lock["depends_on"] as string[] | undefined) ?? [];
    expect(dependsOn).toEqual(expect.arrayContaining([ref("azurerm_dns_a_record.ingress"), ref("azurerm_role_assignment.ingress_network"), ref("azurerm_kubernetes_cluster.shared")]));
    // Whatever reads the address, or the role that lets the cluster attach it, goes after the lock.
    const users = allResources()
      .filter(([address, body]) => address !== "azurerm_management_lock.ingress" && address !== "azurerm_public_ip.ingress" && /azurerm_public_ip\.ingress\b/.test(JSON.stringify(body)))
      .map(([address]) => address);
    expect(users).toContain("azurerm_dns_a_record.ingress");
    for (const address of users) {
      if (address === "azurerm_kubernetes_cluster.shared") continue; // depends on the address, see below
      expect(dependsOn, address).toContain(ref(address));
    }
  });

  test("the cluster depends on the address, so the address is destroyed after the cluster's load balancer", () => {
    const cluster = resource("azurerm_kubernetes_cluster", "shared");
    expect(cluster["depends_on"]).toEqual(expect.arrayContaining([ref("azurerm_public_ip.ingress")]));
  });

  test("the optional alias record targets the address itself, in the platform zone", () => {
    const record = resource("azurerm_dns_a_record", "ingress");
    expect(record["target_resource_id"]).toBe(ref("azurerm_public_ip.ingress.id"));
    expect(record["zone_name"]).toBe(ref("azurerm_dns_zone.platform.name"));
    expect(record["records"]).toBeUndefined();
  });
});

describe("outputs for landlord.yaml", () => {
  const expected: Record<string, { field: RegExp; value: RegExp }> = {
    private_endpoint_subnet_id: { field: /integrations\.cloudPosture\.privateEndpointSubnetId/, value: /azurerm_subnet\.private_endpoints\.id/ },
    dedicated_cluster_subnet_id: { field: /integrations\.cloudPosture\.dedicatedClusterSubnetId/, value: /azurerm_subnet\.dedicated_clusters\.id/ },
    aks_node_subnet_id: { field: /clusters\[\]\.nodeSubnetId/, value: /azurerm_subnet\.aks_nodes\.id/ },
    private_dns_zone_ids: { field: /integrations\.cloudPosture\.privateDnsZoneIds/, value: /azurerm_private_dns_zone\./ },
    ingress_public_ip: { field: /integrations\.dns\.target/, value: /azurerm_public_ip\.ingress\.ip_address/ },
    ingress_public_ip_name: { field: /azure-pip-name/, value: /azurerm_public_ip\.ingress\.name/ },
    ingress_public_ip_resource_group_name: { field: /azure-load-balancer-resource-group/, value: /azurerm_public_ip\.ingress\.resource_group_name/ },
  };

  test("every new output exists, names the landlord.yaml field it feeds, and reads the right resource", () => {
    const out = outputs();
    for (const [name, { field, value }] of Object.entries(expected)) {
      expect(out[name], name).toBeDefined();
      expect(out[name]?.["description"], name).toMatch(field);
      expect(JSON.stringify(out[name]?.["value"]), name).toMatch(value);
    }
  });

  test("private_dns_zone_ids has exactly the keys of integrations.cloudPosture.privateDnsZoneIds, each the matching zone", () => {
    expect(outputs()["private_dns_zone_ids"]?.["value"]).toEqual({ keyVault: ref("azurerm_private_dns_zone.key_vault.id"), blob: ref("azurerm_private_dns_zone.blob.id") });
    expect(resource("azurerm_private_dns_zone", "key_vault")["name"]).toBe("privatelink.vaultcore.azure.net");
    expect(resource("azurerm_private_dns_zone", "blob")["name"]).toBe("privatelink.blob.core.windows.net");
  });

  test("landlord.yaml accepts the resource IDs these resources get", () => {
    const sub = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-landlord-platform/providers/Microsoft.Network";
    const subnet = (name: string) => `${sub}/virtualNetworks/vnet-aks-landlord/subnets/${resource("azurerm_subnet", name)["name"] as string}`;
    const zone = (name: string) => `${sub}/privateDnsZones/${resource("azurerm_private_dns_zone", name)["name"] as string}`;
    const doc = parseDocument(PLATFORM_TEMPLATE);
    doc.setIn(["integrations", "cloudPosture"], {
      privateEndpointSubnetId: subnet("private_endpoints"),
      dedicatedClusterSubnetId: subnet("dedicated_clusters"),
      privateDnsZoneIds: { keyVault: zone("key_vault"), blob: zone("blob") },
    });
    doc.setIn(["clusters", 0, "nodeSubnetId"], subnet("aks_nodes"));
    const posture = platform(doc.toString()).config.integrations.cloudPosture;
    expect(posture.privateDnsZoneIds).toEqual({ keyVault: zone("key_vault"), blob: zone("blob") });
    expect(posture.privateEndpointSubnetId).toBe(subnet("private_endpoints"));
    expect(posture.dedicatedClusterSubnetId).toBe(subnet("dedicated_clusters"));
  });
});

describe("plan-time checks, with the real terraform", () => {
  const base = { location: "westeurope", resource_group_name: "rg-landlord-platform", cluster_name: "aks-landlord", dns_zone_name: "apps.example.com" };
  const defaults = { address_space: "10.224.0.0/12", aks_nodes: "10.224.0.0/16", dedicated_clusters: "10.225.0.0/16", private_endpoints: "10.226.0.0/22" };
  let h: PlanHarness;
  beforeAll(async () => {
    h = await PlanHarness.create(PLATFORM_DIR);
  });

  test("the defaults and terraform.tfvars.example plan cleanly, and the network and the address are named after the cluster", async () => {
    const locals = await h.locals(base);
    expect(locals["virtual_network_name"]).toBe("vnet-aks-landlord");
    expect(locals["ingress_public_ip_name"]).toBe("pip-aks-landlord-ingress");
    const example = await h.run(["plan", "-input=false", "-no-color", "-lock=false", `-var-file=${join(PLATFORM_DIR, "terraform.tfvars.example")}`]);
    expect(example.output).not.toMatch(/Error/);
    expect(example.ok).toBe(true);
    expect((await h.plan({ ...base, network: defaults, ingress_public_ip_zones: ["1", "2", "3"], ingress_dns_record_name: "ingress" })).ok).toBe(true);
    expect((await h.plan({ ...base, network: { address_space: "172.16.0.0/16", aks_nodes: "172.16.0.0/20", dedicated_clusters: "172.16.16.0/20", private_endpoints: "172.16.32.0/29" } })).ok).toBe(true);
  });

  test.each([
    ["a subnet outside the address space", { dedicated_clusters: "10.240.0.0/16" }, /must lie inside network\.address_space/],
    ["overlapping subnets", { private_endpoints: "10.224.8.0/22" }, /must not overlap/],
    ["a subnet holding another", { aks_nodes: "10.224.0.0/14" }, /must not overlap/],
    ["a range with host bits set", { aks_nodes: "10.224.1.0/16" }, /written with its network address/],
    ["something that is no CIDR", { private_endpoints: "10.226.0.0" }, /must be an IPv4 CIDR/],
    ["an IPv6 range", { address_space: "fd00::/8" }, /must be an IPv4 CIDR/],
    ["a subnet smaller than a /29", { private_endpoints: "10.226.0.0/30" }, /\/29 or larger/],
    ["an address space over the cluster's pod range", { address_space: "10.240.0.0/12", aks_nodes: "10.240.0.0/16", dedicated_clusters: "10.241.0.0/16", private_endpoints: "10.242.0.0/22" }, /must not overlap 10\.0\.0\.0\/16 or 10\.244\.0\.0\/16/],
    ["an address space over the service range", { address_space: "10.0.0.0/8", aks_nodes: "10.224.0.0/16", dedicated_clusters: "10.225.0.0/16", private_endpoints: "10.226.0.0/22" }, /must not overlap 10\.0\.0\.0\/16/],
  ])("refuses %s", async (_what, change, message) => {
    const r = await h.plan({ ...base, network: { ...defaults, ...change } });
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(message);
  });

  test("a malformed range is named once, not by every network check", async () => {
    const r = await h.plan({ ...base, network: { ...defaults, aks_nodes: "nonsense" } });
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/must be an IPv4 CIDR/);
    expect(r.output).not.toMatch(/must lie inside|must not overlap|\/29 or larger/);
  });

  test("ingress zones: none, one or all three; two would be spread over three by Azure and replaced on the next plan", async () => {
    for (const zones of [[], ["2"], ["1", "2", "3"]]) expect((await h.plan({ ...base, ingress_public_ip_zones: zones })).ok, JSON.stringify(zones)).toBe(true);
    for (const zones of [["1", "2"], ["1", "1", "2"], ["4"]]) {
      const r = await h.plan({ ...base, ingress_public_ip_zones: zones });
      expect(r.ok, JSON.stringify(zones)).toBe(false);
      expect(r.output).toMatch(/ingress_public_ip_zones must be \[\], one of/);
    }
  });

  test("the alias record name is one DNS label or empty", async () => {
    for (const name of ["Ingress", "a.b", "@", "*"]) {
      const r = await h.plan({ ...base, ingress_dns_record_name: name });
      expect(r.ok, name).toBe(false);
      expect(r.output).toMatch(/ingress_dns_record_name must be "" or one lowercase DNS label/);
    }
  });

  test("a resource group name longer than AKS's node labels allow fails at plan time, not at the cluster's creation", async () => {
    const r = await h.plan({ ...base, resource_group_name: `rg-${"x".repeat(61)}` });
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/resource_group_name must be at most 63 characters/);
    expect((await h.plan({ ...base, resource_group_name: `rg-${"x".repeat(60)}` })).ok).toBe(true);
  });
});

test("terraform fmt -check passes on terraform/platform", async () => {
  const r = await exec("terraform", ["fmt", "-check", "-recursive", PLATFORM_DIR]).then(
    () => ({ ok: true, out: "" }),
    (e: unknown) => ({ ok: false, out: (e as { stdout?: string }).stdout ?? "" }),
  );
  expect(r.out).toBe("");
  expect(r.ok).toBe(true);
});
