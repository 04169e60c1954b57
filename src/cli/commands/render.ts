import { mkdir, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { renderBundle, type Bundle } from "../../render/bundle.js";
import { toJson, toYamlStream } from "../../render/serialize.js";
import type { CliIo } from "../io.js";
import { loadWorkspace, type GlobalOptions } from "../workspace.js";

export type OutputFormat = "yaml" | "json";

/** Writes via a temporary file so a reader never sees half a file. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

export function bundleFiles(bundle: Bundle, format: OutputFormat): { name: string; text: string }[] {
  return [
    format === "json"
      ? { name: "kubernetes.json", text: toJson({ apiVersion: "v1", kind: "List", items: bundle.objects }) }
      : { name: "kubernetes.yaml", text: toYamlStream(bundle.objects) },
    { name: "terraform.tfvars.json", text: toJson(bundle.terraform.variables) },
  ];
}

export async function renderCommand(
  io: CliIo,
  global: GlobalOptions,
  opts: { file?: string[]; output: OutputFormat; out?: string },
): Promise<void> {
  const ws = await loadWorkspace(io, global, opts.file);
  // Everything is rendered before anything is written: invalid input writes nothing.
  const bundles = ws.tenants.map((t) => renderBundle(ws.platform.config, t));
  if (opts.out === undefined) {
    const objects = bundles.flatMap((b) => b.objects);
    io.stdout(opts.output === "json" ? toJson({ apiVersion: "v1", kind: "List", items: objects }) : toYamlStream(objects));
    return;
  }
  const root = resolve(io.cwd, opts.out);
  for (const b of bundles) {
    const dir = join(root, b.tenant);
    await mkdir(dir, { recursive: true });
    for (const f of bundleFiles(b, opts.output)) await writeAtomic(join(dir, f.name), f.text);
  }
  io.stderr(`rendered ${bundles.length} tenants (${bundles.reduce((n, b) => n + b.objects.length, 0)} objects) into ${opts.out}\n`);
}
