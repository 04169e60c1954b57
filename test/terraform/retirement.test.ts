/**
 * Issue 24, items 1, 2, 3 and 5 over the customer-instance module: a retained (offboarded)
 * tenant keeps only its data; locks are created last and destroyed first; two identities,
 * each with one role; names that grant access are per incarnation. What only azurerm could
 * say is checked over the parsed HCL; the variables and plan-time checks run in the real
 * terraform binary (support/plan-harness.ts).
 */
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { describe, expect, test } from "vitest";
import { renderBundle } from "../../src/render/bundle.js";
import { incarnationId } from "../../src/spec/cloud-names.js";
import { resolveTenant } from "../../src/spec/resolve.js";
import { platform, tenantDoc } from "../support/fixtures.js";
import { PlanHarness } from "./support/plan-harness.js";

const MODULE_DIR = resolve(import.meta.dirname, "../../terraform/modules/customer-instance");

type Body = Record<string, unknown>;
async function resources(): Promise<Map<string, Body>> {
  const out = new Map<string, Body>();
  for (const f of (await readdir(MODULE_DIR)).filter((x) => x.endsWith(".tf"))) {
    const hcl = (await parse(f, await readFile(join(MODULE_DIR, f), "utf8"))) as { resource?: Record<string, Record<string, Body[]>> };
    for (const [type, byName] of Object.entries(hcl.resource ?? {})) for (const [name, [body]] of Object.entries(byName)) out.set(`${type}.${name}`, body ?? {});
  }
  return out;
}
const text = (v: unknown): string => JSON.stringify(v ?? "");

/** What an offboarded tenant must not keep: it grants access, serves traffic or costs compute. */
const GONE_WHEN_RETAINED = [
  "azurerm_federated_identity_credential.app",
  "azurerm_federated_identity_credential.database",
  "azurerm_federated_identity_credential.database_restore",
  "azurerm_kubernetes_cluster_node_pool.tenant",
  "azurerm_kubernetes_cluster.dedicated",
  "azurerm_kubernetes_cluster_node_pool.dedicated_app",
  "azurerm_resource_group.ingress",
  "azurerm_public_ip.ingress",
  "azurerm_management_lock.ingress",
  "azurerm_role_assignment.ingress_network",
  "azurerm_dns_a_record.this",
  "azurerm_dns_cname_record.this",
  "azurerm_private_endpoint.key_vault",
  "azurerm_private_endpoint.blob",
  "azurerm_key_vault_secret.argocd_server",
  "azurerm_key_vault_secret.argocd_ca",
  "azurerm_role_assignment.argocd_cluster_admin",
];
/** The data and what guards it, kept until the purge. */
const KEPT_WHEN_RETAINED = [
  "azurerm_resource_group.this",
  "azurerm_key_vault.this",
  "azurerm_storage_account.backups",
  "azurerm_storage_container.backups",
  "azurerm_storage_management_policy.backups",
  "azurerm_management_lock.key_vault",
  "azurerm_management_lock.backups",
];

describe("item 2: an offboarded tenant keeps its data and nothing else", () => {
  test("every resource that grants access, serves or costs compute is counted off by retained (directly or through local.active)", async () => {
    const all = await resources();
    for (const address of GONE_WHEN_RETAINED) {
      const body = all.get(address);
      expect(body, address).toBeDefined();
      expect(text(body?.["count"] ?? body?.["for_each"]), address).toMatch(/local\.(active|dedicated_active|argocd_register)/);
    }
  });

  test("the data resources and their locks do not depend on retained", async () => {
    const all = await resources();
    for (const address of KEPT_WHEN_RETAINED) {
      const body = all.get(address);
      expect(body, address).toBeDefined();
      expect(text(body?.["count"] ?? body?.["for_each"]), address).not.toMatch(/active|retained/);
    }
  });

  test("with retained = true the module's variables and plan-time checks accept every tier's inputs, and local.active is false", async () => {
    const h = await PlanHarness.create(MODULE_DIR);
    for (const tier of ["small", "medium", "large"]) {
      const vars = JSON.parse(await readFile(join(MODULE_DIR, "examples", `${tier}.tfvars.json`), "utf8")) as Record<string, unknown>;
      const locals = await h.locals({ ...vars, retained: true });
      expect(locals["active"], tier).toBe(false);
      if (tier === "large") expect(locals["dedicated_active"]).toBe(false);
    }
  });
});

describe("item 3: locks are created last and destroyed first", () => {
  test("each lock depends on every resource that lives under its scope or points into it", async () => {
    const all = await resources();
    const locks = [...all.entries()].filter(([a]) => a.startsWith("azurerm_management_lock."));
    expect(locks.map(([a]) => a).sort()).toEqual(["azurerm_management_lock.backups", "azurerm_management_lock.ingress", "azurerm_management_lock.key_vault"]);
    for (const [address, lock] of locks) {
      // The locked resource: `${azurerm_x.y.id}` or `${azurerm_x.y[0].id}`.
      const scope = /\$\{(azurerm_[a-z_]+\.[a-z_]+)(\[0\])?\.id\}/.exec(text(lock["scope"]))?.[1];
      expect(scope, address).toBeDefined();
      const dependsOn = new Set((lock["depends_on"] as string[] | undefined) ?? []);
      const under = [...all.entries()].filter(([a, body]) => a !== address && a !== scope && new RegExp(`${(scope ?? "").replace(/\./g, "\\.")}(\\[0\\])?\\.id`).test(text(body)));
      expect(under.length, address).toBeGreaterThan(0);
      for (const [a] of under) {
        // A resource the lock's own target needs (e.g. a cluster the address is made before) is no child of it.
        if (a === "azurerm_kubernetes_cluster.dedicated" || a.startsWith("azurerm_key_vault_secret.")) continue;
        expect([...dependsOn].map((d) => d.replace(/^\$\{|\}$/g, "")), `${address} must depend on ${a}`).toContain(a);
      }
    }
  });
});

describe("item 5: two identities, one role each", () => {
  test("the app identity only reads the vault; the database identity only writes the backups; each is federated with its own service account", async () => {
    const all = await resources();
    const roles = [...all.entries()].filter(([a]) => a.startsWith("azurerm_role_assignment."));
    const of = (identity: string) => roles.filter(([, b]) => text(b["principal_id"]).includes(`azurerm_user_assigned_identity.${identity}.principal_id`)).map(([, b]) => [b["role_definition_name"], text(b["scope"])]);
    expect(of("app")).toEqual([["Key Vault Secrets User", text("${azurerm_key_vault.this.id}")]]);
    expect(of("database")).toEqual([["Storage Blob Data Contributor", text("${azurerm_storage_account.backups.id}")]]);
    expect(text(all.get("azurerm_federated_identity_credential.app")?.["subject"])).toContain("var.workload_identity.app_service_account");
    expect(text(all.get("azurerm_federated_identity_credential.app")?.["user_assigned_identity_id"])).toContain("azurerm_user_assigned_identity.app.id");
    expect(text(all.get("azurerm_federated_identity_credential.database")?.["subject"])).toContain("var.workload_identity.database_service_account");
    expect(text(all.get("azurerm_federated_identity_credential.database")?.["user_assigned_identity_id"])).toContain("azurerm_user_assigned_identity.database.id");
    // The scratch namespace's copy (restore --into, backup verify) reads the archive as the database identity, and nothing else is federated there.
    expect(text(all.get("azurerm_federated_identity_credential.database_restore")?.["subject"])).toContain("${var.workload_identity.namespace}-restore:${var.workload_identity.database_service_account}");
    expect(text(all.get("azurerm_federated_identity_credential.database_restore")?.["user_assigned_identity_id"])).toContain("azurerm_user_assigned_identity.database.id");
    expect(all.has("azurerm_user_assigned_identity.workload")).toBe(false);
  });

  test("the same service account for both workloads is refused by the module's variables", async () => {
    const h = await PlanHarness.create(MODULE_DIR);
    const small = JSON.parse(await readFile(join(MODULE_DIR, "examples", "small.tfvars.json"), "utf8")) as { workload_identity: Record<string, string> };
    const r = await h.plan({ ...small, workload_identity: { ...small.workload_identity, database_service_account: small.workload_identity["app_service_account"] } });
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/app and database service accounts must differ/);
  });
});

describe("item 1: names that grant access or would collide are per incarnation", () => {
  const ctx = platform();
  const varsAt = (incarnation: string | undefined, cloud = {}) => {
    const r = resolveTenant(ctx, { file: "t.yaml", index: 0, value: tenantDoc("acme") }, incarnation === undefined ? {} : { incarnation });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    return renderBundle(ctx.config, r.value, cloud).terraform.variables;
  };

  test("two incarnations of a name get different resource groups (and so identities and federated credentials), vaults and storage", () => {
    const a = varsAt(incarnationId("k3x9q2m7aa"));
    const b = varsAt(incarnationId("p0d8w1z4bb"));
    expect(a.resource_group_name).not.toBe(b.resource_group_name);
    expect(a.key_vault_name).not.toBe(b.key_vault_name);
    expect(a.storage_account_name).not.toBe(b.storage_account_name);
    expect(a.resource_group_name).not.toBe(varsAt(undefined).resource_group_name);
  });

  test("a resource group Terraform made keeps its name: recorded outputs pin it, and outputs from before the split keep the per-name group", () => {
    const fresh = varsAt("k3x9q2m7aa");
    expect(varsAt("k3x9q2m7aa", { resourceGroupName: "rg-made-earlier" }).resource_group_name).toBe("rg-made-earlier");
    expect(varsAt("k3x9q2m7aa", { identityClientId: "00000000-1111-2222-3333-444444444444" }).resource_group_name).toBe(varsAt(undefined).resource_group_name);
    expect(varsAt("k3x9q2m7aa", {}).resource_group_name).toBe(fresh.resource_group_name);
  });
});
