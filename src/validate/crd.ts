/**
 * Custom resources are checked against the real CRDs (../shared/crds in this repo's tests,
 * or the cluster's own). Like the API server with strict field validation, unknown fields
 * are errors unless the schema preserves them.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";

// ajv-formats is CommonJS with a default export; under NodeNext its default is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Schema = Record<string, unknown>;

/**
 * CRD patterns are Go RE2; some use inline flags like (?i) that JavaScript lacks.
 * Case-insensitivity is hoisted to the whole pattern, which is what they mean in practice.
 */
function goRegExp(pattern: string, flags: string): RegExp {
  const source = pattern.includes("(?i)") ? pattern.replaceAll("(?i)", "") : pattern;
  return new RegExp(source, pattern.includes("(?i)") ? `${flags}i` : flags);
}
goRegExp.code = "goRegExp";

function isSchema(v: unknown): v is Schema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Closes every object schema that lists properties, as structural-schema pruning would. */
export function strictify(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties" && isSchema(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSchema(v) ? strictify(v) : v]));
    } else if (Array.isArray(value)) {
      out[key] = (value as unknown[]).map((v) => (isSchema(v) ? strictify(v) : v));
    } else if (isSchema(value)) {
      out[key] = strictify(value);
    } else {
      out[key] = value;
    }
  }
  const preserves = schema["x-kubernetes-preserve-unknown-fields"] === true;
  if (isSchema(schema.properties) && schema.additionalProperties === undefined && !preserves) {
    out.additionalProperties = false;
  }
  return out;
}

export class CrdValidator {
  /** Schemas are compiled on first use: the largest CRDs take seconds to compile. */
  private readonly schemas = new Map<string, Schema>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv: Ajv;

  constructor() {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, code: { regExp: goRegExp } });
    addFormats(this.ajv);
    for (const f of ["int32", "int64", "byte", "double", "float", "duration", "quantity"]) this.ajv.addFormat(f, true);
  }

  /** Registers every served version of a CRD document. */
  add(crd: unknown): void {
    if (!isSchema(crd) || !isSchema(crd.spec)) return;
    const spec = crd.spec;
    const group = String(spec.group);
    const kind = isSchema(spec.names) ? String(spec.names.kind) : "";
    const versions = Array.isArray(spec.versions) ? spec.versions : [];
    for (const v of versions) {
      if (!isSchema(v) || v.served !== true || !isSchema(v.schema) || !isSchema(v.schema.openAPIV3Schema)) continue;
      const root = strictify(v.schema.openAPIV3Schema);
      // metadata is validated by the API server itself, not by the CRD schema.
      if (isSchema(root.properties)) root.properties = { ...root.properties, metadata: { type: "object" } };
      this.schemas.set(`${group}/${String(v.name)}/${kind}`, root);
    }
  }

  has(apiVersion: string, kind: string): boolean {
    return this.schemas.has(`${apiVersion}/${kind}`);
  }

  kinds(): string[] {
    return [...this.schemas.keys()].sort();
  }

  private validatorFor(key: string): ValidateFunction | undefined {
    let fn = this.validators.get(key);
    if (fn) return fn;
    const schema = this.schemas.get(key);
    if (!schema) return undefined;
    fn = this.ajv.compile(schema);
    this.validators.set(key, fn);
    return fn;
  }

  validate(object: { apiVersion: string; kind: string }): string[] {
    const fn = this.validatorFor(`${object.apiVersion}/${object.kind}`);
    if (!fn) return [`no CRD loaded for ${object.apiVersion} ${object.kind}`];
    if (fn(object)) return [];
    return (fn.errors ?? []).map((e) => {
      const extra = e.keyword === "additionalProperties" ? ` '${String((e.params as { additionalProperty?: string }).additionalProperty)}'` : "";
      return `${e.instancePath === "" ? "/" : e.instancePath}: ${e.message ?? "invalid"}${extra}`;
    });
  }

  /** Loads every *.yaml CRD in a directory. */
  /** Every CRD file in the folder and its subfolders (a CRD set is often kept per operator). */
  static async fromDirectory(dir: string): Promise<CrdValidator> {
    const v = new CrdValidator();
    const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml")).sort();
    for (const f of files) {
      const text = await readFile(join(dir, f), "utf8");
      v.add(parse(text, { maxAliasCount: -1 }));
    }
    return v;
  }
}
