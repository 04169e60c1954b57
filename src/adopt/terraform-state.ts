/**
 * The managed resources of an existing Terraform state (`terraform state pull`, format
 * version 4), reduced to what an adoption needs: type, name and cloud id. Data sources are
 * skipped: they own nothing.
 */
import { z } from "zod";
import { InputError } from "../errors.js";
import type { ExistingCloudResource } from "./existing-setup.js";

const stateSchema = z.object({
  version: z.literal(4),
  resources: z
    .array(
      z.object({
        mode: z.string(),
        type: z.string(),
        name: z.string(),
        module: z.string().optional(),
        instances: z.array(z.object({ index_key: z.union([z.string(), z.number()]).optional(), attributes: z.record(z.string(), z.unknown()).optional() })),
      }),
    )
    .default([]),
});

function indexSuffix(key: string | number | undefined): string {
  if (key === undefined) return "";
  return typeof key === "number" ? `[${String(key)}]` : `[${JSON.stringify(key)}]`;
}

export function resourcesOfState(raw: unknown, file: string): ExistingCloudResource[] {
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InputError([
      { file, path: "version", message: "is not a Terraform state of format version 4", fix: "pass the output of `terraform state pull` (Terraform 0.12 or later) with --terraform-state" },
    ]);
  }
  const out: ExistingCloudResource[] = [];
  for (const r of parsed.data.resources) {
    if (r.mode !== "managed") continue;
    for (const i of r.instances) {
      const id = i.attributes?.id;
      if (typeof id !== "string" || id === "") continue;
      const name = i.attributes?.name;
      out.push({
        address: `${r.module === undefined ? "" : `${r.module}.`}${r.type}.${r.name}${indexSuffix(i.index_key)}`,
        type: r.type,
        id,
        ...(typeof name === "string" ? { name } : {}),
      });
    }
  }
  return out;
}
