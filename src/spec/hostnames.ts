/**
 * Which names a tenant may serve. Under the platform's zone a tenant gets `<name>.<zone>`
 * and names below it, nothing else: not the zone apex, not a parent of the zone, not
 * another tenant's name. Names outside the zone are the tenant's custom domains.
 */
import type { InputProblem } from "../errors.js";

export function isUnder(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

export function hostnameProblems(tenantName: string, domains: readonly string[], zone: string): InputProblem[] {
  const own = `${tenantName}.${zone}`;
  const out: InputProblem[] = [];
  domains.forEach((raw, i) => {
    const d = raw.toLowerCase();
    const path = `spec.domains[${String(i)}]`;
    if (isUnder(zone, d)) {
      out.push({ path, message: `'${d}' is the platform's zone${d === zone ? "" : " or a parent of it"}, which no tenant may serve`, fix: `use ${own} or a name under it` });
    } else if (isUnder(d, zone) && !isUnder(d, own)) {
      out.push({ path, message: `'${d}' is under the platform's zone but not under the tenant's own name`, fix: `use ${own} or a name under it; names under ${zone} belong to the tenant named by their label before the zone` });
    }
  });
  return out;
}
