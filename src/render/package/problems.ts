/** Refusals of rendered package objects: each names the package, the template, the object and the field. */
import type { InputProblem } from "../../errors.js";
import type { PackageOrigin } from "./types.js";

/** One document the package tool produced, with the template it came from when the tool says. */
export interface RenderedDoc {
  readonly object: Record<string, unknown>;
  /** e.g. "example-shop/templates/web.yaml" (Helm's "# Source:" comment). */
  readonly source?: string;
}

export type Report = (field: string, message: string, fix: string) => void;

export function reporter(origin: PackageOrigin, doc: RenderedDoc, out: InputProblem[]): Report {
  const kind = typeof doc.object.kind === "string" ? doc.object.kind : "(no kind)";
  const meta = doc.object.metadata;
  const name = typeof meta === "object" && meta !== null && typeof (meta as { name?: unknown }).name === "string" ? (meta as { name: string }).name : "(no name)";
  const file = doc.source === undefined ? origin.display : `${origin.display}, ${doc.source}`;
  return (field, message, fix) => out.push({ file, path: field === "" ? `${kind}/${name}` : `${kind}/${name} ${field}`, message, fix });
}

export type Json = Record<string, unknown>;
export const obj = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
