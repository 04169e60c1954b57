/** Byte-stable serialisation: keys sorted at every level, fixed document order. */
import { Document, stringify } from "yaml";

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

export function toYaml(value: unknown): string {
  return stringify(sortKeys(value), YAML_OPTIONS);
}

/** A multi-document YAML stream, as kubectl and Argo CD read it. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map((v) => new Document(sortKeys(v), YAML_OPTIONS).toString(YAML_OPTIONS)).join("---\n");
}

export function toJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}
