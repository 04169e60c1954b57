/**
 * What onboarded tenants hold, for the checks `validate` and `render` run on files: a file
 * alone must not claim a domain another tenant already serves. Read only when a store
 * exists (DATABASE_URL, or the SQLite file beside landlord.yaml); nothing is created.
 */
import { access } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { InputProblem } from "../errors.js";
import { DEFAULT_SQLITE_PATH } from "../store/default-path.js";
import type { PlatformContext } from "../spec/platform.js";
import type { FleetMember } from "../spec/resolve.js";
import { storedClaimProblems, type StoredClaim } from "../spec/stored-claims.js";
import type { CliIo } from "./io.js";
import type { GlobalOptions } from "./load-files.js";

export async function storedClaims(io: CliIo, global: GlobalOptions, platform: PlatformContext): Promise<StoredClaim[]> {
  const url = io.env.DATABASE_URL;
  if (url === undefined || url === "") {
    const file = resolve(dirname(resolve(io.cwd, global.config)), DEFAULT_SQLITE_PATH);
    if (!(await access(file).then(() => true, () => false))) return [];
  }
  const { openProjectStore } = await import("./tenant-services.js");
  const { store } = await openProjectStore(io, global, platform, { readOnly: true });
  try {
    const live = await store.tenants.list({ phases: ["Pending", "Provisioning", "Ready", "Updating", "Failed", "Offboarding"] });
    return live.map((t) => ({ name: t.name, domains: t.domains }));
  } finally {
    await store.close();
  }
}

/** The fleet check's extra step: the files' domains against the onboarded tenants'. */
export function againstStored(stored: readonly StoredClaim[]): (members: readonly FleetMember[]) => InputProblem[] {
  return (members) => (stored.length === 0 ? [] : storedClaimProblems(members, stored));
}
