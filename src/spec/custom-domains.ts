/**
 * Custom domains: any name outside the platform's zone. It is served only once the tenant
 * has proven control of it by publishing a DNS TXT record Landlord asked for; until then it
 * is Pending, and neither the Ingress, the certificate nor the admission parameters carry it.
 */
import { isUnder } from "./hostnames.js";
import type { PlatformConfig } from "./platform-schema.js";

export const CHALLENGE_LABEL = "_landlord-challenge";
const CHALLENGE_PREFIX = "landlord-domain-verification=";

export interface TenantDomains {
  /** Names the instance answers for: the platform's own and the verified custom ones. */
  readonly served: readonly string[];
  /** Custom domains waiting for their TXT record. */
  readonly pending: readonly string[];
}

export function isCustomDomain(domain: string, zone: string): boolean {
  return !isUnder(domain.toLowerCase(), zone.toLowerCase());
}

/**
 * How long a tenant may hold a custom domain it has not proven: without a bound, a tenant
 * could list a name it does not control and keep its real owner from ever onboarding it.
 */
export interface ClaimPolicy {
  /** Names under the platform's zone need no proof, so their claims never lapse. */
  readonly zone: string;
  readonly unverifiedTtlMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function claimPolicy(config: PlatformConfig): ClaimPolicy {
  return { zone: config.integrations.dns.zone.toLowerCase(), unverifiedTtlMs: config.integrations.dns.challenge.unverifiedClaimDays * DAY_MS };
}

export function splitDomains(domains: readonly string[], zone: string, verified: ReadonlySet<string>): TenantDomains {
  const served: string[] = [];
  const pending: string[] = [];
  for (const d of domains) (isCustomDomain(d, zone) && !verified.has(d.toLowerCase()) ? pending : served).push(d);
  return { served, pending };
}

/** The TXT record the customer publishes: its name and its value. */
export function challengeRecord(domain: string, token: string): { name: string; value: string } {
  return { name: `${CHALLENGE_LABEL}.${domain.toLowerCase()}`, value: `${CHALLENGE_PREFIX}${token}` };
}

export type TxtAnswer = { readonly kind: "records"; readonly values: readonly string[] } | { readonly kind: "none" } | { readonly kind: "error"; readonly message: string };

/** What a lookup proves: verified only on an exact value; anything else says what was found. */
export function judgeChallenge(answer: TxtAnswer, token: string): { verified: boolean; result: string } {
  const expected = `${CHALLENGE_PREFIX}${token}`;
  if (answer.kind === "error") return { verified: false, result: `lookup failed: ${answer.message}` };
  if (answer.kind === "none") return { verified: false, result: "no TXT record yet" };
  if (answer.values.includes(expected)) return { verified: true, result: "verified" };
  const ours = answer.values.filter((v) => v.startsWith(CHALLENGE_PREFIX));
  return { verified: false, result: ours.length > 0 ? "TXT record holds another token (an old or another tenant's challenge)" : `TXT record found without the expected value (${String(answer.values.length)} value(s))` };
}
