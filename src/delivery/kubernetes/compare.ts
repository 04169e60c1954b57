/**
 * Does the live object still hold what Landlord applied? Every field Landlord sets must be
 * present with the same value; fields others add (defaults, status, controllers' labels)
 * are not drift. The API server rewrites resource quantities to canonical form ("0.5" ->
 * "500m"), so under resource maps quantities compare by value.
 */
import { parseMilli } from "../../spec/quantity.js";
import { isPlainObject } from "../../util/plain.js";

/** Keys whose values are maps of resource quantities in the built-in APIs. */
const QUANTITY_MAPS = new Set(["hard", "requests", "limits", "default", "defaultRequest", "max", "min", "capacity"]);

export interface Drift {
  /** Dotted path of the first field found different, e.g. spec.hard.pods. */
  readonly path: string;
  readonly want: unknown;
  readonly have: unknown;
}

function empty(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0);
}

function sameQuantity(a: unknown, b: unknown): boolean {
  if (typeof a !== "string" && typeof a !== "number") return false;
  if (typeof b !== "string" && typeof b !== "number") return false;
  const x = parseMilli(String(a));
  return x !== undefined && x === parseMilli(String(b));
}

function walk(want: unknown, have: unknown, path: string, quantities: boolean): Drift | undefined {
  // An empty map or list in the bundle asks for nothing in particular.
  if (empty(want)) return undefined;
  if (isPlainObject(want)) {
    if (!isPlainObject(have)) return { path, want, have };
    for (const key of Object.keys(want)) {
      const d = walk(want[key], have[key], path === "" ? key : `${path}.${key}`, quantities || QUANTITY_MAPS.has(key));
      if (d) return d;
    }
    return undefined;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length < want.length) return { path, want, have };
    for (let i = 0; i < want.length; i++) {
      const d = walk(want[i], have[i], `${path}[${String(i)}]`, false);
      if (d) return d;
    }
    return undefined;
  }
  if (want === have) return undefined;
  if (quantities && sameQuantity(want, have)) return undefined;
  return { path, want, have };
}

/** The first field of `desired` that `live` does not hold, or undefined when none. */
export function findDrift(desired: unknown, live: unknown): Drift | undefined {
  return walk(desired, live, "", false);
}
