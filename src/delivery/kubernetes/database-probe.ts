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
