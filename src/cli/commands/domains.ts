/**
 * `landlord domains TENANT` and `landlord domains verify TENANT`: a tenant's domains, which
 * are served, and for each custom domain the TXT record that proves the customer controls it
 * and, until it is proven, when the tenant's claim on the name expires.
 */
import { azureDnsTxtLookup, chainedTxtLookup, managedIdentityToken, zoneOf } from "../../delivery/dns/azure-dns-txt.js";
import { resolverTxtLookup } from "../../delivery/dns/resolver-txt.js";
import type { TxtLookup } from "../../delivery/dns/txt-lookup.js";
import { toJson, toYaml } from "../../render/serialize.js";
import { challengeRecord, claimPolicy, isCustomDomain, judgeChallenge } from "../../spec/custom-domains.js";
import type { PlatformConfig } from "../../spec/platform-schema.js";
import { domainChallengesRepo, type DomainChallenge } from "../../store/domain-challenges-repo.js";
import { domainClaimsRepo, type DomainClaim } from "../../store/domain-claims.js";
import type { Store } from "../../store/index.js";
import type { CliIo } from "../io.js";
import { openProjectStore } from "../../app/runtime.js";
import { loadPlatformFile, type GlobalOptions } from "../../app/load-files.js";
import { table } from "./tenants.js";

export interface DomainsOptions {
  readonly output?: "table" | "yaml" | "json";
}

interface DomainRow {
  readonly domain: string;
  readonly kind: "platform" | "custom";
  /** Expired: the claim lapsed unproven; the tenant still lists the name, but another tenant may claim it. */
  readonly status: "Served" | "Pending" | "Verified" | "Expired";
  readonly record?: { readonly type: "TXT"; readonly name: string; readonly value: string };
  readonly checked?: string;
  readonly result?: string;
  readonly claimed?: string;
  /** When an unproven claim expires (Pending) or expired (Expired). */
  readonly expires?: string;
}

function rowsOf(domains: readonly string[], zone: string, challenges: readonly DomainChallenge[], claims: readonly DomainClaim[]): DomainRow[] {
  const byDomain = new Map(challenges.map((c) => [c.domain, c]));
  const claimOf = new Map(claims.map((c) => [c.domain, c]));
  return domains.map((d): DomainRow => {
    if (!isCustomDomain(d, zone)) return { domain: d, kind: "platform", status: "Served" };
    const c = byDomain.get(d.toLowerCase());
    const claim = claimOf.get(d.toLowerCase());
    const record = c ? { type: "TXT" as const, ...challengeRecord(d, c.token) } : undefined;
    return {
      domain: d,
      kind: "custom",
      status: c?.verifiedAt ? "Verified" : claim?.status === "Expired" ? "Expired" : "Pending",
      ...(record ? { record } : {}),
      ...(c?.checkedAt ? { checked: c.checkedAt.toISOString() } : {}),
      ...(c?.lastResult ? { result: c.lastResult } : {}),
      ...(claim ? { claimed: claim.claimedAt.toISOString() } : {}),
      ...(!c?.verifiedAt && claim?.expiresAt ? { expires: claim.expiresAt.toISOString() } : {}),
    };
  });
}

/** The challenge lookup landlord.yaml asks for: Azure DNS for its zones, resolvers for the rest. */
export function txtLookupFor(config: PlatformConfig): TxtLookup {
  const { resolvers, azureDns } = config.integrations.dns.challenge;
  const fallback = resolverTxtLookup(resolvers);
  if (!azureDns) return fallback;
  const azure = azureDnsTxtLookup(azureDns, managedIdentityToken(azureDns.clientId));
  return chainedTxtLookup({ ...azure, holds: (name) => zoneOf(name, azureDns.zones) !== undefined }, fallback);
}

async function withTenantDomains<T>(io: CliIo, global: GlobalOptions, name: string, fn: (a: { store: Store; domains: readonly string[]; zone: string; config: PlatformConfig; claims: () => Promise<DomainClaim[]> }) => Promise<T>): Promise<T> {
  const platform = await loadPlatformFile(io, global);
  const { store } = await openProjectStore(io, global, platform);
  try {
    const record = await store.tenants.require(name);
    const claims = () => domainClaimsRepo(store.db, claimPolicy(platform.config)).list({ tenantName: name }, new Date());
    return await fn({ store, domains: record.domains, zone: platform.config.integrations.dns.zone, config: platform.config, claims });
  } finally {
    await store.close();
  }
}

function print(io: CliIo, tenant: string, rows: readonly DomainRow[], output: DomainsOptions["output"]): void {
  if (output === "json" || output === "yaml") {
    io.stdout(output === "json" ? toJson({ tenant, domains: rows }) : toYaml({ tenant, domains: rows }));
    return;
  }
  io.stdout(
    table(
      rows.map((r) => ({ DOMAIN: r.domain, KIND: r.kind, STATUS: r.status, "TXT RECORD": r.record ? `${r.record.name} "${r.record.value}"` : "-", "LAST CHECK": r.result ?? "-", EXPIRES: r.expires ?? "-" })),
      ["DOMAIN", "KIND", "STATUS", "TXT RECORD", "LAST CHECK", "EXPIRES"],
    ),
  );
  if (rows.some((r) => r.status === "Pending")) {
    io.stderr(`Pending custom domains are not served, and each claim expires at the time shown unless proven. Publish each TXT record in the domain's DNS, then run: landlord domains verify ${tenant}\n`);
  }
  if (rows.some((r) => r.status === "Expired")) {
    io.stderr(`Expired claims no longer hold their names: another tenant may claim them. Prove one (landlord domains verify ${tenant}) while nobody has, or remove it from the spec.\n`);
  }
}

export async function domainsCommand(io: CliIo, global: GlobalOptions, name: string, opts: DomainsOptions): Promise<void> {
  await withTenantDomains(io, global, name, async ({ store, domains, zone, claims }) => {
    const custom = domains.filter((d) => isCustomDomain(d, zone));
    // Issuing the tokens is idempotent: the first listing creates them, later ones show the same.
    const challenges = await domainChallengesRepo(store.db).sync({ tenantName: name, domains: custom, now: new Date() });
    print(io, name, rowsOf(domains, zone, challenges, await claims()), opts.output);
  });
}

/** Checks every pending custom domain; returns the exit code (1 while any stays pending). */
export async function domainsVerifyCommand(io: CliIo, global: GlobalOptions, name: string, opts: DomainsOptions, lookup?: TxtLookup): Promise<number> {
  return withTenantDomains(io, global, name, async ({ store, domains, zone, config, claims }) => {
    const repo = domainChallengesRepo(store.db);
    const custom = domains.filter((d) => isCustomDomain(d, zone));
    const dns = lookup ?? txtLookupFor(config);
    let newlyVerified = 0;
    for (const c of await repo.sync({ tenantName: name, domains: custom, now: new Date() })) {
      if (c.verifiedAt) continue;
      const record = challengeRecord(c.domain, c.token);
      const judged = judgeChallenge(await dns.lookup(record.name), c.token);
      await repo.recordCheck({ tenantName: name, domain: c.domain, now: new Date(), verified: judged.verified, result: judged.result });
      io.stderr(`${c.domain}: ${judged.result} (${dns.describe(record.name)})\n`);
      if (judged.verified) newlyVerified++;
    }
    const rows = rowsOf(domains, zone, await repo.list(name), await claims());
    print(io, name, rows, opts.output);
    if (newlyVerified > 0) io.stderr(`${String(newlyVerified)} domain(s) verified; serve them with: landlord update ${name}\n`);
    return rows.some((r) => r.status === "Pending" || r.status === "Expired") ? 1 : 0;
  });
}
