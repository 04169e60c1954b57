/**
 * Claims on domains, and when an unproven one lapses (docs/adr/0017). A tenant holds each
 * domain it lists (one tenant_domains row per name). A custom domain that its DNS challenge
 * has not proven is held only for landlord.yaml's integrations.dns.challenge.
 * unverifiedClaimDays; after that another tenant's claim replaces it. Lapse is judged on
 * every read from claimed_at, so nothing waits for `serve`'s reconcile loop; the loop records
 * it (expired_at, and an audit entry) so that a later, longer setting does not revive a
 * claim the name's real owner may already have been told is free.
 *
 * A lapsed row stays with its tenant until another tenant claims the name, so the tenant's
 * next update or rollout, which lists the same domains, does not quietly start a new period.
 * Proving the domain keeps it for good; removing it from the spec and listing it again is
 * a new claim.
 */
import type { Kysely } from "kysely";
import { ConflictError } from "../errors.js";
import { isCustomDomain, type ClaimPolicy } from "../spec/custom-domains.js";
import { auditRepo } from "./audit-repo.js";
import type { DomainTables } from "./domain-challenges-repo.js";
import type { Database, IsoTime } from "./schema.js";
import { fromIso, toIso } from "./time.js";
import { inTransaction } from "./transaction.js";

export type ClaimStatus = "Served" | "Verified" | "Pending" | "Expired";

export interface DomainClaim {
  readonly domain: string;
  readonly tenantName: string;
  /** platform: under the platform's zone, served without proof. */
  readonly kind: "platform" | "custom";
  /** Pending holds the name until expiresAt; Expired holds nothing, another tenant may claim it. */
  readonly status: ClaimStatus;
  readonly claimedAt: Date;
  /** When a Pending claim lapses, or an Expired one lapsed; null for claims that never do. */
  readonly expiresAt: Date | null;
}

export interface ClaimFilter {
  readonly tenantName?: string;
  readonly domains?: readonly string[];
}

export interface DomainClaimsRepo {
  /** The claims of a tenant, or on some names (lower-cased), as they stand at `now`; by domain. */
  list(filter: ClaimFilter, now: Date): Promise<DomainClaim[]>;
  /** The claim that keeps other tenants off `domain` at `now`: none when it is free or its claim lapsed. */
  holder(domain: string, now: Date): Promise<DomainClaim | undefined>;
  /** Records each claim that has lapsed by `now` and was not recorded yet (with an audit entry); returns them. */
  expireLapsed(now: Date): Promise<DomainClaim[]>;
}

interface ClaimRow {
  readonly domain: string;
  readonly tenant_name: string;
  readonly claimed_at: IsoTime;
  readonly expired_at: IsoTime | null;
  readonly verified_at: IsoTime | null;
}

/** Written as the actor of what the store does on its own (a lapse recorded, a lapsed claim replaced). */
const SYSTEM_ACTOR = "landlord";

function lapseOf(claimedAt: Date, policy: ClaimPolicy): Date {
  return new Date(claimedAt.getTime() + policy.unverifiedTtlMs);
}

export function judgeClaim(row: ClaimRow, policy: ClaimPolicy, now: Date): DomainClaim {
  const claimedAt = fromIso(row.claimed_at);
  const base = { domain: row.domain, tenantName: row.tenant_name, claimedAt };
  if (!isCustomDomain(row.domain, policy.zone)) return { ...base, kind: "platform", status: "Served", expiresAt: null };
  // Proof wins over a recorded lapse: nobody else had claimed the name meanwhile, and now the tenant shows it controls it.
  if (row.verified_at !== null) return { ...base, kind: "custom", status: "Verified", expiresAt: null };
  if (row.expired_at !== null) return { ...base, kind: "custom", status: "Expired", expiresAt: fromIso(row.expired_at) };
  const expiresAt = lapseOf(claimedAt, policy);
  return { ...base, kind: "custom", status: expiresAt.getTime() <= now.getTime() ? "Expired" : "Pending", expiresAt };
}

function claimRows(q: Kysely<Database>) {
  return q
    .withTables<DomainTables>()
    .selectFrom("tenant_domains as td")
    .leftJoin("domain_challenges as dc", (j) => j.onRef("dc.tenant_name", "=", "td.tenant_name").onRef("dc.domain", "=", "td.domain"))
    .select(["td.domain", "td.tenant_name", "td.claimed_at", "td.expired_at", "dc.verified_at"]);
}

export async function readClaims(q: Kysely<Database>, filter: ClaimFilter, policy: ClaimPolicy, now: Date): Promise<DomainClaim[]> {
  if (filter.domains?.length === 0) return [];
  let query = claimRows(q).orderBy("td.domain");
  if (filter.tenantName !== undefined) query = query.where("td.tenant_name", "=", filter.tenantName);
  if (filter.domains !== undefined) query = query.where("td.domain", "in", filter.domains.map((d) => d.trim().toLowerCase()));
  return (await query.execute()).map((r) => judgeClaim(r, policy, now));
}

/**
 * Hands lapsed claims of other tenants over: each row goes (only if it is still the claim
 * that was judged) with the old holder's challenge token, whose record would prove nothing
 * for the new claimant. The caller inserts its own claims afterwards.
 */
export async function releaseLapsed(q: Kysely<Database>, lapsed: readonly DomainClaim[], to: string, now: Date): Promise<void> {
  const challenges = q.withTables<DomainTables>();
  for (const c of lapsed) {
    const gone = await q
      .deleteFrom("tenant_domains")
      .where("domain", "=", c.domain)
      .where("tenant_name", "=", c.tenantName)
      .where("claimed_at", "=", toIso(c.claimedAt))
      .executeTakeFirst();
    if (gone.numDeletedRows === 0n) continue;
    await challenges.deleteFrom("domain_challenges").where("tenant_name", "=", c.tenantName).where("domain", "=", c.domain).execute();
    await auditRepo(q).append({
      at: now,
      actor: SYSTEM_ACTOR,
      action: "tenant.domain-claim-released",
      tenantName: c.tenantName,
      details: { domain: c.domain, claimedAt: toIso(c.claimedAt), expiredAt: c.expiresAt === null ? null : toIso(c.expiresAt), claimedBy: to },
    });
  }
}

type Holder = Pick<DomainClaim, "domain" | "tenantName"> & Partial<Pick<DomainClaim, "status" | "expiresAt">>;

/** For an unproven claim, when it lapses: what a refused claimant needs to know to come back. */
export function lapseNote(c: Holder): string {
  if (c.status !== "Pending" || c.expiresAt === undefined || c.expiresAt === null) return "";
  return ` (not proven yet: the claim expires at ${c.expiresAt.toISOString()}, after which another tenant may claim it)`;
}

export function describeHolder(c: Holder): string {
  return `'${c.domain}' by tenant '${c.tenantName}'${lapseNote(c)}`;
}

export function claimConflict(taken: readonly Holder[]): ConflictError {
  return new ConflictError(`${taken.length === 1 ? "domain" : "domains"} already claimed: ${taken.map(describeHolder).join(", ")}`);
}

export function domainClaimsRepo(db: Kysely<Database>, policy: ClaimPolicy): DomainClaimsRepo {
  return {
    list: (filter, now) => readClaims(db, filter, policy, now),
    async holder(domain, now) {
      const [c] = await readClaims(db, { domains: [domain] }, policy, now);
      return c && c.status !== "Expired" ? c : undefined;
    },
    async expireLapsed(now) {
      const cutoff = toIso(new Date(now.getTime() - policy.unverifiedTtlMs));
      // Names under the zone never lapse; leaving them out in SQL keeps the pass small on a large fleet.
      const rows = await claimRows(db)
        .where("td.expired_at", "is", null)
        .where("dc.verified_at", "is", null)
        .where("td.claimed_at", "<=", cutoff)
        .where("td.domain", "<>", policy.zone)
        .where("td.domain", "not like", `%.${policy.zone}`)
        .orderBy("td.domain")
        .execute();
      const marked: DomainClaim[] = [];
      for (const claim of rows.map((r) => judgeClaim(r, policy, now)).filter((c) => c.status === "Expired" && c.expiresAt !== null)) {
        const expiredAt = toIso(claim.expiresAt ?? now);
        // One transaction per claim, and only the row judged: a proof or a takeover since the read wins.
        const done = await inTransaction(db, async (tx) => {
          const r = await tx
            .withTables<DomainTables>()
            .updateTable("tenant_domains")
            .set({ expired_at: expiredAt })
            .where("domain", "=", claim.domain)
            .where("tenant_name", "=", claim.tenantName)
            .where("claimed_at", "=", toIso(claim.claimedAt))
            .where("expired_at", "is", null)
            .where((eb) =>
              eb.not(eb.exists(eb.selectFrom("domain_challenges").select("domain").where("tenant_name", "=", claim.tenantName).where("domain", "=", claim.domain).where("verified_at", "is not", null))),
            )
            .executeTakeFirst();
          if (r.numUpdatedRows === 0n) return false;
          await auditRepo(tx).append({ at: now, actor: SYSTEM_ACTOR, action: "tenant.domain-claim-expired", tenantName: claim.tenantName, details: { domain: claim.domain, claimedAt: toIso(claim.claimedAt), expiredAt } });
          return true;
        });
        if (done) marked.push(claim);
      }
      return marked;
    },
  };
}
