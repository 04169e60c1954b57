/**
 * JSON as text. Specs are written canonically (keys sorted at every level) so that the
 * text itself tells whether a spec changed, which is what bumps a tenant's generation.
 */
import type { JsonText } from "./schema.js";

export function canonicalJson(value: unknown): JsonText {
  const text = JSON.stringify(value, (_key, v: unknown) => (isPlainObject(v) ? sortKeys(v) : v));
  // JSON.stringify returns undefined for undefined, functions and symbols.
  if (typeof text !== "string") throw new TypeError("value is not representable as JSON");
  return text;
}

export function parseJson(text: JsonText): unknown {
  return JSON.parse(text) as unknown;
}

export function parseJsonOrNull(text: JsonText | null): unknown {
  return text === null ? null : parseJson(text);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}
