/**
 * One leader among the `landlord serve` replicas of a store: a named lease row
 * (migration 0018_server_leases). Taking it is one conditional write, so the database
 * decides races, as for workflow leases (docs/adr/0004): the row is inserted if absent,
 * then claimed only if free, expired or already ours. The holder renews it every third of
 * the TTL; a replica that stops renewing loses it when it expires, and another takes over.
 */
import type { Kysely } from "kysely";
import type { Store } from "../store/index.js";

// A type alias, not an interface: withTables wants an index-compatible record.
type LeaseTables = {
  server_leases: { name: string; owner: string; expires_at: string };
};

const iso = (ms: number) => new Date(ms).toISOString();

export class LeaderLease {
  private readonly db: Kysely<LeaseTables>;

  constructor(
    store: Store,
    readonly name: string,
    readonly owner: string,
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.db = store.db.withTables<LeaseTables>() as unknown as Kysely<LeaseTables>;
  }

  /** Takes or extends the lease; true while this owner holds it. */
  async tryAcquire(): Promise<boolean> {
    const now = this.now();
    await this.db
      .insertInto("server_leases")
      .values({ name: this.name, owner: this.owner, expires_at: iso(now + this.ttlMs) })
      .onConflict((oc) => oc.column("name").doNothing())
      .execute();
    const r = await this.db
      .updateTable("server_leases")
      .set({ owner: this.owner, expires_at: iso(now + this.ttlMs) })
      .where("name", "=", this.name)
      .where((eb) => eb.or([eb("owner", "=", this.owner), eb("expires_at", "<=", iso(now))]))
      .executeTakeFirst();
    return r.numUpdatedRows === 1n;
  }

  /** Hands the lease back at shutdown so another replica need not wait for it to expire. */
  async release(): Promise<void> {
    await this.db
      .updateTable("server_leases")
      .set({ expires_at: iso(0) })
      .where("name", "=", this.name)
      .where("owner", "=", this.owner)
      .execute();
  }

  async holder(): Promise<{ owner: string; expiresAt: Date } | undefined> {
    const row = await this.db.selectFrom("server_leases").select(["owner", "expires_at"]).where("name", "=", this.name).executeTakeFirst();
    return row ? { owner: row.owner, expiresAt: new Date(row.expires_at) } : undefined;
  }
}
