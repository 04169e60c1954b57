/**
 * Who may act in a tenant's namespace. Groups are attacker input: a tenant must not bind
 * Kubernetes' own groups (system:authenticated would let every identity in), nor the
 * groups Landlord derives for other tenants.
 */
import type { InputProblem } from "../errors.js";
import type { Tenant } from "./tenant-schema.js";

/** Entra ID names groups by object id (a GUID); AKS matches RBAC subjects against those ids. */
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function accessGroupProblems(tenant: Tenant, identityProvider: "generic" | "entra-id" = "generic"): InputProblem[] {
  const name = tenant.metadata.name;
  const out: InputProblem[] = [];
  const own = `landlord:tenant:${name}:`;
  const check = (list: readonly string[], field: string) => {
    list.forEach((g, i) => {
      const path = `spec.access.${field}[${String(i)}]`;
      if (g.toLowerCase().startsWith("system:")) {
        out.push({ path, message: `'${g}' is a Kubernetes system group (it stands for identities outside the tenant)`, fix: "name a group of the tenant's own people, e.g. its Entra ID group object id" });
      } else if (identityProvider === "entra-id" && !OBJECT_ID.test(g)) {
        out.push({ path, message: `'${g}' is not an Entra ID group object id, and the platform's identity provider is Entra ID (policy.identityProvider)`, fix: "write the group's object id, e.g. 0b1f5a9e-2c3d-4e5f-8a9b-0c1d2e3f4a5b (Entra admin center > Groups > Object ID)" });
      } else if (g.startsWith("landlord:") && !g.startsWith(own)) {
        out.push({ path, message: `'${g}' is a group Landlord reserves for another tenant or the platform`, fix: `use the tenant's own groups, or leave the list empty for ${own}admins / ${own}viewers` });
      }
    });
  };
  if (identityProvider === "entra-id" && tenant.spec.access.adminGroups.length === 0) {
    // Landlord's own default group names mean nothing to Entra ID: nobody could sign in as the admins.
    out.push({ path: "spec.access.adminGroups", message: "with Entra ID the tenant's admin group must be named", fix: "add the object id of the customer's admin group to spec.access.adminGroups" });
  }
  check(tenant.spec.access.adminGroups, "adminGroups");
  check(tenant.spec.access.viewerGroups, "viewerGroups");
  return out;
}
