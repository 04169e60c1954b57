/**
 * Byte-stable serialisation: keys sorted at every level, fixed document order.
 *
 * YAML is written with js-yaml, which quotes every scalar that a YAML 1.1 reader would
 * take for something else ('yes', 'on', '0755', '2024-01-01'). Kubernetes tooling reads
 * YAML 1.1 (go-yaml v2 behind sigs.k8s.io/yaml): an unquoted `on` env value or label
 * would arrive as a boolean. Parsing stays with the `yaml` package (hardened reader).
 */
import { dump } from "js-yaml";
import { sortKeys } from "../util/plain.js";

const YAML_OPTIONS = { sortKeys: true, lineWidth: -1, noRefs: true, noCompatMode: false } as const;

export function toYaml(value: unknown): string {
  return dump(value, YAML_OPTIONS);
}

/** A multi-document YAML stream, as kubectl and Argo CD read it. */
export function toYamlStream(values: readonly unknown[]): string {
  return values.map(toYaml).join("---\n");
}

export function toJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}
