/**
 * Tenant spec files named with -f (files or folders, any number of documents each). The
 * store is the truth once a tenant is onboarded; files are its input and its export
 * (`landlord get tenant NAME -o yaml`): the status and server-set metadata an export
 * carries are dropped here, so an export can be edited and fed back (docs/adr/0014).
 */
import { resolve } from "node:path";
import { InputError, type InputProblem } from "../errors.js";
import { expandPaths, readCapped } from "../io/read-files.js";
import { decodeYaml } from "../spec/documents.js";
import type { CliIo } from "./io.js";

/** Fields `get tenant -o yaml` adds that are not part of a Tenant spec: dropped, so an export can be fed back with -f. */
function withoutStatus(doc: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...doc };
  delete rest.status;
  const meta = rest.metadata;
  if (typeof meta === "object" && meta !== null && !Array.isArray(meta)) {
    const m = { ...(meta as Record<string, unknown>) };
    delete m.generation;
    delete m.creationTimestamp;
    return { ...rest, metadata: m };
  }
  return rest;
}

/** Where each spec read here came from, so later problems name the file, not only the tenant. */
const sources = new WeakMap<object, string>();

/**
 * Runs `fn` on a spec read from a file; input problems it raises about the spec are told
 * with the file's name (the workflows name a spec by its tenant, not knowing the file).
 */
export async function namingFile<T>(spec: object, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const file = sources.get(spec);
    if (file === undefined || !(err instanceof InputError)) throw err;
    throw new InputError(
      err.problems.map((p) => ({ ...p, file })),
      { cause: err },
    );
  }
}

/** Every Tenant document in the -f paths (files or directories), each checked to be one object. */
export async function specsFromPaths(io: CliIo, files: readonly string[]): Promise<Record<string, unknown>[]> {
  const paths = await expandPaths(files.map((f) => resolve(io.cwd, f)));
  const specs: Record<string, unknown>[] = [];
  const problems: InputProblem[] = [];
  for (const path of paths) {
    const raw = await readCapped(path);
    const file = path.startsWith(`${io.cwd}/`) ? path.slice(io.cwd.length + 1) : path;
    const decoded = decodeYaml(file, raw.bytes);
    if (!decoded.ok) {
      problems.push(...decoded.problems);
      continue;
    }
    for (const doc of decoded.documents) {
      if (typeof doc.value !== "object" || doc.value === null || Array.isArray(doc.value)) {
        problems.push({ file, path: `document ${doc.index + 1}`, message: "expected a Tenant object", fix: "put a Tenant document (apiVersion, kind, metadata, spec) in the file" });
        continue;
      }
      const spec = withoutStatus(doc.value as Record<string, unknown>);
      sources.set(spec, decoded.documents.length > 1 ? `${file} (document ${doc.index + 1})` : file);
      specs.push(spec);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  if (specs.length === 0) throw new InputError([{ file: files.join(", "), path: "", message: "no Tenant documents found", fix: "pass a YAML file or a folder of them with -f" }]);
  return specs;
}

export async function specFromFile(io: CliIo, file: string): Promise<Record<string, unknown>> {
  const specs = await specsFromPaths(io, [file]);
  const [doc] = specs;
  if (specs.length !== 1 || doc === undefined) {
    throw new InputError([{ file, path: "", message: `expected exactly one Tenant document, found ${specs.length}`, fix: "put one tenant in the file" }]);
  }
  return doc;
}
