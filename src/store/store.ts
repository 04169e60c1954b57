/**
 * Opening the store: one Kysely query layer over SQLite (default, a file under the
 * project) or PostgreSQL (a postgres:// URL, e.g. DATABASE_URL). Migrations run at open,
 * only when the schema is behind: an up-to-date store is opened without taking the write
 * lock, so a stopped process cannot block readers (docs/adr/0014).
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { Kysely, Migrator } from "kysely";
import { InputError } from "../errors.js";
import { describeTarget, storeFailure } from "./failures.js";
import { auditRepo } from "./audit-repo.js";
import type { AuditRepo } from "./audit-repo.js";
import { InCodeMigrationProvider } from "./migrations.js";
import { postgresDialect } from "./postgres.js";
import type { Backend, Database } from "./schema.js";
import { openSqlite } from "./sqlite.js";
import type { SqliteHandle } from "./sqlite.js";
import { tenantsRepo } from "./tenants-repo.js";
import { tokensRepo } from "./tokens-repo.js";
import type { TokensRepo } from "./tokens-repo.js";
import type { TenantsRepo } from "./tenants-repo.js";
import { workflowsRepo } from "./workflows-repo.js";
import type { WorkflowsRepo } from "./workflows-repo.js";

import { DEFAULT_SQLITE_PATH } from "./default-path.js";
export { DEFAULT_SQLITE_PATH };

export interface Repos {
  readonly tenants: TenantsRepo;
  readonly workflows: WorkflowsRepo;
  readonly audit: AuditRepo;
  readonly tokens: TokensRepo;
}

export interface Store extends Repos {
  readonly backend: Backend;
  /** Runs `fn` in one transaction; repo calls made through `tx` commit or roll back together. */
  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  /** Names of the migrations applied, oldest first. */
  migrations(): Promise<string[]>;
  /** SQLite Stores of one file in one process share a connection (see sqlite.ts); the last close closes it. */
  close(): Promise<void>;
  /** The query builder itself, for tests and maintenance; application code uses the repos. */
  readonly db: Kysely<Database>;
  readonly location: StoreLocation;
  /** False when this open created the SQLite file (or, read-only, found none and stands in an empty store). */
  readonly existed: boolean;
  /** Migrations this open applied (empty when the schema was current). */
  readonly migrated: readonly string[];
}

export interface OpenStoreOptions {
  /** postgres:// or postgresql:// selects PostgreSQL; anything else is a SQLite path (relative to baseDir). */
  readonly url?: string;
  readonly baseDir: string;
  /** Workflow ids; randomUUID unless a test pins them. */
  readonly newId?: () => string;
  /** PostgreSQL pool size. */
  readonly poolSize?: number;
  /** A server process: PostgreSQL connections stay open once made (see PoolSettings). */
  readonly longLived?: boolean;
  /**
   * For commands that only read: SQLite is opened read-only and never created (a missing
   * file reads as an empty store, `existed` false). Migrations still run if the schema is behind.
   */
  readonly readOnly?: boolean;
}

export interface StoreLocation {
  readonly backend: Backend;
  /** The PostgreSQL URL or the absolute SQLite path. */
  readonly target: string;
}

/**
 * DATABASE_URL as an operator sets it: only a well-formed postgres:// or postgresql:// URL
 * with a host (or a host= socket folder) is accepted. Anything else is refused with the
 * reason, instead of silently becoming a SQLite file named after the typo.
 */
export function checkDatabaseUrl(value: string): string {
  const refuse = (message: string): never => {
    throw new InputError([
      {
        path: "DATABASE_URL",
        message,
        fix: "set it to postgres://USER@HOST:5432/DATABASE, or unset it to use the SQLite file .landlord/landlord.db beside landlord.yaml",
      },
    ]);
  };
  const shown = redactedUrl(value);
  if (value.trim() === "") refuse("is set but empty");
  if (value !== value.trim()) refuse(`'${shown}' has spaces around it`);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1];
  if (scheme === undefined) {
    refuse(/^postgres(ql)?\/\//i.test(value) ? `'${shown}' lacks the ':' after the scheme (postgres://...)` : `'${shown}' is not a URL (no scheme)`);
  }
  if (!/^postgres(ql)?$/i.test(scheme ?? "")) refuse(`scheme '${scheme ?? ""}' is not supported: only postgres:// and postgresql:// URLs select a store`);
  if (!/^postgres(ql)?:\/\//i.test(value)) refuse(`'${shown}' lacks the '//' after '${scheme ?? ""}:'`);
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return refuse(`'${shown}' is not a well-formed URL`);
  }
  if (u.hostname === "" && !u.searchParams.has("host")) refuse(`'${shown}' names no host`);
  if (u.port !== "" && !(Number(u.port) > 0 && Number(u.port) < 65536)) refuse(`port ${u.port} is out of range`);
  if (/\/./.test(u.pathname.slice(1))) refuse(`database name '${decodeURIComponent(u.pathname.slice(1))}' contains '/'`);
  return value;
}

/** A URL as it may be shown: the password replaced. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    // Not parsable: hide whatever sits between ':' and '@', the usual place of a password.
    return url.replace(/:[^:@/]*@/, ":***@");
  }
}

export function locateStore(url: string | undefined, baseDir: string): StoreLocation {
  if (url !== undefined && /^postgres(ql)?:\/\//i.test(url)) return { backend: "postgres", target: url };
  // Any other scheme (mysql://...) would otherwise become a SQLite file named after the URL.
  if (url !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^(sqlite|file):/i.test(url)) {
    throw new InputError([{ path: "DATABASE_URL", message: "only postgres:// (or postgresql://) URLs and SQLite paths are supported", fix: "use postgres://user@host:5432/db, or unset it for the default SQLite file" }]);
  }
  const path = url === undefined || url === "" ? DEFAULT_SQLITE_PATH : url.replace(/^(sqlite|file):(\/\/)?/i, "");
  if (path === ":memory:") return { backend: "sqlite", target: path };
  return { backend: "sqlite", target: isAbsolute(path) ? path : resolve(baseDir, path) };
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const located = locateStore(options.url, options.baseDir);
  const existed = located.backend === "postgres" || located.target === ":memory:" || existsSync(located.target);
  // Read-only and nothing there: an empty in-memory store answers the reads, nothing is created.
  const where: StoreLocation = options.readOnly === true && !existed ? { backend: "sqlite", target: ":memory:" } : located;
  const readOnly = options.readOnly === true && existed;
  const open = (ro: boolean): SqliteHandle => {
    try {
      return connect(where, options.poolSize, ro, options.longLived === true);
    } catch (err) {
      throw storeFailure(err, located, "opening the store") ?? err;
    }
  };
  let handle = open(readOnly);
  let migrated: string[] = [];
  try {
    if (!readOnly) {
      migrated = await migrateIfBehind(handle.db, where);
    } else if ((await pendingMigrations(handle.db, where)).length > 0) {
      // A store left by an older Landlord: reads need the current schema, so the first read
      // after an upgrade migrates it (a write, once), then goes on read-only.
      await handle.release();
      const writer = open(false);
      try {
        migrated = await migrateIfBehind(writer.db, where);
      } finally {
        await writer.release();
      }
      handle = open(true);
    }
  } catch (err) {
    await handle.release();
    throw err;
  }
  const { db, release } = handle;
  const newId = options.newId ?? randomUUID;
  const repos = (q: Kysely<Database>): Repos => ({
    tenants: tenantsRepo(q, where.backend),
    workflows: workflowsRepo(q, newId),
    audit: auditRepo(q),
    tokens: tokensRepo(q),
  });
  return {
    ...repos(db),
    backend: where.backend,
    db,
    location: located,
    existed,
    migrated,
    transaction: (fn) => db.transaction().execute((trx) => fn(repos(trx))),
    async migrations() {
      const all = await new Migrator({ db, provider: new InCodeMigrationProvider(where.backend) }).getMigrations();
      return all.filter((m) => m.executedAt !== undefined).map((m) => m.name);
    },
    close: release,
  };
}

function connect(where: StoreLocation, poolSize: number | undefined, readOnly: boolean, longLived = false): SqliteHandle {
  if (where.backend === "sqlite") return openSqlite(where.target, { readOnly });
  const db = new Kysely<Database>({ dialect: postgresDialect(where.target, { ...(poolSize !== undefined ? { poolSize } : {}), longLived }) });
  return { db, release: () => db.destroy() };
}

/** The migrations this store has not run yet (a read, no lock). */
async function pendingMigrations(db: Kysely<Database>, where: StoreLocation): Promise<string[]> {
  try {
    const all = await new Migrator({ db, provider: new InCodeMigrationProvider(where.backend) }).getMigrations();
    return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
  } catch (err) {
    throw storeFailure(err, where, `opening the ${where.backend} store at ${describeTarget(where)}`) ?? err;
  }
}

/**
 * Reads which migrations ran (no lock) and migrates only when some are missing. Concurrent
 * migrations are safe: the Migrator takes a lock (an advisory lock on PostgreSQL, the write
 * lock on SQLite) and tolerates its bookkeeping tables appearing meanwhile.
 */
async function migrateIfBehind(db: Kysely<Database>, where: StoreLocation): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new InCodeMigrationProvider(where.backend) });
  if ((await pendingMigrations(db, where)).length === 0) return [];
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw (
      storeFailure(error, where, `migrating the ${where.backend} store at ${describeTarget(where)}${failed ? ` (migration ${failed})` : ""}`) ??
      new Error(`migrating the ${where.backend} store at ${describeTarget(where)} failed${failed ? ` in migration ${failed}` : ""}: ${error instanceof Error ? error.message : JSON.stringify(error)}`, { cause: error })
    );
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
