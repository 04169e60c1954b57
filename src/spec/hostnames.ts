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

/** Every host a URL in landlord.yaml names (portal, OIDC redirect, Argo CD, Grafana, ...), lowercase. */
export function platformHosts(config: object): readonly string[] {
  const known = hostsOf.get(config);
  if (known !== undefined) return known;
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === "string") {
      if (!/^(https?|wss?):\/\//i.test(v)) return;
      try {
        out.add(new URL(v).hostname.toLowerCase());
      } catch {
        // Not a URL after all: the schema judges it where it is read.
      }
    } else if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (typeof v === "object" && v !== null) {
      Object.values(v).forEach(walk);
    }
  };
  walk(config);
  const hosts = [...out];
  hostsOf.set(config, hosts);
  return hosts;
}
// Resolving a fleet asks once per tenant; the config object is the same each time.
const hostsOf = new WeakMap<object, readonly string[]>();

/**
 * The platform's own hosts are no tenant's: neither its name under the zone (a reserved
 * label, or a label whose host or names under it landlord.yaml serves) nor a custom domain
 * equal to, above or below one of them.
 */
export function platformHostProblems(tenantName: string, domains: readonly string[], zone: string, hosts: readonly string[], reservedLabels: readonly string[]): InputProblem[] {
  const own = `${tenantName}.${zone}`;
  const out: InputProblem[] = [];
  const fix = "choose another tenant name; the operator keeps these in platform.reservedHostLabels and in landlord.yaml's URLs";
  if (reservedLabels.includes(tenantName)) out.push({ path: "metadata.name", message: `'${tenantName}' would be served at ${own}, a host the platform keeps for itself`, fix });
  const served = hosts.find((h) => isUnder(h, own));
  if (served !== undefined) out.push({ path: "metadata.name", message: `'${tenantName}' would be served at ${own}, and landlord.yaml serves ${served} there`, fix });
  domains.forEach((raw, i) => {
    const d = raw.toLowerCase();
    const clash = hosts.find((h) => isUnder(h, d) || isUnder(d, h));
    if (clash !== undefined && !isUnder(d, own)) out.push({ path: `spec.domains[${String(i)}]`, message: `'${d}' ${d === clash ? "is" : isUnder(clash, d) ? "is above" : "is under"} the platform's own host ${clash} (named in landlord.yaml)`, fix: "use a domain of the customer's own; the platform's hosts are no tenant's" });
  });
  return out;
}
