/**
 * Three-layer merge (global defaults -> tier -> tenant overrides) with provenance:
 * objects merge deeply, lists and scalars replace, the most specific layer wins, and
 * every leaf remembers which layer set it.
 */

import { isPlainObject } from "../util/plain.js";

export interface NamedLayer {
  /** Shown by `landlord explain`, e.g. "defaults", "tier/small", "tenant". */
  readonly source: string;
  readonly value: unknown;
}

export interface MergeResult {
  readonly value: Record<string, unknown>;
  /** Leaf path (dotted) -> source of the layer that set it. */
  readonly provenance: ReadonlyMap<string, string>;
}


export function mergeLayers(layers: readonly NamedLayer[], base?: MergeResult): MergeResult {
  const provenance = new Map<string, string>(base?.provenance);
  let value: Record<string, unknown> = base?.value ?? {};
  for (const layer of layers) {
    if (!isPlainObject(layer.value)) continue;
    value = mergeInto(value, layer.value, "", layer.source, provenance);
  }
  return { value, provenance };
}

function mergeInto(
  base: Record<string, unknown>,
  top: Record<string, unknown>,
  prefix: string,
  source: string,
  provenance: Map<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, topValue] of Object.entries(top)) {
    if (topValue === undefined) continue;
    const path = prefix === "" ? key : `${prefix}.${key}`;
    const baseValue = out[key];
    if (isPlainObject(topValue) && isPlainObject(baseValue)) {
      out[key] = mergeInto(baseValue, topValue, path, source, provenance);
    } else if (isPlainObject(topValue)) {
      out[key] = mergeInto({}, topValue, path, source, provenance);
    } else {
      if (isPlainObject(baseValue)) forgetBelow(provenance, path);
      provenance.set(path, source);
      out[key] = topValue;
    }
  }
  return out;
}

/** A replaced list or scalar drops the provenance of whatever stood below it. */
function forgetBelow(provenance: Map<string, string>, path: string): void {
  for (const key of provenance.keys()) {
    if (key.startsWith(`${path}.`)) provenance.delete(key);
  }
}
