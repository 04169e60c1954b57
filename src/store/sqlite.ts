/**
 * The SQLite side of the store: WAL, a busy timeout, and one connection per database file
 * per process, shared by every Store opened on it.
 *
 * Why shared: better-sqlite3 is synchronous, so while one connection of this process sits
 * in a write transaction (awaiting between statements), a second connection of the same
 * process waiting for the lock blocks the very event loop the first needs to finish —
 * it can only time out. One shared connection lets Kysely queue transactions instead.
 * Other processes are real concurrency, and the busy timeout covers them.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import type { Dialect, SqliteDatabase, SqliteStatement } from "kysely";
import type { Database } from "./schema.js";

/** How long a writer waits for another process's write lock before SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

interface Shared {
  readonly db: Kysely<Database>;
  users: number;
}

const open = new Map<string, Shared>();

export interface SqliteHandle {
  readonly db: Kysely<Database>;
  /** The first release of a handle gives up its share; the last one closes the connection. */
  readonly release: () => Promise<void>;
}

/**
 * `path` must be absolute (or ":memory:", which is never shared: each open is a new database).
 * Read-only connections never create the file and are shared only among themselves.
 */
export function openSqlite(path: string, options: { readonly readOnly?: boolean } = {}): SqliteHandle {
  const readOnly = options.readOnly === true && path !== ":memory:";
  const key = path === ":memory:" ? undefined : `${readOnly ? "ro" : "rw"}:${path}`;
  let shared = key === undefined ? undefined : open.get(key);
  if (!shared) {
    shared = { db: new Kysely<Database>({ dialect: sqliteDialect(path, readOnly) }), users: 0 };
    if (key !== undefined) open.set(key, shared);
  }
  shared.users++;
  const mine = shared;
  let released = false;
  return {
    db: mine.db,
    release: async () => {
      if (released) return;
      released = true;
      if (--mine.users > 0) return;
      if (key !== undefined && open.get(key) === mine) open.delete(key);
      await mine.db.destroy();
    },
  };
}

function sqliteDialect(path: string, readOnly: boolean): Dialect {
  if (readOnly) {
    const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    return new SqliteDialect({ database: immediateTransactions(db) });
  }
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  // Already WAL (every store after its first open): asking again takes no lock.
  db.pragma("journal_mode = WAL");
  db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  db.pragma("foreign_keys = ON");
  // With WAL, NORMAL is durable against process crashes (only an OS crash can lose the last commits).
  db.pragma("synchronous = NORMAL");
  return new SqliteDialect({ database: immediateTransactions(db) });
}

const NO_OP: SqliteStatement = {
  reader: false,
  all: () => [],
  run: () => ({ changes: 0, lastInsertRowid: 0 }),
  iterate: () => [][Symbol.iterator](),
};

/**
 * Kysely opens SQLite transactions with a plain (deferred) BEGIN. A deferred transaction
 * that has read and then tries to write fails at once with SQLITE_BUSY when another
 * process wrote in between; the busy timeout does not help there. BEGIN IMMEDIATE takes
 * the write lock up front, so concurrent writers from other processes queue instead.
 * (Inside one process Kysely already serialises everything on the single connection.)
 *
 * Statements are kept by SQL text. Kysely prepares on every execution, and each better-sqlite3
 * statement holds native memory until V8 happens to collect its small JS object: a process
 * that onboarded 3,000 tenants had grown from 360 MB to 824 MB of RSS, and each onboarding
 * had slowed by half. A long-running `landlord serve` runs the same few hundred shapes.
 */
const STATEMENT_CACHE_SIZE = 500;

function immediateTransactions(db: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepared = (sqlText: string): BetterSqlite3.Statement => {
    const hit = cache.get(sqlText);
    if (hit) {
      // Most recently used last, so eviction takes the oldest.
      cache.delete(sqlText);
      cache.set(sqlText, hit);
      return hit;
    }
    const statement = db.prepare(sqlText);
    cache.set(sqlText, statement);
    if (cache.size > STATEMENT_CACHE_SIZE) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    return statement;
  };
  return {
    close: () => {
      db.close();
    },
    prepare: (sqlText: string): SqliteStatement => {
      // SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR);
      // Kysely's ROLLBACK then fails with "cannot rollback - no transaction is active" and
      // hides the real error. With no transaction open, a rollback has nothing to do.
      if (/^\s*rollback\s*;?\s*$/i.test(sqlText) && !db.inTransaction) return NO_OP;
      const statement = prepared(/^\s*begin\s*;?\s*$/i.test(sqlText) ? "begin immediate" : sqlText);
      return {
        get reader() {
          return statement.reader;
        },
        all: (parameters) => statement.all(...parameters),
        run: (parameters) => statement.run(...parameters),
        // An iterating statement is busy until its iterator ends: a nested run of the same
        // SQL gets a statement of its own.
        iterate: (parameters) => (statement.busy ? db.prepare(statement.source) : statement).iterate(...parameters),
      };
    },
  };
}
