/** Who is calling: an operator (the whole fleet) or a tenant user (its own tenant only). */
import { NotFoundError } from "../errors.js";
import { operatorsOnly } from "./errors.js";

export type Principal =
  | { readonly kind: "operator"; readonly name: string }
  | {
      readonly kind: "tenant";
      readonly tenant: string;
      /** The API token the principal logged in with; absent for an OIDC user (valid while the tenant is live). */
      readonly tokenId?: string;
      /** The OIDC user (email or subject), for the audit trail; absent for a token. */
      readonly user?: string;
    };

export function requireOperator(p: Principal): void {
  if (p.kind !== "operator") throw operatorsOnly();
}

/**
 * A tenant principal sees another tenant's resources as absent (404, the same answer as a
 * name nobody holds), so it cannot even learn which names exist.
 */
export function requireTenantAccess(p: Principal, tenant: string, what = `tenant '${tenant}'`): void {
  if (p.kind === "tenant" && p.tenant !== tenant) throw new NotFoundError(`${what} does not exist`);
}

export function describePrincipal(p: Principal): string {
  if (p.kind === "operator") return `operator:${p.name}`;
  return p.user === undefined ? `tenant:${p.tenant}` : `tenant:${p.tenant}/${p.user}`;
}
