/**
 * The JSON columns that hold documents (a tenant's spec, its placement, a rollout target's
 * previous spec), parsed once here so callers get typed records instead of casting.
 *
 * The checks are deliberately shallow: text that is not JSON, or JSON that is not a tenant
 * document at all, is refused with a StoreError naming the row; a document that the
 * current tenant schema would reject is passed through. Such a spec was valid when it was
 * written (submit and rollouts store only resolved specs), and a stricter schema in a later
 * version must not make `get tenants` or `offboard` unusable: resolveSpec reports it where
 * it is used, as a problem with a fix (issue 11: no dead ends).
 */
import { StoreError } from "../errors.js";
import { isPlacementRecord, type PlacementRecord } from "../spec/placement-record.js";
import type { Tenant } from "../spec/tenant-schema.js";
import type { JsonText } from "./schema.js";

/** Which cell: table, column and the row's tenant, as the error names it. */
export interface Cell {
  readonly table: string;
  readonly column: string;
  readonly tenant: string;
  /** Further key of the row, e.g. the rollout id. */
  readonly row?: string;
}

export function parseSpecColumn(text: JsonText, cell: Cell): Tenant {
  const value = parseCell(text, cell);
  if (!isPlainObject(value)) throw corrupt(cell, `holds ${kindOf(value)}, not a tenant document`);
  // Shallow by design (see above): the document's fields are trusted as written.
  return value as Tenant;
}

export function parseSpecColumnOrNull(text: JsonText | null, cell: Cell): Tenant | null {
  return text === null ? null : parseSpecColumn(text, cell);
}

export function parsePlacementColumn(text: JsonText | null, cell: Cell): PlacementRecord | null {
  if (text === null) return null;
  const value = parseCell(text, cell);
  if (!isPlacementRecord(value)) throw corrupt(cell, `holds ${kindOf(value)}, not a placement (an object with a cluster name)`);
  return value;
}

function parseCell(text: JsonText, cell: Cell): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw corrupt(cell, `is not JSON (${err instanceof Error ? err.message : String(err)})`, err);
  }
}

function corrupt(cell: Cell, problem: string, cause?: unknown): StoreError {
  const where = `${cell.table}.${cell.column} of tenant '${cell.tenant}'${cell.row !== undefined ? ` (${cell.row})` : ""}`;
  return new StoreError(
    `the stored ${cell.column} of tenant '${cell.tenant}' ${problem}; it was changed outside Landlord`,
    where,
    cell.column === "placement"
      ? `restore the row from a backup of the store, or write the placement back as JSON {"cluster","region","dedicatedCluster","sharedCpuMillis"} (the tenant's namespace carries its cluster and region as the landlord.dev/cluster and landlord.dev/region labels)`
      : `restore the row from a backup of the store, or write the tenant's spec (its YAML as JSON) into ${cell.table}.${cell.column} for '${cell.tenant}'`,
    cause === undefined ? undefined : { cause },
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return `a ${typeof v}`;
}
