/**
 * Terraform type constraints as data, so the generator's variable types can be written
 * to variables.tf and compared with the module's own declarations structurally (field
 * order and formatting do not matter, names and types do).
 */
export type HclType =
  | { kind: "string" | "number" | "bool" | "any" }
  | { kind: "list" | "set" | "map"; of: HclType }
  | { kind: "object"; fields: Record<string, HclType> };

export const t = {
  string: { kind: "string" } as HclType,
  number: { kind: "number" } as HclType,
  bool: { kind: "bool" } as HclType,
  list: (of: HclType): HclType => ({ kind: "list", of }),
  map: (of: HclType): HclType => ({ kind: "map", of }),
  object: (fields: Record<string, HclType>): HclType => ({ kind: "object", fields }),
};

/** Writes a type constraint as terraform fmt would indent it at `indent` spaces. */
export function formatHclType(type: HclType, indent = 2): string {
  switch (type.kind) {
    case "list":
    case "set":
    case "map":
      return `${type.kind}(${formatHclType(type.of, indent)})`;
    case "object": {
      const names = Object.keys(type.fields);
      const width = Math.max(...names.map((n) => n.length));
      const pad = " ".repeat(indent + 2);
      const lines = names.map((n) => `${pad}${n.padEnd(width)} = ${formatHclType(type.fields[n] ?? t.string, indent + 2)}`);
      return `object({\n${lines.join("\n")}\n${" ".repeat(indent)}})`;
    }
    default:
      return type.kind;
  }
}

/** Parses a type constraint such as `list(object({ a = string }))` (hcl2json gives "${...}"). */
export function parseHclType(source: string): HclType {
  const text = source.replace(/^\$\{/, "").replace(/\}$/, "");
  let pos = 0;
  const skip = () => {
    while (pos < text.length && /[\s,]/.test(text[pos] ?? "")) pos++;
  };
  const word = (): string => {
    skip();
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(pos));
    if (!m) throw new SyntaxError(`expected a name at ${pos} in ${source}`);
    pos += m[0].length;
    return m[0];
  };
  const expect = (ch: string) => {
    skip();
    if (text[pos] !== ch) throw new SyntaxError(`expected '${ch}' at ${pos} in ${source}`);
    pos++;
  };
  const parse = (): HclType => {
    const name = word();
    if (name === "string" || name === "number" || name === "bool" || name === "any") return { kind: name };
    if (name === "list" || name === "set" || name === "map" || name === "optional") {
      expect("(");
      const of = parse();
      expect(")");
      return name === "optional" ? of : { kind: name, of };
    }
    if (name === "object") {
      expect("(");
      expect("{");
      const fields: Record<string, HclType> = {};
      skip();
      while (text[pos] !== "}") {
        const field = word();
        expect("=");
        fields[field] = parse();
        skip();
      }
      expect("}");
      expect(")");
      return { kind: "object", fields };
    }
    throw new SyntaxError(`unknown type '${name}' in ${source}`);
  };
  const type = parse();
  skip();
  if (pos !== text.length) throw new SyntaxError(`trailing text at ${pos} in ${source}`);
  return type;
}

export function sameHclType(a: HclType, b: HclType): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "object" && b.kind === "object") {
    const ka = Object.keys(a.fields).sort();
    const kb = Object.keys(b.fields).sort();
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameField(a.fields[k], b.fields[k]));
  }
  if ("of" in a && "of" in b) return sameHclType(a.of, b.of);
  return true;
}

function sameField(a: HclType | undefined, b: HclType | undefined): boolean {
  return a !== undefined && b !== undefined && sameHclType(a, b);
}
