/** Reading delivered manifests back, keyed "Kind/name", for diffs. */
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../render/object.js";
import { toYaml } from "../render/serialize.js";

export function objectKey(o: Pick<KubeObject, "kind" | "metadata">): string {
  return `${o.kind}/${o.metadata.name}`;
}

/** Re-serialised through the same writer as the renderer, so only content differences show. */
export function objectsByName(stream: string): Map<string, string> {
  const out = new Map<string, string>();
  const docs = parseAllDocuments(stream);
  for (const doc of Array.isArray(docs) ? docs : []) {
    const o = doc.toJS() as KubeObject | null;
    if (o && typeof o.kind === "string") out.set(objectKey(o), toYaml(o));
  }
  return out;
}
