/**
 * The fleet that commands about running tenants read (cost, invoices, report, sla,
 * metrics, logs). docs/adr/0014: once onboarded, the store is the truth. With -f, the
 * files given. Otherwise the store's live tenants at the placements recorded for them
 * (where their usage and namespaces really are), once any tenant is onboarded; with none
 * onboarded, the tenant files beside landlord.yaml (a fleet priced before it is delivered).
 */
import { InputError, NotFoundError } from "../errors.js";
import type { ResolvedTenant } from "../spec/resolve.js";
import type { TenantRecord } from "../store/index.js";
import { type TenantServices, storedTenant } from "../workflows/tenant/services.js";
import type { Host } from "./host.js";
import { loadWorkspace, type GlobalOptions, type Workspace } from "./load-files.js";
import { openRuntime } from "./runtime.js";

export interface DeliveredFleet extends Workspace {
  readonly from: "store" | "files";
}

/** Stored tenants that hold resources (everything but Offboarded), resolved as delivered. */
export async function storedTenants(services: TenantServices, records: readonly TenantRecord[], onInvalid?: (name: string, err: InputError) => void): Promise<ResolvedTenant[]> {
  const out: ResolvedTenant[] = [];
  for (const r of records) {
    if (r.phase === "Offboarded") continue;
    try {
      out.push((await storedTenant(services, r)).tenant);
    } catch (err) {
      // A spec stored before a stricter rule (a reserved name, a ceiling) must not take the
      // whole fleet's costs, reports and logs down with it: it is named and left out.
      if (onInvalid === undefined || !(err instanceof InputError)) throw err;
      onInvalid(r.name, err);
    }
  }
  return out;
}

/** The warning for a stored tenant left out of a fleet read, with the command that mends it. */
export function invalidStoredWarning(name: string, err: InputError): string {
  const problems = err.problems.map((p) => `${p.path}: ${p.message}`).join("; ");
  return `warning: tenant '${name}' is left out: its stored spec no longer validates (${problems}); fix it with landlord update -f FILE, after landlord get tenant ${name} -o yaml > FILE and an edit\n`;
}

export async function deliveredFleet(io: Host, global: GlobalOptions, files: readonly string[] | undefined): Promise<DeliveredFleet> {
  if (files === undefined || files.length === 0) {
    const rt = await openRuntime(io, global, undefined, { readOnly: true });
    try {
      const tenants = await storedTenants(rt.services, await rt.store.tenants.list(), (name, err) => {
        io.stderr(invalidStoredWarning(name, err));
      });
      if (tenants.length > 0) return { platform: rt.services.platform, tenants, from: "store" };
    } finally {
      await rt.close();
    }
  }
  return { ...(await loadWorkspace(io, global, files)), from: "files" };
}

/** The named tenant of the fleet, or an error that says which source was read and how to read the other. */
export function fleetTenant(fleet: DeliveredFleet, name: string): ResolvedTenant {
  const t = fleet.tenants.find((x) => x.tenant.metadata.name === name);
  if (t) return t;
  throw new NotFoundError(
    fleet.from === "store"
      ? `tenant '${name}' is not onboarded: once any tenant is, this command reads the store's tenants (to read tenant files instead, pass -f tenants/)`
      : `tenant '${name}' is not in the tenant files`,
  );
}
