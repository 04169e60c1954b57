/** Turns schema issues into InputProblems that name the field and the fix. */
import type { z } from "zod";
import type { InputProblem } from "../errors.js";
import { FIX } from "./fields.js";

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

export function joinPath(prefix: string, path: string): string {
  if (prefix === "") return path;
  if (path === "") return prefix;
  return path.startsWith("[") ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** The object keys a schema accepts at a path, for "did you mean" hints on typos. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  const steps = [...path];
  for (;;) {
    const def = defOf(node);
    if (!def) return [];
    switch (def.type) {
      case "optional":
      case "default":
      case "nullable":
      case "prefault":
      case "readonly":
      case "catch":
        node = def.innerType;
        continue;
      case "pipe":
        node = def.in;
        continue;
      case "object": {
        const shape = def.shape as Record<string, unknown> | undefined;
        if (steps.length === 0) return Object.keys(shape ?? {});
        node = shape?.[String(steps.shift())];
        continue;
      }
      case "array":
        steps.shift();
        node = def.element;
        continue;
      case "record":
        steps.shift();
        node = def.valueType;
        continue;
      default:
        return [];
    }
  }
}

function defOf(node: unknown): Record<string, unknown> & { type: string } | undefined {
  if (typeof node !== "object" || node === null || !("_zod" in node)) return undefined;
  const zod = (node as { _zod: { def: Record<string, unknown> & { type: string } } })._zod;
  return zod.def;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] ?? 0;
      row[j] = Math.min(cur + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] ?? 0;
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function splitMessage(message: string): { message: string; fix?: string } {
  const at = message.indexOf(FIX);
  return at < 0 ? { message } : { message: message.slice(0, at), fix: message.slice(at + FIX.length) };
}

export function issuesToProblems(
  schema: z.ZodType,
  issues: readonly z.core.$ZodIssue[],
  options: { file?: string; pathPrefix?: string } = {},
): InputProblem[] {
  const problems: InputProblem[] = [];
  const base = (path: readonly PropertyKey[]) => joinPath(options.pathPrefix ?? "", formatPath(path));
  const file = options.file === undefined ? {} : { file: options.file };
  const unknownAt = new Map<string, string[]>();
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") unknownAt.set(formatPath(issue.path), [...issue.keys]);
  }
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        const guess = closest(key, known);
        problems.push({
          ...file,
          path: joinPath(base(issue.path), key),
          message: `unknown field '${key}'`,
          fix: guess
            ? `did you mean '${guess}'?`
            : `remove it${known.length > 0 ? `; fields allowed here: ${known.join(", ")}` : ""}`,
        });
      }
      continue;
    }
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const first = issue.errors.flat()[0];
      if (first) {
        problems.push(...issuesToProblems(schema, [{ ...first, path: [...issue.path, ...first.path] }], options));
        continue;
      }
    }
    const { message, fix } = splitMessage(issue.message);
    if (issue.code === "invalid_type" && "input" in issue && issue.input === undefined) {
      const field = String(issue.path.at(-1) ?? "");
      const typo = closest(field, unknownAt.get(formatPath(issue.path.slice(0, -1))) ?? []);
      problems.push({
        ...file,
        path: base(issue.path),
        message: "required field is missing",
        fix: typo === undefined ? `add ${base(issue.path)}` : `rename '${typo}' to '${field}'`,
      });
      continue;
    }
    if (issue.code === "invalid_value" && fix === undefined) {
      const allowed = issue.values.map((v) => String(v)).join(", ");
      problems.push({ ...file, path: base(issue.path), message: `not an allowed value`, fix: `use one of: ${allowed}` });
      continue;
    }
    problems.push({ ...file, path: base(issue.path), message, fix: fix ?? defaultFix(issue) });
  }
  return problems;
}

function defaultFix(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return `write a value of type ${issue.expected}`;
    case "too_small":
      return `use at least ${String(issue.minimum)}`;
    case "too_big":
      return `use at most ${String(issue.maximum)}`;
    case "invalid_format":
      return `write a valid ${issue.format}`;
    default:
      return "correct the value";
  }
}
