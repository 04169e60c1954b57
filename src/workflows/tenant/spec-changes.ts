/** Leaf-level difference of two specs, for the audit log: what changed, from what, to what. */
import { isPlainObject } from "../../util/plain.js";

export interface Change {
  readonly path: string;
  readonly from?: unknown;
  readonly to?: unknown;
}

export function specDiff(before: unknown, after: unknown, path = ""): Change[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => specDiff(before[k], after[k], path === "" ? k : `${path}.${k}`));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path, ...(before === undefined ? {} : { from: before }), ...(after === undefined ? {} : { to: after }) }];
}
