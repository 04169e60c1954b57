/**
 * Who may act in a tenant's namespace. Groups are attacker input: a tenant must not bind
 * Kubernetes' own groups (system:authenticated would let every identity in), nor the
 * groups Landlord derives for other tenants.
 */
import type { InputProblem } from "../errors.js";
import type { Tenant } from "./tenant-schema.js";

export function accessGroupProblems(tenant: Tenant): InputProblem[] {
  const name = tenant.metadata.name;
  const out: InputProblem[] = [];
  const own = `landlord:tenant:${name}:`;
  const check = (list: readonly string[], field: string) => {
    list.forEach((g, i) => {
      const path = `spec.access.${field}[${String(i)}]`;
      if (g.toLowerCase().startsWith("system:")) {
        out.push({ path, message: `'${g}' is a Kubernetes system group (it stands for identities outside the tenant)`, fix: "name a group of the tenant's own people, e.g. its Entra ID group object id" });
      } else if (g.startsWith("landlord:") && !g.startsWith(own)) {
        out.push({ path, message: `'${g}' is a group Landlord reserves for another tenant or the platform`, fix: `use the tenant's own groups, or leave the list empty for ${own}admins / ${own}viewers` });
      }
    });
  };
  check(tenant.spec.access.adminGroups, "adminGroups");
  check(tenant.spec.access.viewerGroups, "viewerGroups");
  return out;
}
