/**
 * Leases: who may run a workflow right now. Each operation is one conditional UPDATE, so
 * the database decides races: of two owners acquiring at once exactly one changes the
 * row. A lease is free when nobody holds it or it expired; re-acquiring your own lease
 * extends it. Expiry is compared as ISO text, which orders like time (fixed width, UTC,
 * byte collation on PostgreSQL).
 */
import type { Kysely, UpdateQueryBuilder, UpdateResult } from "kysely";
import { ProgrammingError } from "../errors.js";
import type { Database } from "./schema.js";
import { addMs, toIso } from "./time.js";

export async function acquireLease(
  db: Kysely<Database>,
  workflowId: string,
  owner: string,
  ttlMs: number,
  now: Date,
): Promise<boolean> {
  return setLease(db, workflowId, owner, ttlMs, now, (q) =>
    q.where((eb) => eb.or([eb("lease_owner", "is", null), eb("lease_expires_at", "<=", toIso(now)), eb("lease_owner", "=", owner)])),
  );
}

/** One conditional UPDATE gives `owner` the lease; the database decides between racers. */
async function setLease(
  db: Kysely<Database>,
  workflowId: string,
  owner: string,
  ttlMs: number,
  now: Date,
  only: (q: UpdateQueryBuilder<Database, "workflows", "workflows", UpdateResult>) => UpdateQueryBuilder<Database, "workflows", "workflows", UpdateResult>,
): Promise<boolean> {
  checkTtl(ttlMs);
  const result = await only(db.updateTable("workflows").set({ lease_owner: owner, lease_expires_at: toIso(addMs(now, ttlMs)) }).where("id", "=", workflowId)).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Extends the caller's lease. It still succeeds after expiry if nobody took the lease
 * over meanwhile: nothing else ran, so continuing is safe.
 */
export async function renewLease(
  db: Kysely<Database>,
  workflowId: string,
  owner: string,
  ttlMs: number,
  now: Date,
): Promise<boolean> {
  checkTtl(ttlMs);
  const result = await db
    .updateTable("workflows")
    .set({ lease_expires_at: toIso(addMs(now, ttlMs)) })
    .where("id", "=", workflowId)
    .where("lease_owner", "=", owner)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Takes the lease from `from`, a holder known to be dead, whatever its expiry: one
 * conditional UPDATE, so of two runners taking over at once exactly one wins.
 */
export async function takeOverLease(
  db: Kysely<Database>,
  workflowId: string,
  from: string,
  owner: string,
  ttlMs: number,
  now: Date,
): Promise<boolean> {
  return setLease(db, workflowId, owner, ttlMs, now, (q) => q.where("lease_owner", "=", from));
}

export async function releaseLease(db: Kysely<Database>, workflowId: string, owner: string): Promise<boolean> {
  const result = await db
    .updateTable("workflows")
    .set({ lease_owner: null, lease_expires_at: null })
    .where("id", "=", workflowId)
    .where("lease_owner", "=", owner)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Inside a transaction: true if `owner` holds the lease, and from then on nobody can take
 * it over until the transaction ends (the no-op UPDATE locks the row on PostgreSQL;
 * SQLite transactions hold the write lock). This fences a runner that lost its lease
 * without noticing: its writes are refused instead of overwriting the new owner's.
 */
export async function holdsLease(trx: Kysely<Database>, workflowId: string, owner: string): Promise<boolean> {
  const result = await trx
    .updateTable("workflows")
    .set({ lease_owner: owner })
    .where("id", "=", workflowId)
    .where("lease_owner", "=", owner)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    // Callers pass their own constants or checked settings: a bad TTL is a bug, not input.
    throw new ProgrammingError(`lease TTL must be a positive whole number of ms, got ${ttlMs}`);
  }
}
