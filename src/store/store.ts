/**
 * Opening the store: one Kysely query layer over SQLite (default, a file under the
 * project) or PostgreSQL (a postgres:// URL, e.g. DATABASE_URL). Migrations run at open.
 */
import { randomUUID } from "node:crypto";
import { isAbsolute, join, resolve } from "node:path";
import { Kysely, Migrator } from "kysely";
import { InputError } from "../errors.js";
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

/** Where the SQLite file goes when no URL is given, relative to the base directory. */
export const DEFAULT_SQLITE_PATH = join(".landlord", "landlord.db");

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
}

export interface OpenStoreOptions {
  /** postgres:// or postgresql:// selects PostgreSQL; anything else is a SQLite path (relative to baseDir). */
  readonly url?: string;
  readonly baseDir: string;
  /** Workflow ids; randomUUID unless a test pins them. */
  readonly newId?: () => string;
  /** PostgreSQL pool size. */
  readonly poolSize?: number;
}

export interface StoreLocation {
  readonly backend: Backend;
  /** The PostgreSQL URL or the absolute SQLite path. */
  readonly target: string;
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
  const where = locateStore(options.url, options.baseDir);
  const { db, release } = connect(where, options.poolSize);
  try {
    await migrate(db, where.backend);
  } catch (err) {
    await release();
    throw err;
  }
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
    transaction: (fn) => db.transaction().execute((trx) => fn(repos(trx))),
    async migrations() {
      const all = await new Migrator({ db, provider: new InCodeMigrationProvider(where.backend) }).getMigrations();
      return all.filter((m) => m.executedAt !== undefined).map((m) => m.name);
    },
    close: release,
  };
}

function connect(where: StoreLocation, poolSize: number | undefined): SqliteHandle {
  if (where.backend === "sqlite") return openSqlite(where.target);
  const db = new Kysely<Database>({ dialect: postgresDialect(where.target, poolSize) });
  return { db, release: () => db.destroy() };
}

async function migrate(db: Kysely<Database>, backend: Backend): Promise<void> {
  const migrator = new Migrator({ db, provider: new InCodeMigrationProvider(backend) });
  // Concurrent opens are safe: the Migrator takes a lock (an advisory lock on PostgreSQL,
  // the write lock on SQLite) and tolerates its bookkeeping tables appearing meanwhile.
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw new Error(`migrating the ${backend} store failed`, { cause: error });
}
