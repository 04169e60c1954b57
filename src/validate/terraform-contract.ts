/**
 * Checks that the generator and the Terraform module agree: every variable the generator
 * writes is declared by the module with the same type, every variable the module requires
 * is written, and every written value fits its declared type.
 */
import { parseHclType, sameHclType, formatHclType, type HclType } from "../render/terraform/hcl-type.js";

export interface ModuleVariable {
  readonly type: HclType;
  readonly required: boolean;
}

/** From hcl2json output of a module's .tf files: `{ variable: { name: [{ type, default? }] } }`. */
export function moduleVariables(parsed: readonly unknown[]): Map<string, ModuleVariable> {
  const out = new Map<string, ModuleVariable>();
  for (const doc of parsed) {
    const vars = (doc as { variable?: Record<string, { type?: string; default?: unknown }[]> }).variable ?? {};
    for (const [name, [decl]] of Object.entries(vars)) {
      if (!decl) continue;
      out.set(name, { type: decl.type ? parseHclType(decl.type) : { kind: "any" }, required: !("default" in decl) });
    }
  }
  return out;
}

export function valueFits(value: unknown, type: HclType): boolean {
  switch (type.kind) {
    case "any":
      return true;
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "bool":
      return typeof value === "boolean";
    case "list":
    case "set":
      return Array.isArray(value) && value.every((v) => valueFits(v, type.of));
    case "map":
      return typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => valueFits(v, type.of));
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      return keys.length === Object.keys(type.fields).length && keys.every((k) => type.fields[k] !== undefined && valueFits(record[k], type.fields[k]));
    }
  }
}

export function contractProblems(
  generator: Readonly<Record<string, HclType>>,
  module: ReadonlyMap<string, ModuleVariable>,
  values?: Readonly<Record<string, unknown>>,
): string[] {
  const problems: string[] = [];
  for (const [name, type] of Object.entries(generator)) {
    const declared = module.get(name);
    if (!declared) problems.push(`generator writes '${name}', which the module does not declare`);
    else if (!sameHclType(type, declared.type)) {
      problems.push(`'${name}': generator writes ${formatHclType(type, 0)}, module declares ${formatHclType(declared.type, 0)}`);
    }
  }
  for (const [name, v] of module) {
    if (v.required && !(name in generator)) problems.push(`module requires '${name}', which the generator does not write`);
  }
  for (const [name, value] of Object.entries(values ?? {})) {
    const type = generator[name];
    if (type && !valueFits(value, type)) problems.push(`'${name}': value ${JSON.stringify(value)} does not fit ${formatHclType(type, 0)}`);
  }
  return problems;
}
