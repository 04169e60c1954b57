/**
 * What a tenant's database holds, reduced to something two databases can be compared by:
 * per table, its row count and an md5 over its rows in a fixed order. Taken on the source
 * at the move's backup and again on the restored target (docs/adr/0020).
 */
import type { ResolvedTenant } from "../../spec/resolve.js";

export interface TableFingerprint {
  readonly rows: number;
  readonly checksum: string;
}

export interface Fingerprint {
  /** By "schema.table". */
  readonly tables: Readonly<Record<string, TableFingerprint>>;
}

/**
 * Reaches a tenant's database where `t` places it (its cluster, and there its node pool: a
 * probe that runs a pod must run it where the tenant's pods may run).
 */
export interface DatabaseProbe {
  fingerprint(t: ResolvedTenant, signal?: AbortSignal): Promise<Fingerprint>;
  /** The fingerprint at one WAL position, while the tenant keeps writing: what a restore to that position must hold. */
  fingerprintAtPoint(t: ResolvedTenant, signal?: AbortSignal): Promise<PointFingerprint>;
  /**
   * Commits an empty transaction now. PostgreSQL stops a restore to a time at the first
   * commit after it; with none archived after that time (a quiet database) the restore
   * fails "before the recovery target was reached" (CloudNativePG then retries its job).
   */
  commitMarker(t: ResolvedTenant, signal?: AbortSignal): Promise<void>;
}

/** Assigns the session a transaction id, so its commit is written to the WAL with a timestamp. */
export const COMMIT_MARKER_SQL = "select txid_current()";

export interface PointFingerprint {
  readonly fingerprint: Fingerprint;
  /** The WAL position right after the last write the fingerprint holds; a restore to it, exclusive, holds the same data. */
  readonly lsn: string;
  /** How long the tenant's writes waited on the fingerprint (it holds SHARE locks while it reads). */
  readonly pausedMs: number;
}

/**
 * One statement, so a psql in a pod and a direct connection run the same text. Each table's
 * count and digest come from a query built per table (query_to_xml runs it without PL/pgSQL);
 * rows are ordered by their text form, which every type has.
 */
export const FINGERPRINT_SQL = `select coalesce(json_object_agg(f.schema || '.' || f.name, json_build_object('rows', f.rows, 'checksum', f.checksum) order by f.schema, f.name), '{}'::json)::text as fingerprint
from (
  select n.nspname as schema, c.relname as name,
    (xpath('/row/n/text()', x))[1]::text::bigint as rows,
    (xpath('/row/h/text()', x))[1]::text as checksum
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace,
  lateral query_to_xml(format('select count(*) as n, md5(coalesce(string_agg(t::text, chr(10) order by t::text), '''')) as h from %I.%I t', n.nspname, c.relname), false, true, '') as x
  where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'
) f`;

/** The user tables the fingerprint reads, as a FROM/WHERE over pg_class c and pg_namespace n. */
const USER_TABLES = `pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'`;

/**
 * The fingerprint at a WAL position, as statements of one session. Under READ COMMITTED the
 * SHARE locks come first: they wait for every write in flight to commit and hold off new
 * ones, so the position read next is after every write the fingerprint then sees, and no
 * write lands between them. A snapshot taken before the locks (REPEATABLE READ) would miss
 * writes that commit while the locks are awaited. The app's own role owns its tables, so
 * the app's credentials suffice; no superuser (CloudNativePG disables it). lock_timeout
 * bounds the wait behind a long transaction: the step fails and is retried, instead of
 * queueing the tenant's writes behind it. The insert position, not the write position: a
 * commit made with synchronous_commit off may still sit in the WAL buffers, before the
 * write position, and a restore that stops there would lose it.
 */
export const POINT_FINGERPRINT_STATEMENTS: readonly string[] = [
  "begin isolation level read committed",
  "set local lock_timeout = '10s'",
  `do $$ declare r record; begin for r in select n.nspname, c.relname from ${USER_TABLES} loop execute format('lock table %I.%I in share mode', r.nspname, r.relname); end loop; end $$`,
  `select json_build_object('lsn', pg_current_wal_insert_lsn()::text, 'fingerprint', (${FINGERPRINT_SQL})::json, 'started', floor(extract(epoch from statement_timestamp()) * 1000), 'ended', floor(extract(epoch from clock_timestamp()) * 1000))::text`,
  "commit",
];

/** Reads the statement's one value; anything else is the probe's own failure. */
export function parseFingerprint(text: string): Fingerprint {
  const parsed = JSON.parse(text.trim()) as unknown;
  if (typeof parsed !== "object" || parsed === null) throw new Error(`database fingerprint is not an object: ${text.slice(0, 200)}`);
  const tables: Record<string, TableFingerprint> = {};
  for (const [name, v] of Object.entries(parsed as Record<string, unknown>)) {
    const t = v as { rows?: unknown; checksum?: unknown };
    if (typeof t.rows !== "number" || typeof t.checksum !== "string") throw new Error(`database fingerprint of ${name} is malformed`);
    tables[name] = { rows: t.rows, checksum: t.checksum };
  }
  return { tables };
}

/** Reads the point statement's one value. */
export function parsePointFingerprint(text: string): PointFingerprint {
  const parsed = JSON.parse(text.trim()) as { lsn?: unknown; fingerprint?: unknown; started?: unknown; ended?: unknown };
  if (typeof parsed.lsn !== "string" || !/^[0-9A-F]+\/[0-9A-F]+$/i.test(parsed.lsn)) throw new Error(`database point fingerprint has no WAL position: ${text.slice(0, 200)}`);
  const pausedMs = typeof parsed.started === "number" && typeof parsed.ended === "number" ? Math.max(0, parsed.ended - parsed.started) : 0;
  return { lsn: parsed.lsn, fingerprint: parseFingerprint(JSON.stringify(parsed.fingerprint ?? {})), pausedMs };
}

/** Differences of the target from the source, one line each; empty when they hold the same data. */
export function fingerprintDifferences(source: Fingerprint, target: Fingerprint): string[] {
  const out: string[] = [];
  const names = [...new Set([...Object.keys(source.tables), ...Object.keys(target.tables)])].sort();
  for (const name of names) {
    const a = source.tables[name];
    const b = target.tables[name];
    if (!a) out.push(`${name}: on the target only`);
    else if (!b) out.push(`${name}: missing on the target (${String(a.rows)} rows on the source)`);
    else if (a.rows !== b.rows) out.push(`${name}: ${String(b.rows)} rows on the target, ${String(a.rows)} on the source`);
    else if (a.checksum !== b.checksum) out.push(`${name}: same row count (${String(a.rows)}), different content`);
  }
  return out;
}
