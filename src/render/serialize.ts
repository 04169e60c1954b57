/**
 * Byte-stable serialisation: keys sorted at every level, fixed document order.
 *
 * YAML is written in block style, two-space indents, sequences indented under their key,
 * no line folding, no anchors, with scalars written by the YAML 1.1-safe rules of
 * ./yaml-scalars.ts: every string a YAML 1.1 reader would take for something else ('yes',
 * 'on', '0755', '2024-01-01') is quoted. Kubernetes tooling reads YAML 1.1 (go-yaml v2
 * behind sigs.k8s.io/yaml): an unquoted `on` env value or label would arrive as a boolean.
 * See docs/adr/0007-yaml-reader-and-writer.md.
 *
 * The text is built directly from the plain values: going through the `yaml` package's
 * document model cost most of a fleet render (a node per value, a context object per
 * pair), and a rendered object is plain data with no comments, tags or anchors, so only
 * a small part of that model was ever used. The layout rules are the package's block
 * rules as Landlord used them (indent 2, indentSeq, lineWidth 0); the bytes are pinned by
 * test/render/serialize.test.ts against that writer and by the golden files.
 */
import { sortKeys } from "../util/plain.js";
import { inlineText, literalBlock, quotedKey, yamlNumber } from "./yaml-scalars.js";

/**
 * The one-line text of each distinct string (null: a multi-line value), worked out once:
 * a fleet writes the same few thousand strings hundreds of thousands of times, and the
 * quoting decision walks every character. The bound only keeps a long-lived process small.
 */
const inlineCache = new Map<string, string | null>();
/** The text of each distinct mapping key followed by ':' (keys are never blocks). */
const keyCache = new Map<string, string>();
const CACHE_LIMIT = 100_000;

function inline(s: string): string | null {
  let text = inlineCache.get(s);
  if (text === undefined) {
    if (inlineCache.size >= CACHE_LIMIT) inlineCache.clear();
    text = inlineText(s);
    inlineCache.set(s, text);
  }
  return text;
}

/**
 * A key's text with its ':'. A key longer than 1024 characters cannot be an implicit key
 * in YAML, so it is written as an explicit one ('? key', then ': value' on the next line
 * at the mapping's indent); the caller adds that line break.
 */
function keyText(s: string): string {
  let text = keyCache.get(s);
  if (text === undefined) {
    if (keyCache.size >= CACHE_LIMIT) keyCache.clear();
    const str = inline(s) ?? quotedKey(s);
    text = str.length > 1024 ? `? ${str}\n` : `${str}:`;
    keyCache.set(s, text);
  }
  return text;
}

const PADS: string[] = [""];
function pad(n: number): string {
  let p = PADS[n];
  if (p === undefined) {
    for (let i = PADS.length; i < n; i++) PADS[i] = " ".repeat(i);
    p = " ".repeat(n);
    PADS[n] = p;
  }
  return p;
}

function typeName(v: unknown): string {
  return Object.prototype.toString.call(v);
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const tag = typeName(v);
  if (tag !== "[object Object]") throw new TypeError(`cannot write a ${tag} as YAML`);
  return true;
}

function scalarText(v: unknown, indent: number): string {
  switch (typeof v) {
    case "string":
      return inline(v) ?? literalBlock(v, indent || 2);
    case "number":
      return yamlNumber(v);
    case "boolean":
      return v ? "true" : "false";
    case "undefined":
      return "null";
    default:
      if (v === null) return "null";
      if (v instanceof Date) return v.toISOString();
      throw new TypeError(`cannot write a ${typeof v} as YAML`);
  }
}

/**
 * The text of `v` as a node whose lines after the first start at `indent` spaces (the
 * `yaml` package's context indent): mapping entries line up there, sequence items start
 * there with '- ', and a literal block's content is indented by it.
 */
function nodeText(v: unknown, indent: number): string {
  if (typeof v !== "object" || v === null || v instanceof Date) return scalarText(v, indent);
  if (Array.isArray(v)) {
    const n = v.length;
    if (n === 0) return "[]";
    const sep = `\n${pad(indent)}- `;
    let out = "- ";
    for (let i = 0; i < n; i++) {
      if (i > 0) out += sep;
      out += nodeText(v[i], indent + 2);
    }
    return out;
  }
  isPlainObject(v);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  const sep = `\n${pad(indent)}`;
  const inner = indent + 2;
  let out = "";
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const value = o[key];
    if (value === undefined) continue;
    if (first) first = false;
    else out += sep;
    const k = keyText(key);
    const text = nodeText(value, inner);
    if (k.charCodeAt(k.length - 1) === 0x0a /* explicit key */) out += `${k}${pad(indent)}: ${text}`;
    // A collection with entries starts on the next line; an empty one is `{}` or `[]`
    // (a string never writes as those: it would be quoted).
    else if (typeof value === "object" && value !== null && !(value instanceof Date) && text !== "{}" && text !== "[]") out += `${k}\n${pad(inner)}${text}`;
    else out += `${k} ${text}`;
  }
  return first ? "{}" : out;
}

export function toYaml(value: unknown): string {
  if (value === undefined) return "";
  return `${nodeText(value, 0)}\n`;
}

/** A multi-document YAML stream, as kubectl and Argo CD read it. */
export function toYamlStream(values: readonly unknown[]): string {
  let out = "";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += "---\n";
    out += toYaml(values[i]);
  }
  return out;
}

export function toJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

/**
 * One output of many documents that arrive in batches (a fleet, tenant by tenant): the
 * same bytes as toYamlStream of all of them, or toJson of a v1 List holding them all,
 * written as they come so the whole text is never held at once.
 */
export interface DocumentStream {
  add(documents: readonly unknown[]): void;
  end(): void;
}

export function documentStream(format: "yaml" | "json", write: (text: string) => void): DocumentStream {
  let count = 0;
  if (format === "yaml") {
    return {
      add(documents) {
        if (documents.length === 0) return;
        write(count > 0 ? `---\n${toYamlStream(documents)}` : toYamlStream(documents));
        count += documents.length;
      },
      end() {},
    };
  }
  // toJson sorts keys: apiVersion, items, kind; each item sits four spaces in.
  return {
    add(documents) {
      let text = "";
      for (const d of documents) {
        text += `${count === 0 ? '{\n  "apiVersion": "v1",\n  "items": [\n' : ",\n"}    ${d === undefined ? "null" : JSON.stringify(sortKeys(d), null, 2).replaceAll("\n", "\n    ")}`;
        count++;
      }
      if (text !== "") write(text);
    },
    end() {
      write(count === 0 ? '{\n  "apiVersion": "v1",\n  "items": [],\n  "kind": "List"\n}\n' : '\n  ],\n  "kind": "List"\n}\n');
    },
  };
}
