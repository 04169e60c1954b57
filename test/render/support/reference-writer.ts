/**
 * The YAML writer Landlord used until the direct writer of src/render/serialize.ts: the
 * `yaml` package's document model with a scalar tag that applies the YAML 1.1-safe rules
 * of src/render/yaml-scalars.ts. Kept here only as the oracle the direct writer must
 * match byte for byte (test/render/serialize.test.ts); nothing in src uses it.
 */
import { Document, Pair, Scalar, YAMLMap, YAMLSeq, type Node, type ScalarTag } from "yaml";
import { inlineText, literalBlock, quotedKey, yamlNumber } from "../../../src/render/yaml-scalars.js";

/** A string scalar with its one-line text worked out once (null: it spans lines). */
class Text extends Scalar<string> {
  constructor(
    value: string,
    readonly inline: string | null,
  ) {
    super(value);
  }
}

/** Every scalar goes through this one tag, written by our rules instead of the package's. */
const scalarTag: ScalarTag = {
  tag: "tag:yaml.org,2002:str",
  default: true,
  identify: (v) => v === null || typeof v !== "object" || v instanceof Date,
  // Only used to write; the reader (src/spec/documents.ts) has its own schema.
  resolve: (s) => s,
  stringify(item, ctx) {
    if (item instanceof Text) {
      if (item.inline !== null) return item.inline;
      // Keys stay on one line; a value's block is indented one step below its parent.
      return ctx.implicitKey === true ? quotedKey(item.value) : literalBlock(item.value, ctx.indent.length || 2);
    }
    const v = item.value;
    if (typeof v === "number") return yamlNumber(v);
    if (typeof v === "boolean") return v ? "true" : "false";
    if (v instanceof Date) return v.toISOString();
    if (v === null || v === undefined) return "null";
    throw new TypeError(`cannot write a ${typeof v} as YAML`);
  },
};

/**
 * One document reused for every call (building a schema per call would cost more than
 * writing a small object): failsafe schema (map, seq) with our scalar tag in place of str.
 */
const doc = new Document(null, { schema: "failsafe", customTags: (tags) => [scalarTag, ...tags.filter((t) => typeof t === "string" || t.tag !== scalarTag.tag)] });
const WRITE = { indent: 2, indentSeq: true, lineWidth: 0, directives: false } as const;

/**
 * Nodes of distinct strings, shared by every place they occur (nodes are not changed by
 * writing): a fleet writes the same few thousand strings hundreds of thousands of times.
 * The bound only keeps a long-lived process small.
 */
const texts = new Map<string, Text>();
const TEXTS_LIMIT = 100_000;
const NULL = new Scalar(null);
const TRUE = new Scalar(true);
const FALSE = new Scalar(false);

function text(s: string): Text {
  let node = texts.get(s);
  if (node === undefined) {
    if (texts.size >= TEXTS_LIMIT) texts.clear();
    node = new Text(s, inlineText(s));
    texts.set(s, node);
  }
  return node;
}

/**
 * Collection and pair nodes are pooled: a write builds a tree, writes it and drops it,
 * and a fleet writes hundreds of thousands of them; reusing the nodes of the previous
 * write spares the allocations and the garbage (about 15% of bench:render's YAML time).
 * Writes never nest, so one pool serves them all.
 */
const pool = { maps: [] as YAMLMap<Text, Node>[], seqs: [] as YAMLSeq<Node>[], pairs: [] as Pair<Text, Node>[], map: 0, seq: 0, pair: 0 };

function newMap(): YAMLMap<Text, Node> {
  let map = pool.maps[pool.map++];
  if (map === undefined) pool.maps.push((map = new YAMLMap(doc.schema)));
  else map.items.length = 0;
  return map;
}

function newSeq(): YAMLSeq<Node> {
  let seq = pool.seqs[pool.seq++];
  if (seq === undefined) pool.seqs.push((seq = new YAMLSeq(doc.schema)));
  else seq.items.length = 0;
  return seq;
}

function newPair(key: Text, value: Node): Pair<Text, Node> {
  let pair = pool.pairs[pool.pair++];
  if (pair === undefined) pool.pairs.push((pair = new Pair(key, value)));
  else {
    pair.key = key;
    pair.value = value;
  }
  return pair;
}

/**
 * The node tree of a plain value: mapping keys sorted (code-unit order, as Array#sort),
 * undefined members left out and undefined items written as null, no anchors for
 * objects that occur twice (shared label maps are written out each time).
 */
function toNode(v: unknown): Node {
  if (typeof v === "string") return text(v);
  if (v === null || v === undefined) return NULL;
  if (typeof v === "boolean") return v ? TRUE : FALSE;
  if (Array.isArray(v)) {
    const seq = newSeq();
    for (const item of v as unknown[]) seq.items.push(toNode(item));
    return seq;
  }
  if (typeof v === "object" && !(v instanceof Date)) {
    if (Object.prototype.toString.call(v) !== "[object Object]") throw new TypeError(`cannot write a ${Object.prototype.toString.call(v)} as YAML`);
    const map = newMap();
    const o = v as Record<string, unknown>;
    for (const key of Object.keys(o).sort()) {
      const value = o[key];
      if (value !== undefined) map.items.push(newPair(text(key), toNode(value)));
    }
    return map;
  }
  return new Scalar(v);
}

export function referenceYaml(value: unknown): string {
  if (value === undefined) return "";
  try {
    doc.contents = toNode(value);
    return doc.toString(WRITE);
  } finally {
    doc.contents = null;
    pool.map = pool.seq = pool.pair = 0;
  }
}

/** A multi-document YAML stream, as kubectl and Argo CD read it. */
export function referenceYamlStream(values: readonly unknown[]): string {
  return values.map(referenceYaml).join("---\n");
}
