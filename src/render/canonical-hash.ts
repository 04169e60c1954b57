/**
 * A content hash that depends on the data, not on how it was spelled: sha256 over JSON
 * with keys sorted at every level (undefined members dropped, as JSON does). Two specs
 * that differ only in the order of keys in a user map (labels, annotations, env,
 * overrides) render the same YAML, so they must hash the same.
 */
import { createHash } from "node:crypto";
import { sortKeys } from "../util/plain.js";

/**
 * sha256, hex, of the canonical JSON of plain data (objects, arrays, scalars). Keys are
 * sorted in plain objects only (see sortKeys): convert class instances to plain data
 * first, or their keys hash in their own order.
 */
export function canonicalHash(value: unknown): string {
  const text = JSON.stringify(sortKeys(value));
  // JSON.stringify returns undefined for undefined, functions and symbols.
  if (typeof text !== "string") throw new TypeError("value is not representable as JSON");
  return createHash("sha256").update(text).digest("hex");
}
