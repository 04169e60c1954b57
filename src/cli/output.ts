/**
 * How the CLI prints resources, kubectl-like: a table (default and `-o wide`), `-o name`
 * (kind/name per line), `-o yaml|json` with the same object shape (status included) for
 * one resource or a List of them. AGE is a duration, as kubectl shows it.
 */
import { InputError } from "../errors.js";
import { toJson, toYaml } from "../render/serialize.js";
import type { CliIo } from "./io.js";

export const GET_FORMATS = ["wide", "name", "yaml", "json"] as const;
export type GetFormat = (typeof GET_FORMATS)[number];

export function table(rows: Record<string, string>[], columns: string[]): string {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]) => `${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("   ").trimEnd()}\n`;
  return line(columns) + rows.map((r) => line(columns.map((c) => r[c] ?? ""))).join("");
}

/** 45s, 12m, 5h, 3d, 2y: the largest unit, like kubectl's AGE (two units below 10 of the larger). */
export function age(since: Date, now: Date = new Date()): string {
  const s = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 === 0 ? "" : `${s % 60}s`}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 === 0 ? "" : `${m % 60}m`}`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return `${d}d${h % 24 === 0 ? "" : `${h % 24}h`}`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

export interface Printable<T> {
  /** Lower-case kind for -o name, e.g. "tenant". */
  readonly kind: string;
  readonly name: (item: T) => string;
  readonly object: (item: T) => unknown;
  readonly row: (item: T) => Record<string, string>;
  readonly columns: readonly string[];
  readonly wideColumns: readonly string[];
  /** What the table says when there is nothing, e.g. "No tenants." */
  readonly none: string;
}

export function checkFormat(output: string | undefined): GetFormat | undefined {
  if (output === undefined) return undefined;
  if ((GET_FORMATS as readonly string[]).includes(output)) return output as GetFormat;
  throw new InputError([{ path: "--output", message: `unknown output format '${output}'`, fix: `use one of ${GET_FORMATS.join(", ")}` }]);
}

/** Prints a list (`single` false: a List for yaml/json) or one resource. */
export function printResources<T>(io: CliIo, p: Printable<T>, items: readonly T[], output: string | undefined, single = false): void {
  const format = checkFormat(output);
  if (format === "name") {
    io.stdout(items.map((i) => `${p.kind}/${p.name(i)}\n`).join(""));
    return;
  }
  if (format === "yaml" || format === "json") {
    const doc = single && items.length === 1 ? p.object(items[0] as T) : { apiVersion: "v1", kind: "List", items: items.map(p.object) };
    io.stdout(format === "json" ? toJson(doc) : toYaml(doc));
    return;
  }
  if (items.length === 0) {
    io.stdout(`${p.none}\n`);
    return;
  }
  io.stdout(table(items.map(p.row), [...(format === "wide" ? p.wideColumns : p.columns)]));
}
