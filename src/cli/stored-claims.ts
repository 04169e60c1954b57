/**
 * What onboarded tenants hold, for the checks `validate` and `render` run on files: a file
 * alone must not claim a domain another tenant already serves. Read only when a store
 * exists (DATABASE_URL, or the SQLite file beside landlord.yaml); nothing is created.
 * Lapsed claims on unproven custom domains are left out: those names are free to claim.
 */
import { access } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { InputProblem } from "../errors.js";
import { claimPolicy } from "../spec/custom-domains.js";
import { domainClaimsRepo } from "../store/domain-claims.js";
import { DEFAULT_SQLITE_PATH } from "../store/default-path.js";
import type { PlatformContext } from "../spec/platform.js";
import type { FleetMember } from "../spec/resolve.js";
import { storedClaimProblems, type StoredClaim } from "../spec/stored-claims.js";
import type { CliIo } from "./io.js";
import type { GlobalOptions } from "../app/load-files.js";

export async function storedClaims(io: CliIo, global: GlobalOptions, platform: PlatformContext, now: Date = new Date()): Promise<StoredClaim[]> {
  const url = io.env.DATABASE_URL;
  if (url === undefined || url === "") {
    const file = resolve(dirname(resolve(io.cwd, global.config)), DEFAULT_SQLITE_PATH);
    if (!(await access(file).then(() => true, () => false))) return [];
  }
  const { openProjectStore } = await import("../app/runtime.js");
  const { store } = await openProjectStore(io, global, platform, { readOnly: true });
  try {
    // Offboarded tenants hold no rows: release() frees their names.
    const byTenant = new Map<string, { domains: string[]; pendingUntil: Map<string, Date> }>();
    for (const c of await domainClaimsRepo(store.db, claimPolicy(platform.config)).list({}, now)) {
      if (c.status === "Expired") continue;
      const held = byTenant.get(c.tenantName) ?? { domains: [], pendingUntil: new Map<string, Date>() };
      held.domains.push(c.domain);
      if (c.status === "Pending" && c.expiresAt !== null) held.pendingUntil.set(c.domain, c.expiresAt);
      byTenant.set(c.tenantName, held);
    }
    return [...byTenant].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, held]) => ({ name, ...held }));
  } finally {
    await store.close();
  }
}

/** The fleet check's extra step: the files' domains against the onboarded tenants'. */
export function againstStored(stored: readonly StoredClaim[]): (members: readonly FleetMember[]) => InputProblem[] {
  return (members) => (stored.length === 0 ? [] : storedClaimProblems(members, stored));
}
