/**
 * Which existing cloud resources Landlord's customer-instance module takes over, as
 * Terraform `import` blocks (Terraform 1.5 and later, OpenTofu 1.6 and later): a resource is
 * imported only when it has the name the module gives it for this tenant, because a
 * different name is a forced replacement in azurerm, and adoption must never recreate what
 * holds a customer's data. Everything else stays where it is, outside Landlord, and the
 * plan says so.
 */
import type { ImportBlock } from "../render/terraform/imports.js";
import type { CustomerInstanceVars } from "../render/terraform/tfvars.js";
import type { ExistingCloudResource } from "./existing-setup.js";
import type { PlanItem } from "./proposal.js";

const MODULE = "module.instance";

/** The module's address for a resource of this type and name, if the module makes one. */
function targetOf(r: ExistingCloudResource, v: CustomerInstanceVars): { to: string; expected: string } | { expected: string } | undefined {
  const one = (address: string, expected: string) => (r.name === expected ? { to: `${MODULE}.${address}`, expected } : { expected });
  switch (r.type) {
    case "azurerm_resource_group":
      return one("azurerm_resource_group.this", v.resource_group_name);
    case "azurerm_key_vault":
      return one("azurerm_key_vault.this", v.key_vault_name);
    case "azurerm_storage_account":
      return one("azurerm_storage_account.backups", v.storage_account_name);
    case "azurerm_storage_container":
      return one("azurerm_storage_container.backups", v.backup_container_name);
    case "azurerm_dns_a_record": {
      const names = v.dns_records.filter((d) => d.type !== "CNAME").map((d) => d.name);
      if (r.name !== undefined && names.includes(r.name) && r.id.includes(`/dnsZones/${v.dns_zone_name}/`)) return { to: `${MODULE}.azurerm_dns_a_record.this[${JSON.stringify(r.name)}]`, expected: r.name };
      return { expected: names.join(" or ") || "(none)" };
    }
    case "azurerm_dns_cname_record": {
      const names = v.dns_records.filter((d) => d.type === "CNAME").map((d) => d.name);
      if (r.name !== undefined && names.includes(r.name) && r.id.includes(`/dnsZones/${v.dns_zone_name}/`)) return { to: `${MODULE}.azurerm_dns_cname_record.this[${JSON.stringify(r.name)}]`, expected: r.name };
      return { expected: names.join(" or ") || "(none)" };
    }
    default:
      return undefined;
  }
}

export interface CloudAdoption {
  readonly imports: readonly ImportBlock[];
  readonly plan: readonly PlanItem[];
}

export function cloudAdoption(resources: readonly ExistingCloudResource[], vars: CustomerInstanceVars): CloudAdoption {
  const imports: ImportBlock[] = [];
  const plan: PlanItem[] = [];
  for (const r of resources) {
    const target = targetOf(r, vars);
    const what = `${r.address} (${r.name ?? r.id})`;
    if (target === undefined) {
      plan.push({ what, action: "keep", how: `the customer-instance module makes no ${r.type}: left as it is, outside Landlord` });
    } else if ("to" in target) {
      if (imports.some((i) => i.to === target.to)) {
        plan.push({ what, action: "keep", how: `another resource of the state is already imported to ${target.to}: left as it is` });
        continue;
      }
      imports.push({ to: target.to, id: r.id });
      plan.push({ what, action: "import", how: `imported into ${target.to} by an import block: Terraform takes it over, nothing is recreated` });
    } else {
      plan.push({
        what,
        action: "rename",
        how: `Landlord names it ${target.expected}; a new one is made under that name and this one is left untouched (azurerm cannot rename it in place): retire it once its contents are moved`,
      });
    }
  }
  return { imports, plan };
}
