/**
 * Proof that a tenant controls a custom domain (one outside the platform's zone). Each
 * domain of each tenant gets its own random token; the customer publishes it as a DNS TXT
 * record and the domain is served only once Landlord has read it back. Rows go with the
 * tenant's row, so a name onboarded again gets new tokens and an old customer's records
 * prove nothing.
 */
import { randomBytes } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { Backend, Database, IsoTime } from "./schema.js";
import { fromIso, fromIsoOrNull, toIso } from "./time.js";

export interface DomainChallengesTable {
  tenant_name: string;
  domain: string;
  token: string;
  created_at: IsoTime;
  checked_at: IsoTime | null;
  verified_at: IsoTime | null;
  last_result: string | null;
}

// A type alias, not an interface: Kysely's withTables needs an indexable record type.
export type DomainTables = {
  domain_challenges: DomainChallengesTable;
};

export interface DomainChallenge {
  readonly tenantName: string;
  readonly domain: string;
  readonly token: string;
  readonly createdAt: Date;
  readonly checkedAt: Date | null;
  readonly verifiedAt: Date | null;
  /** What the last check found, in words ("no TXT record", "verified", ...). */
  readonly lastResult: string | null;
}

export interface DomainChallengesRepo {
  /** A challenge for each listed domain (kept when it exists); challenges of domains no longer listed are dropped. */
  sync(t: { tenantName: string; domains: readonly string[]; now: Date }): Promise<DomainChallenge[]>;
  list(tenantName: string): Promise<DomainChallenge[]>;
  /** Records a check; a domain once verified stays verified (a failed re-check is reported, not revoked). */
  recordCheck(c: { tenantName: string; domain: string; now: Date; verified: boolean; result: string }): Promise<void>;
  verified(tenantName: string): Promise<Set<string>>;
}

export async function createDomainChallengeTable(db: Kysely<unknown>, backend: Backend): Promise<void> {
  const time = backend === "postgres" ? sql`text collate "C"` : sql`text`;
  await db.schema
    .createTable("domain_challenges")
    .addColumn("tenant_name", "text", (c) => c.notNull().references("tenants.name").onDelete("cascade"))
    .addColumn("domain", "text", (c) => c.notNull())
    .addColumn("token", "text", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("checked_at", time)
    .addColumn("verified_at", time)
    .addColumn("last_result", "text")
    .addPrimaryKeyConstraint("domain_challenges_pk", ["tenant_name", "domain"])
    .execute();
}

function toChallenge(r: DomainChallengesTable): DomainChallenge {
  return {
    tenantName: r.tenant_name,
    domain: r.domain,
    token: r.token,
    createdAt: fromIso(r.created_at),
    checkedAt: fromIsoOrNull(r.checked_at),
    verifiedAt: fromIsoOrNull(r.verified_at),
    lastResult: r.last_result,
  };
}

/** 128 random bits, lowercase base32 so it survives any DNS provider's TXT editor. */
function newToken(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  return [...randomBytes(26)].map((b) => alphabet[b % 32] ?? "a").join("");
}

export function domainChallengesRepo(base: Kysely<Database>): DomainChallengesRepo {
  const db = base.withTables<DomainTables>();
  const list = async (tenantName: string) =>
    (await db.selectFrom("domain_challenges").selectAll().where("tenant_name", "=", tenantName).orderBy("domain").execute()).map(toChallenge);
  return {
    list,
    async sync({ tenantName, domains, now }) {
      const wanted = [...new Set(domains.map((d) => d.toLowerCase()))];
      const have = new Set((await list(tenantName)).map((c) => c.domain));
      for (const domain of wanted.filter((d) => !have.has(d))) {
        await db
          .insertInto("domain_challenges")
          .values({ tenant_name: tenantName, domain, token: newToken(), created_at: toIso(now), checked_at: null, verified_at: null, last_result: null })
          .onConflict((oc) => oc.columns(["tenant_name", "domain"]).doNothing())
          .execute();
      }
      const gone = [...have].filter((d) => !wanted.includes(d));
      if (gone.length > 0) await db.deleteFrom("domain_challenges").where("tenant_name", "=", tenantName).where("domain", "in", gone).execute();
      return list(tenantName);
    },
    async recordCheck({ tenantName, domain, now, verified, result }) {
      await db
        .updateTable("domain_challenges")
        .set((eb) => ({
          checked_at: toIso(now),
          last_result: result,
          verified_at: verified ? eb.fn.coalesce("verified_at", eb.val(toIso(now))) : eb.ref("verified_at"),
        }))
        .where("tenant_name", "=", tenantName)
        .where("domain", "=", domain.toLowerCase())
        .execute();
    },
    async verified(tenantName) {
      const rows = await db.selectFrom("domain_challenges").select("domain").where("tenant_name", "=", tenantName).where("verified_at", "is not", null).execute();
      return new Set(rows.map((r) => r.domain));
    },
  };
}
