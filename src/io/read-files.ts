/**
 * File-system adapter: expands paths to YAML files and reads them with a size cap. The
 * bytes go to the pure decoder in src/spec/documents.ts; spec and render never touch the
 * file system themselves (docs/adr/0001-pure-render-core.md, enforced by eslint).
 */
import { open, readdir, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { InputError, type InputProblem } from "../errors.js";
import { MAX_FILE_BYTES, type RawFile } from "../spec/documents.js";

const YAML_EXT = new Set([".yaml", ".yml"]);

/** Lists YAML files under the given paths (directories recursively, sorted for stable order). */
export async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const problems: InputProblem[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch {
      problems.push({ file: path, path: "", message: "no such file or directory", fix: "check the path given with -f" });
      continue;
    }
    if (info.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) files.push(...(await walk(full)));
    else if (e.isFile() && YAML_EXT.has(extname(e.name))) files.push(full);
  }
  return files;
}

/** Reads at most MAX_FILE_BYTES + 1 bytes so a huge file is refused without loading it whole. */
export async function readCapped(file: string): Promise<RawFile> {
  const handle = await open(file, "r");
  try {
    const buffer = new Uint8Array(MAX_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) break;
    }
    return { file, bytes: buffer.subarray(0, length) };
  } finally {
    await handle.close();
  }
}
