/**
 * Issue 10, items 5 and 6, over the customer-instance module: plans that pass must not
 * hide applies that fail, and the cloud posture defaults to deny. Plan-time checks run
 * with the real terraform binary (support/plan-harness.ts); what only azurerm could say
 * is checked structurally over the parsed HCL. Each test fails on the module before this
 * change (compliance-driven vault settings, no rotation name, lifecycle = recovery window,
 * public networks by default).
 */
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { parse } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, test } from "vitest";
import { renderBundle } from "../../src/render/bundle.js";
import { baseBackupIntervalDays } from "../../src/render/terraform/backup-window.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";
import { platformWith } from "../support/platform-variants.js";
import { registrationKeys } from "../../src/render/gitops/argocd.js";
import { blocks, PlanHarness } from "./support/plan-harness.js";

const exec = promisify(execFile);
const TERRAFORM_DIR = resolve(import.meta.dirname, "../../terraform");
const MODULE_DIR = join(TERRAFORM_DIR, "modules/customer-instance");

// terraform is part of the toolchain here (README: what runs where); a missing binary is a
// failure with the way to install it, not a skip.
beforeAll(async () => {
  await exec("terraform", ["version"]).catch(() => {
    throw new Error("terraform is not on PATH: install it (e.g. `go install github.com/hashicorp/terraform@v1.11.4`, or HashiCorp's apt repository) and run again");
  });
});

async function example(tier: "small" | "medium" | "large"): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(MODULE_DIR, "examples", `${tier}.tfvars.json`), "utf8")) as Record<string, unknown>;
}

/** hcl2json's shape: resource -> type -> name -> [body]; variable -> name -> [body]; locals -> [entries]. */
type Hcl = { resource?: Record<string, Record<string, Record<string, unknown>[]>>; variable?: Record<string, Record<string, unknown>[]>; locals?: Record<string, unknown>[] };
async function moduleFiles(dir: string): Promise<Record<string, Hcl>> {
  const out: Record<string, Hcl> = {};
  for (const f of (await readdir(dir)).filter((x) => x.endsWith(".tf"))) out[f] = (await parse(f, await readFile(join(dir, f), "utf8"))) as Hcl;
  return out;
}
const resourcesOf = (files: Record<string, Hcl>, type: string) =>
  Object.values(files).flatMap((h) => Object.entries(h.resource?.[type] ?? {}).map(([name, body]) => ({ name, body: body[0] ?? {} })));

const ctx = platform();
const varsFor = (name: string, o: Parameters<typeof tenantFile>[1] = {}, c = ctx) => {
  const [t] = fleet(c, [tenantFile(name, o)]);
  if (!t) throw new Error("no tenant");
  return renderBundle(c.config, t).terraform.variables;
};

describe("item 5: a compliance tag flips nothing Azure cannot change", () => {
  test("the generator gives a vault the same retention and purge protection with or without compliance regimes", () => {
    // hipaa is only valid on a dedicated tier with private endpoints (the init template's policy.compliance).
    const c = platform(platformWith(["integrations", "cloudPosture"], { privateEndpointSubnetId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pe" }));
    const plain = varsFor("acme", { tier: "medium" }, c);
    const strict = varsFor("acme", { tier: "medium", spec: { compliance: ["gdpr", "hipaa"] } }, c);
    expect(strict.compliance).toEqual(["gdpr", "hipaa"]);
    expect(strict.key_vault_soft_delete_retention_days).toBe(plain.key_vault_soft_delete_retention_days);
    expect(strict.cloud_posture.purge_protection_enabled).toBe(plain.cloud_posture.purge_protection_enabled);
  });

  test("in the module, neither vault setting depends on var.compliance (through any local)", async () => {
    const files = await moduleFiles(MODULE_DIR);
    const locals = Object.assign({}, ...Object.values(files).flatMap((h) => h.locals ?? [])) as Record<string, unknown>;
    const reads = (expr: unknown, seen = new Set<string>()): Set<string> => {
      const text = JSON.stringify(expr);
      const out = new Set<string>([...text.matchAll(/var\.([a-z_]+)/g)].map((m) => m[1] ?? ""));
      for (const m of text.matchAll(/local\.([a-z_]+)/g)) {
        const name = m[1] ?? "";
        if (seen.has(name)) continue;
        seen.add(name);
        for (const v of reads(locals[name], seen)) out.add(v);
      }
      // Values taken from another resource: follow it (terraform_data records its input).
      for (const m of text.matchAll(/terraform_data\.([a-z_]+)/g)) {
        const [data] = resourcesOf(files, "terraform_data").filter((r) => r.name === m[1]);
        for (const v of reads(data?.body["input"], seen)) out.add(v);
      }
      return out;
    };
    const [vault] = resourcesOf(files, "azurerm_key_vault");
    expect(vault).toBeDefined();
    for (const attr of ["soft_delete_retention_days", "purge_protection_enabled"]) {
      expect(vault?.body[attr], attr).toBeDefined();
      expect([...reads(vault?.body[attr])], attr).not.toContain("compliance");
    }
  });

  test("changing the retention or purge protection of an existing vault fails at plan time with the reason", async () => {
    const h = await PlanHarness.create(MODULE_DIR);
    const created = await example("medium");
    expect((await h.apply(created)).output).toMatch(/Apply complete/);
    expect((await h.plan(created)).ok).toBe(true);
    const retention = await h.plan({ ...created, key_vault_soft_delete_retention_days: 30 });
    expect(retention.ok).toBe(false);
    expect(retention.output).toMatch(/was created with soft_delete_retention_days = 90; Azure cannot change it \(asked for 30\)/);
    const purge = await h.plan({ ...created, cloud_posture: { ...(created["cloud_posture"] as object), purge_protection_enabled: false } });
    expect(purge.ok).toBe(false);
    expect(purge.output).toMatch(/was created with purge_protection_enabled = true; it is fixed for the life of the vault/);
    // A compliance change alone plans cleanly.
    expect((await h.plan({ ...created, compliance: [] })).ok).toBe(true);
  });
});

describe("item 5: a VM size change in a tier can be applied", () => {
  test("every AKS pool the modules manage has a temporary name for rotation", async () => {
    for (const dir of [MODULE_DIR, join(TERRAFORM_DIR, "platform")]) {
      const files = await moduleFiles(dir);
      const pools = resourcesOf(files, "azurerm_kubernetes_cluster_node_pool");
      for (const p of pools) expect(p.body["temporary_name_for_rotation"], `${dir}: ${p.name}`).toBeDefined();
      for (const c of resourcesOf(files, "azurerm_kubernetes_cluster")) {
        const pool = (c.body["default_node_pool"] as Record<string, unknown>[] | undefined)?.[0];
        expect(pool?.["temporary_name_for_rotation"], `${dir}: ${c.name} default pool`).toBeDefined();
      }
    }
  });

  test("the tenant pool's rotation name is a valid pool name, differs from the pool's, and differs between tenants", async () => {
    const h = await PlanHarness.create(MODULE_DIR);
    const base = await example("medium");
    const names = ["tglobex12345", "tinitech9876", "r1", "tacme"];
    const rotations: string[] = [];
    for (const name of names) {
      const locals = await h.locals({ ...base, node_pool: { ...(base["node_pool"] as object), name } });
      const rotation = locals["node_pool_rotation_name"] as string;
      expect(rotation).toMatch(/^[a-z][a-z0-9]{0,11}$/);
      expect(rotation).not.toBe(name);
      rotations.push(rotation);
    }
    expect(new Set(rotations).size).toBe(names.length);
  });
});

describe("item 5: the storage lifecycle keeps what a recovery needs", () => {
  test("for each tier, the generator keeps blobs longer than the recovery window plus a base-backup interval", () => {
    for (const [name, tier] of [["acme", "small"], ["globex", "medium"], ["initech", "large"]] as const) {
      const v = varsFor(name, { tier });
      const [t] = fleet(ctx, [tenantFile(name, { tier })]);
      const backup = t?.effective.database.backup;
      expect(v.database_backups.recovery_window_days, tier).toBe(backup?.retentionDays);
      expect(v.backup_retention_days, tier).toBeGreaterThan((backup?.retentionDays ?? 0) + baseBackupIntervalDays(backup?.schedule ?? ""));
    }
  });

  test("the module refuses at plan time a lifecycle that would delete the base backup of the window", async () => {
    const h = await PlanHarness.create(MODULE_DIR);
    const v = await example("small");
    expect((await h.plan(v)).ok).toBe(true);
    const tight = await h.plan({ ...v, backup_retention_days: 8, database_backups: { recovery_window_days: 7, base_backup_interval_days: 1 } });
    expect(tight.ok).toBe(false);
    expect(tight.output).toMatch(/backup_retention_days \(8\) must exceed the CloudNativePG recovery window \(7\)/);
  });

  test("the longest gap between base backups is bounded from the schedule", () => {
    expect(baseBackupIntervalDays("0 0 2 * * *")).toBe(1);
    expect(baseBackupIntervalDays("0 0 */6 * * *")).toBe(1);
    expect(baseBackupIntervalDays("0 0 2 * * 0")).toBe(7);
    expect(baseBackupIntervalDays("0 0 2 1 * *")).toBe(31);
    expect(baseBackupIntervalDays("0 0 2 1 1 *")).toBe(366);
  });
});

describe("item 6: cloud posture follows the Azure Verified Modules defaults, with explicit opt-outs", () => {
  test("by default: no public network access, private endpoints, audit diagnostics, locks, purge protection", async () => {
    const files = await moduleFiles(MODULE_DIR);
    const variables = (files["variables.tf"]?.variable?.["cloud_posture"]?.[0] ?? {}) as { default?: Record<string, unknown> };
    expect(variables.default).toMatchObject({ public_network_access_enabled: false, diagnostics_enabled: true, locks_enabled: true, purge_protection_enabled: true });
    const v = varsFor("acme");
    expect(v.cloud_posture).toMatchObject({ public_network_access_enabled: false, diagnostics_enabled: true, locks_enabled: true, purge_protection_enabled: true });
    const [vault] = resourcesOf(files, "azurerm_key_vault");
    const [account] = resourcesOf(files, "azurerm_storage_account");
    for (const r of [vault, account]) expect(JSON.stringify(r?.body["public_network_access_enabled"])).toMatch(/cloud_posture\.public_network_access_enabled/);
    const targets = (type: string, key: string) => resourcesOf(files, type).map((r) => JSON.stringify(r.body[key]));
    for (const [type, key] of [
      ["azurerm_private_endpoint", "private_service_connection"],
      ["azurerm_monitor_diagnostic_setting", "target_resource_id"],
      ["azurerm_management_lock", "scope"],
    ] as const) {
      const t = targets(type, key).join("\n");
      expect(t, type).toMatch(/azurerm_key_vault\.this\.id/);
      expect(t, type).toMatch(/azurerm_storage_account\.backups\.id/);
    }
  });

  test("deny without a private endpoint subnet, or diagnostics without a workspace, is refused at plan time naming the landlord.yaml field", async () => {
    const h = await PlanHarness.create(MODULE_DIR);
    const v = await example("small");
    const posture = v["cloud_posture"] as Record<string, unknown>;
    const noSubnet = await h.plan({ ...v, cloud_posture: { ...posture, private_endpoint_subnet_id: "" } });
    expect(noSubnet.output).toMatch(/integrations\.cloudPosture\.privateEndpointSubnetId/);
    const noWorkspace = await h.plan({ ...v, cloud_posture: { ...posture, log_analytics_workspace_id: "" } });
    expect(noWorkspace.output).toMatch(/integrations\.cloudPosture\.logAnalyticsWorkspaceId/);
    // The opt-outs are accepted.
    expect((await h.plan({ ...v, cloud_posture: { ...posture, private_endpoint_subnet_id: "", public_network_access_enabled: true, log_analytics_workspace_id: "", diagnostics_enabled: false } })).ok).toBe(true);
  });

  test("the opt-outs in landlord.yaml reach the tenant's variables", () => {
    const optedOut = platform(platformWith(["integrations", "cloudPosture"], { publicNetworkAccess: true, diagnostics: false, locks: false, purgeProtection: false }));
    expect(varsFor("acme", {}, optedOut).cloud_posture).toEqual({
      public_network_access_enabled: true,
      private_endpoint_subnet_id: "",
      key_vault_private_dns_zone_id: "",
      blob_private_dns_zone_id: "",
      diagnostics_enabled: false,
      log_analytics_workspace_id: "",
      locks_enabled: false,
      purge_protection_enabled: false,
    });
  });

  test("the generated workspace manages storage through Azure Resource Manager only and reads state with Entra ID", async () => {
    const { tenantWorkspace } = await import("../../src/render/terraform/workspace.js");
    const withBackend = platform(platformWith(["integrations", "terraform", "backend"], { resourceGroupName: "rg-state", storageAccountName: "ststate", containerName: "tfstate" }));
    const [main] = tenantWorkspace(withBackend.config, varsFor("acme", {}, withBackend));
    expect(blocks(main?.text ?? "", "storage").join("\n")).toMatch(/data_plane_available = false/);
    expect(main?.text).toMatch(/use_azuread_auth\s+= true/);
  });
});

describe("item 7: a dedicated cluster registers itself with Argo CD", () => {
  test("the module writes the two Key Vault entries the fleet repository's registration reads, and grants Argo CD's identity on the cluster", async () => {
    const files = await moduleFiles(MODULE_DIR);
    const secrets = resourcesOf(files, "azurerm_key_vault_secret").map((r) => String(r.body["name"]).replace("${var.dedicated_cluster.name}", "aks-initech"));
    const keys = registrationKeys("aks-initech");
    expect(secrets.sort()).toEqual([keys.caData, keys.server].sort());
    const [grant] = resourcesOf(files, "azurerm_role_assignment").filter((r) => r.name === "argocd_cluster_admin");
    expect(grant?.body["role_definition_name"]).toBe("Azure Kubernetes Service RBAC Cluster Admin");
    expect(String(grant?.body["scope"])).toMatch(/azurerm_kubernetes_cluster\.dedicated\[0\]\.id/);
  });
});
