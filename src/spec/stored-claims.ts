/**
 * The fleet-wide domain checks against tenants already onboarded, so `validate -f one.yaml`
 * sees the same conflicts as a whole-fleet run: a domain another tenant holds, or a name
 * under (or above) another tenant's domain.
 */
import type { InputProblem } from "../errors.js";
import { isUnder } from "./hostnames.js";
import type { FleetMember } from "./resolve.js";

export interface StoredClaim {
  readonly name: string;
  /** The names this tenant holds now: lapsed claims left out, since anyone may claim those. */
  readonly domains: readonly string[];
  /** Unproven custom domains among them, with when each claim lapses. */
  readonly pendingUntil?: ReadonlyMap<string, Date>;
}

export function storedClaimProblems(members: readonly FleetMember[], stored: readonly StoredClaim[]): InputProblem[] {
  const out: InputProblem[] = [];
  for (const m of members) {
    const self = m.tenant.metadata.name;
    const others = stored.filter((s) => s.name !== self);
    m.tenant.spec.domains.forEach((raw, i) => {
      const d = raw.toLowerCase();
      const at = { ...(m.file === undefined ? {} : { file: m.file }), path: `spec.domains[${String(i)}]` };
      for (const s of others) {
        const held = s.domains.map((x) => x.toLowerCase());
        if (held.includes(d)) {
          const lapses = s.pendingUntil?.get(d);
          out.push(
            lapses === undefined
              ? { ...at, message: `domain '${d}' is already claimed by onboarded tenant '${s.name}'`, fix: "choose another domain, or offboard that tenant first" }
              : {
                  ...at,
                  message: `domain '${d}' is already claimed by onboarded tenant '${s.name}', not proven yet: the claim expires at ${lapses.toISOString()}`,
                  fix: `choose another domain, or claim it after ${lapses.toISOString()} if '${s.name}' has not proven it by then`,
                },
          );
          return;
        }
        const parent = held.find((h) => isUnder(d, h));
        if (parent !== undefined) {
          out.push({ ...at, message: `'${d}' is under '${parent}', which onboarded tenant '${s.name}' serves`, fix: "choose a name outside other tenants' domains" });
          return;
        }
        const child = held.find((h) => isUnder(h, d));
        if (child !== undefined) {
          out.push({ ...at, message: `'${d}' is a parent of '${child}', which onboarded tenant '${s.name}' serves`, fix: "choose a name outside other tenants' domains" });
          return;
        }
      }
    });
  }
  return out;
}
