/**
 * Existing cloud resources taken over by Terraform `import` blocks: only those named as the
 * customer-instance module names them for this tenant (a different name is a forced
 * replacement in azurerm), at addresses the module really declares, in HCL the real
 * terraform binary parses. Everything else is left where it is and the plan says so.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { cloudAdoption } from "../../src/adopt/terraform-imports.js";
import { resourcesOfState } from "../../src/adopt/terraform-state.js";
import { InputError } from "../../src/errors.js";
import { renderBundle } from "../../src/render/bundle.js";
import { importsTf } from "../../src/render/terraform/imports.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";

const exec = promisify(execFile);
const MODULE_DIR = resolve(import.meta.dirname, "../../terraform/modules/customer-instance");

function vars() {
  const ctx = platform();
  const [t] = fleet(ctx, [tenantFile("contoso", { domains: ["contoso.apps.example.com"] })]);
  if (!t) throw new Error("fixture did not resolve");
  return renderBundle(ctx.config, t).terraform.variables;
}

function state(v: ReturnType<typeof vars>): unknown {
  const sub = "/subscriptions/0000/resourceGroups";
  const inst = (attributes: Record<string, unknown>, index_key?: string) => ({ ...(index_key !== undefined ? { index_key } : {}), attributes });
  return {
    version: 4,
    resources: [
      { mode: "managed", type: "azurerm_resource_group", name: "main", instances: [inst({ id: `${sub}/${v.resource_group_name}`, name: v.resource_group_name })] },
      { mode: "managed", type: "azurerm_key_vault", name: "kv", instances: [inst({ id: `${sub}/${v.resource_group_name}/providers/Microsoft.KeyVault/vaults/${v.key_vault_name}`, name: v.key_vault_name })] },
      { mode: "managed", type: "azurerm_storage_account", name: "backups", module: "module.data", instances: [inst({ id: `${sub}/rg/providers/Microsoft.Storage/storageAccounts/contosobackups`, name: "contosobackups" })] },
      { mode: "managed", type: "azurerm_dns_a_record", name: "site", instances: [inst({ id: `${sub}/dns/providers/Microsoft.Network/dnsZones/${v.dns_zone_name}/A/contoso`, name: "contoso" }, "contoso")] },
      { mode: "managed", type: "azurerm_linux_web_app", name: "legacy", instances: [inst({ id: `${sub}/rg/providers/Microsoft.Web/sites/contoso-legacy`, name: "contoso-legacy" })] },
      { mode: "data", type: "azurerm_client_config", name: "current", instances: [inst({ id: "x" })] },
    ],
  };
}

describe("a Terraform state read for adoption", () => {
  test("lists managed resource instances with their addresses, names and ids; data sources own nothing", () => {
    const v = vars();
    const found = resourcesOfState(state(v), "state.json");
    expect(found.map((r) => r.address)).toEqual(["azurerm_resource_group.main", "azurerm_key_vault.kv", "module.data.azurerm_storage_account.backups", 'azurerm_dns_a_record.site["contoso"]', "azurerm_linux_web_app.legacy"]);
  });

  test("refuses what is not a version 4 state, naming the flag", () => {
    const err = (() => {
      try {
        resourcesOfState({ version: 3, modules: [] }, "old.tfstate");
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems[0]).toMatchObject({ file: "old.tfstate", fix: expect.stringContaining("--terraform-state") as unknown });
  });
});

describe("import blocks", () => {
  test("import what the module names the same, rename what it names otherwise, and keep what it does not make", () => {
    const v = vars();
    const { imports, plan } = cloudAdoption(resourcesOfState(state(v), "state.json"), v);
    expect(imports.map((i) => i.to)).toEqual(["module.instance.azurerm_resource_group.this", "module.instance.azurerm_key_vault.this", 'module.instance.azurerm_dns_a_record.this["contoso"]']);
    expect(plan.map((p) => p.action)).toEqual(["import", "import", "rename", "import", "keep"]);
    expect(plan[2]?.how).toContain(v.storage_account_name);
  });

  test("target addresses the customer-instance module declares, keyed as its for_each keys them", async () => {
    const v = vars();
    const { imports } = cloudAdoption(resourcesOfState(state(v), "state.json"), v);
    const source = (await Promise.all((await readdir(MODULE_DIR)).filter((f) => f.endsWith(".tf")).map((f) => readFile(join(MODULE_DIR, f), "utf8")))).join("\n");
    for (const i of imports) {
      const m = /^module\.instance\.([a-z_]+)\.([a-z_]+)(\[.*\])?$/.exec(i.to);
      expect(m, i.to).not.toBeNull();
      const block = new RegExp(`resource "${m?.[1] ?? ""}" "${m?.[2] ?? ""}" \\{([\\s\\S]*?)\\n\\}`).exec(source);
      expect(block, `${i.to} is not declared by the module`).not.toBeNull();
      // An instance key only where the module uses for_each, none where it makes one.
      expect(/^\s*for_each\s*=/m.test(block?.[1] ?? ""), i.to).toBe(m?.[3] !== undefined);
    }
  });

  test("are HCL the real terraform binary parses, with ids escaped", async () => {
    const dir = await mkdtemp(join(tmpdir(), "landlord-imports-"));
    const text = importsTf([
      { to: "module.instance.azurerm_key_vault.this", id: "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv" },
      { to: 'module.instance.azurerm_dns_a_record.this["odd"]', id: 'weird "quoted" ${not_a_template} %{nor_this}' },
    ]);
    await writeFile(join(dir, "imports.tf"), text);
    const bin = await exec("terraform", ["version"]).then(() => "terraform", () => "tofu");
    const fmt = await exec(bin, ["fmt", "-check", "-diff", dir]).then((r) => ({ code: 0, out: r.stdout }), (err: unknown) => {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    });
    expect(fmt, fmt.out).toEqual({ code: 0, out: "" });
    expect(text).toContain('id = "weird \\"quoted\\" $${not_a_template} %%{nor_this}"');
    expect(importsTf([])).toBe("");
  });
});
