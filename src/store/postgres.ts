/** The PostgreSQL side of the store: a pg Pool behind Kysely's dialect. */
import { PostgresDialect } from "kysely";
import type { Dialect } from "kysely";
import pg from "pg";

export const DEFAULT_PG_POOL_SIZE = 10;

export interface PoolSettings {
  readonly poolSize?: number;
  /**
   * A server (`landlord serve`): connections once opened stay open. A new PostgreSQL
   * backend loads its catalog caches on its first queries (tens of milliseconds), and pg's
   * default closes a connection idle for 10 s, so a server under uneven load kept paying
   * that in its slowest requests. A fixed-size pool, as HikariCP's default, avoids it.
   */
  readonly longLived?: boolean;
}

export function postgresDialect(url: string, settings: PoolSettings = {}): Dialect {
  const max = settings.poolSize ?? DEFAULT_PG_POOL_SIZE;
  const pool = new pg.Pool({ connectionString: url, max, ...(settings.longLived === true ? { min: max } : {}) });
  // An idle pooled connection that the server closes (restart, failover, admin kill) is
  // reported here and dropped from the pool; without a listener Node would crash the
  // process over a connection nobody was using. Errors of queries still reach their callers.
  pool.on("error", () => undefined);
  return new PostgresDialect({ pool });
}
