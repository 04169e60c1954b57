/**
 * Claims on unproven custom domains lapse (issue 23): after landlord.yaml's
 * integrations.dns.challenge.unverifiedClaimDays another tenant may claim the name, a
 * proven or platform name never lapses, the reconcile loop's sweep records each lapse once,
 * and a claim older than the migration counts from the upgrade. On SQLite and PostgreSQL,
 * with time passed in (no sleeping).
 */
import { sql } from "kysely";
import { describe, expect, test } from "vitest";
import { ConflictError, InputError } from "../../src/errors.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { claimPolicy, type ClaimPolicy } from "../../src/spec/custom-domains.js";
import { domainChallengesRepo } from "../../src/store/domain-challenges-repo.js";
import { domainClaimsRepo } from "../../src/store/domain-claims.js";
import { openStore, type Store } from "../../src/store/store.js";
import { platform } from "../support/fixtures.js";
import { BACKENDS, unique, useBackend } from "./support/backends.js";
import { olderStore } from "./support/older-store.js";

const DAY = 24 * 60 * 60 * 1000;
const T0 = new Date("2026-11-27T10:00:00.000Z");
const at = (days: number, ms = 0): Date => new Date(T0.getTime() + days * DAY + ms);
const policy: ClaimPolicy = { zone: "apps.example.com", unverifiedTtlMs: 7 * DAY };

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Error) return err;
    throw err;
  }
  throw new Error("expected a rejection");
}

describe("integrations.dns.challenge.unverifiedClaimDays in landlord.yaml", () => {
  const withChallenge = (challenge: string) => PLATFORM_TEMPLATE.replace(/(\n(\s+)zone: apps\.example\.com[^\n]*\n)/, `$1$2challenge: ${challenge}\n`);

  test("defaults to 7 days; a set value is used; 0 or a fraction is refused with the range", () => {
    expect(withChallenge("{}")).not.toBe(PLATFORM_TEMPLATE);
    expect(claimPolicy(platform().config)).toEqual({ zone: "apps.example.com", unverifiedTtlMs: 7 * DAY });
    expect(claimPolicy(platform(withChallenge("{}")).config).unverifiedTtlMs).toBe(7 * DAY);
    expect(claimPolicy(platform(withChallenge("{ unverifiedClaimDays: 2 }")).config).unverifiedTtlMs).toBe(2 * DAY);
    for (const bad of ["0", "1.5", "366"]) {
      const err = (() => {
        try {
          platform(withChallenge(`{ unverifiedClaimDays: ${bad} }`));
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err, bad).toBeInstanceOf(InputError);
      expect((err as InputError).problems[0]).toMatchObject({ path: "integrations.dns.challenge.unverifiedClaimDays", fix: "write a number from 1 to 365" });
    }
  });
});

describe.each(BACKENDS)("domain claims on $name", (factory) => {
  const backend = useBackend(factory);

  /** Tenant `holder` claims a custom domain and its own platform name at T0. */
  async function claimed(store: Store): Promise<{ holder: string; custom: string; own: string }> {
    const holder = unique("holder");
    const custom = `shop.${holder}-corp.com`;
    const own = `${holder}.apps.example.com`;
    await store.tenants.reserve({ name: holder, spec: {}, domains: [own, custom], now: T0, claims: policy });
    return { holder, custom, own };
  }

  test("a live unproven claim refuses another tenant, naming when it expires; once older than that, it no longer blocks", async () => {
    const store = await backend.open();
    const { holder, custom, own } = await claimed(store);
    await domainChallengesRepo(store.db).sync({ tenantName: holder, domains: [custom], now: T0 });
    const late = unique("late");

    const refused = await rejection(store.tenants.reserve({ name: late, spec: {}, domains: [custom], now: at(6), claims: policy }));
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused.message).toBe(`domain already claimed: '${custom}' by tenant '${holder}' (not proven yet: the claim expires at 2026-12-04T10:00:00.000Z, after which another tenant may claim it)`);
    expect(await store.tenants.get(late)).toBeUndefined();
    // The very instant of expiry is already past it.
    expect((await domainClaimsRepo(store.db, policy).holder(custom, at(7, -1)))?.tenantName).toBe(holder);
    expect(await domainClaimsRepo(store.db, policy).holder(custom, at(7))).toBeUndefined();

    const taken = await store.tenants.reserve({ name: late, spec: {}, domains: [custom], now: at(8), claims: policy });
    expect(taken.domains).toEqual([custom]);
    expect(await store.tenants.domainOwner(custom)).toBe(late);
    // The holder keeps its platform name; its token for the lost one proves nothing any more.
    expect((await store.tenants.require(holder)).domains).toEqual([own]);
    expect(await domainChallengesRepo(store.db).list(holder)).toEqual([]);
    expect(await store.audit.list({ tenantName: holder, action: "tenant.domain-claim-released" })).toMatchObject([
      { actor: "landlord", details: { domain: custom, claimedAt: T0.toISOString(), expiredAt: at(7).toISOString(), claimedBy: late } },
    ]);
    // The new claim starts its own period.
    expect(await domainClaimsRepo(store.db, policy).list({ tenantName: late }, at(8))).toMatchObject([{ domain: custom, status: "Pending", claimedAt: at(8), expiresAt: at(15) }]);
  });

  test("a verified claim and a platform name never expire", async () => {
    const store = await backend.open();
    const { holder, custom, own } = await claimed(store);
    const challenges = domainChallengesRepo(store.db);
    await challenges.sync({ tenantName: holder, domains: [custom], now: T0 });
    await challenges.recordCheck({ tenantName: holder, domain: custom, now: at(1), verified: true, result: "verified" });
    const late = unique("late");
    for (const domain of [custom, own]) {
      const refused = await rejection(store.tenants.reserve({ name: late, spec: {}, domains: [domain], now: at(365), claims: policy }));
      expect(refused.message).toBe(`domain already claimed: '${domain}' by tenant '${holder}'`);
    }
    expect(await domainClaimsRepo(store.db, policy).list({ tenantName: holder }, at(365))).toEqual([
      { domain: own, tenantName: holder, kind: "platform", status: "Served", claimedAt: T0, expiresAt: null },
      { domain: custom, tenantName: holder, kind: "custom", status: "Verified", claimedAt: T0, expiresAt: null },
    ]);
    expect((await domainClaimsRepo(store.db, policy).expireLapsed(at(365))).filter((c) => c.tenantName === holder)).toEqual([]);
  });

  test("without landlord.yaml's rule (no policy passed) every claim holds, as before", async () => {
    const store = await backend.open();
    const { holder, custom } = await claimed(store);
    const refused = await rejection(store.tenants.reserve({ name: unique("late"), spec: {}, domains: [custom], now: at(30) }));
    expect(refused.message).toBe(`domain already claimed: '${custom}' by tenant '${holder}'`);
  });

  test("the sweep records each lapsed claim once, at the instant it lapsed, with an audit entry; a longer setting later does not revive it", async () => {
    const store = await backend.open();
    const { holder, custom } = await claimed(store);
    const claims = domainClaimsRepo(store.db, policy);
    expect((await claims.expireLapsed(at(6))).filter((c) => c.tenantName === holder)).toEqual([]);
    const swept = (await claims.expireLapsed(at(9))).filter((c) => c.tenantName === holder);
    expect(swept).toEqual([{ domain: custom, tenantName: holder, kind: "custom", status: "Expired", claimedAt: T0, expiresAt: at(7) }]);
    expect((await claims.expireLapsed(at(10))).filter((c) => c.tenantName === holder)).toEqual([]);
    const row = await store.db.selectFrom("tenant_domains").select(["claimed_at", "expired_at"]).where("domain", "=", custom).executeTakeFirstOrThrow();
    expect(row).toEqual({ claimed_at: T0.toISOString(), expired_at: at(7).toISOString() });
    expect(await store.audit.list({ tenantName: holder, action: "tenant.domain-claim-expired" })).toMatchObject([
      { at: at(9), actor: "landlord", details: { domain: custom, claimedAt: T0.toISOString(), expiredAt: at(7).toISOString() } },
    ]);
    // The row stays with its tenant (it still lists the name) until another tenant claims it.
    expect(await store.tenants.domainOwner(custom)).toBe(holder);
    const longer = domainClaimsRepo(store.db, { ...policy, unverifiedTtlMs: 30 * DAY });
    expect(await longer.list({ domains: [custom] }, at(10))).toMatchObject([{ status: "Expired", expiresAt: at(7) }]);
    expect(await longer.holder(custom, at(10))).toBeUndefined();
  });

  test("the holder's own updates do not renew a lapsed claim; proving it does, and listing it anew starts a new period", async () => {
    const store = await backend.open();
    const { holder, custom, own } = await claimed(store);
    const claims = domainClaimsRepo(store.db, policy);
    await store.tenants.updateSpec({ name: holder, spec: { v: 2 }, domains: [own, custom], now: at(8), claims: policy });
    expect(await claims.list({ domains: [custom] }, at(8))).toMatchObject([{ status: "Expired", claimedAt: T0 }]);

    await store.tenants.updateSpec({ name: holder, spec: { v: 3 }, domains: [own], now: at(9), claims: policy });
    await store.tenants.updateSpec({ name: holder, spec: { v: 4 }, domains: [own, custom], now: at(10), claims: policy });
    expect(await claims.list({ domains: [custom] }, at(10))).toMatchObject([{ status: "Pending", claimedAt: at(10), expiresAt: at(17) }]);

    await claims.expireLapsed(at(18));
    const challenges = domainChallengesRepo(store.db);
    await challenges.sync({ tenantName: holder, domains: [custom], now: at(18) });
    await challenges.recordCheck({ tenantName: holder, domain: custom, now: at(18), verified: true, result: "verified" });
    expect(await claims.list({ domains: [custom] }, at(400))).toMatchObject([{ status: "Verified", expiresAt: null }]);
    expect(await claims.holder(custom, at(400))).toMatchObject({ tenantName: holder });
  });

  test("two tenants racing for one lapsed name: exactly one gets it, the other is told when that new claim expires", async () => {
    const stores = [await backend.open(), await backend.open()] as const;
    const { custom } = await claimed(stores[0]);
    const racers = [unique("racer"), unique("racer"), unique("racer"), unique("racer")];
    const results = await Promise.allSettled(racers.map((name, i) => stores[i % 2 === 0 ? 0 : 1].tenants.reserve({ name, spec: {}, domains: [custom], now: at(8), claims: policy })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const winner = racers[results.findIndex((r) => r.status === "fulfilled")];
    for (const r of results) {
      if (r.status === "rejected") {
        expect(r.reason).toBeInstanceOf(ConflictError);
        expect((r.reason as Error).message).toBe(`domain already claimed: '${custom}' by tenant '${winner ?? ""}' (not proven yet: the claim expires at ${at(15).toISOString()}, after which another tenant may claim it)`);
      }
    }
    expect(await stores[0].tenants.domainOwner(custom)).toBe(winner);
  });

  test("claims made before migration 0023 count from the upgrade, so none lapses at once", async () => {
    const older = await olderStore(factory, backend, "0022_cloud_outputs");
    const { url, dispose } = older;
    try {
      const long = "2020-01-01T00:00:00.000Z";
      await sql`insert into tenants (name, spec, generation, phase, created_at, updated_at) values ('old', '{}', 1, 'Ready', ${long}, ${long})`.execute(older.db);
      await sql`insert into tenant_domains (domain, tenant_name) values ('shop.old-corp.com', 'old')`.execute(older.db);
      await older.seeded();

      const before = Date.now();
      const store = await openStore({ url, baseDir: backend.baseDir });
      try {
        expect(store.migrated).toContain("0023_domain_claim_expiry");
        const [claim] = await domainClaimsRepo(store.db, policy).list({ tenantName: "old" }, new Date());
        expect(claim).toMatchObject({ domain: "shop.old-corp.com", status: "Pending", expiresAt: expect.any(Date) as unknown });
        expect(claim?.claimedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
        expect(claim?.expiresAt?.getTime()).toBe((claim?.claimedAt.getTime() ?? 0) + 7 * DAY);
      } finally {
        await store.close();
      }
    } finally {
      await dispose();
    }
  });
});
