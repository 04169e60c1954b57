/** The PostgreSQL side of the store: a pg Pool behind Kysely's dialect. */
import { PostgresDialect } from "kysely";
import type { Dialect } from "kysely";
import pg from "pg";

export const DEFAULT_PG_POOL_SIZE = 10;

export function postgresDialect(url: string, poolSize = DEFAULT_PG_POOL_SIZE): Dialect {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle pooled connection that the server closes (restart, failover, admin kill) is
  // reported here and dropped from the pool; without a listener Node would crash the
  // process over a connection nobody was using. Errors of queries still reach their callers.
  pool.on("error", () => undefined);
  return new PostgresDialect({ pool });
}
