/** Lets a repo method be atomic on its own and still join a caller's transaction. */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.js";

export async function inTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  // Kysely has no nested transactions; inside one, the outer transaction gives atomicity.
  if (db.isTransaction) return fn(db);
  return db.transaction().execute((trx: Transaction<Database>) => fn(trx));
}
