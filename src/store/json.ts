/**
 * JSON as text. Specs are written canonically (keys sorted at every level) so that the
 * text itself tells whether a spec changed, which is what bumps a tenant's generation.
 */
import { sortKeys } from "../util/plain.js";
import type { JsonText } from "./schema.js";

export function canonicalJson(value: unknown): JsonText {
  const text = JSON.stringify(sortKeys(value));
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

