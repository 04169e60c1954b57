/**
 * A store as an older Landlord left it: a fresh database on the backend, migrated only up to
 * `migration`, for upgrade tests to seed rows in the old shape before the current code opens it.
 */
import { join } from "node:path";
import { Kysely, Migrator } from "kysely";
import pg from "pg";
import { InCodeMigrationProvider } from "../../../src/store/migrations.js";
import { postgresDialect } from "../../../src/store/postgres.js";
import type { Database } from "../../../src/store/schema.js";
import { openSqlite } from "../../../src/store/sqlite.js";
import { PG_ADMIN_URL, unique, type BackendFactory, type TestBackend } from "./backends.js";

export interface OlderStore {
  /** Where the current code opens it (openStore({ url })). */
  readonly url: string;
  /** The old schema, to seed; closed by `seeded`. */
  readonly db: Kysely<Database>;
  /** Closes the seeding connection. */
  readonly seeded: () => Promise<void>;
  /** Drops the database (PostgreSQL); the SQLite file goes with the backend's directory. */
  readonly dispose: () => Promise<void>;
}

export async function olderStore(factory: BackendFactory, backend: TestBackend, migration: string): Promise<OlderStore> {
  let url: string;
  let dispose = (): Promise<void> => Promise.resolve();
  if (factory.name === "sqlite") {
    url = join(backend.baseDir, `${unique("older")}.db`);
  } else {
    const name = unique("older").replace(/-/g, "_");
    const admin = async (statement: string) => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(statement);
      await c.end();
    };
    await admin(`create database ${name}`);
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${name}`;
    url = u.toString();
    dispose = () => admin(`drop database if exists ${name} with (force)`);
  }
  const opened =
    factory.name === "sqlite"
      ? openSqlite(url)
      : (() => {
          const k = new Kysely<Database>({ dialect: postgresDialect(url) });
          return { db: k, release: () => k.destroy() };
        })();
  const result = await new Migrator({ db: opened.db, provider: new InCodeMigrationProvider(factory.name) }).migrateTo(migration);
  if (result.error !== undefined) {
    await opened.release();
    await dispose();
    throw new Error(`migrating the older store to ${migration} failed: ${result.error instanceof Error ? result.error.message : JSON.stringify(result.error)}`);
  }
  return { url, db: opened.db, seeded: () => opened.release(), dispose };
}
