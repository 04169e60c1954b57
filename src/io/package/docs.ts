/** The YAML stream a package tool prints, as documents with the template each came from. */
import { parseAllDocuments } from "yaml";
import { InputError } from "../../errors.js";
import type { RenderedDoc } from "../../render/package/problems.js";
import { isPlainObject } from "../../util/plain.js";

/** Helm names each document's template in a comment the YAML parser keeps (without its "#"). */
const SOURCE = /^\s*Source: (.+)$/m;

export function parseRendered(text: string, display: string): RenderedDoc[] {
  const out: RenderedDoc[] = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false })) {
    if (doc.errors.length > 0) {
      throw new InputError([{ file: display, path: "", message: `the package rendered invalid YAML: ${doc.errors[0]?.message ?? ""}`, fix: "fix the template" }]);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    const comments = `${doc.commentBefore ?? ""}\n${(doc.contents as { commentBefore?: string | null } | null)?.commentBefore ?? ""}`;
    const source = SOURCE.exec(comments)?.[1]?.trim();
    if (!isPlainObject(value)) {
      throw new InputError([{ file: source === undefined ? display : `${display}, ${source}`, path: "", message: "a rendered document is not a YAML mapping", fix: "fix the template" }]);
    }
    // A List (kubectl kustomize never prints one, but templates may) is its items.
    if (value.kind === "List" && Array.isArray(value.items)) {
      for (const item of value.items) if (isPlainObject(item)) out.push({ object: item, ...(source !== undefined ? { source } : {}) });
      continue;
    }
    out.push({ object: value, ...(source !== undefined ? { source } : {}) });
  }
  return out;
}
