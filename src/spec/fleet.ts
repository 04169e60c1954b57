/**
 * From raw files to a checked fleet: decode, parse landlord.yaml, resolve each tenant,
 * then the fleet-wide checks. Every problem from every file is collected before failing,
 * and nothing is returned unless everything is valid.
 */
import { InputError, type InputProblem } from "../errors.js";
import { decodeYaml, type RawFile, type SourceDocument } from "./documents.js";
import type { FreeCapacity } from "./placement.js";
import { parsePlatform, type PlatformContext } from "./platform.js";
import { checkFleet, resolveTenant, type ResolvedTenant } from "./resolve.js";

export function loadPlatform(raw: RawFile): PlatformContext {
  const decoded = decodeYaml(raw.file, raw.bytes);
  if (!decoded.ok) throw new InputError(decoded.problems);
  if (decoded.documents.length !== 1) {
    throw new InputError([{ file: raw.file, path: "", message: "landlord.yaml must hold exactly one document", fix: "remove the extra documents" }]);
  }
  const [doc] = decoded.documents as [SourceDocument];
  const parsed = parsePlatform(doc);
  if (!parsed.ok) throw new InputError(parsed.problems);
  return parsed.value;
}

export function decodeTenantFiles(files: readonly RawFile[]): { documents: SourceDocument[]; problems: InputProblem[] } {
  const documents: SourceDocument[] = [];
  const problems: InputProblem[] = [];
  for (const f of files) {
    const decoded = decodeYaml(f.file, f.bytes);
    if (decoded.ok) documents.push(...decoded.documents);
    else problems.push(...decoded.problems);
  }
  return { documents, problems };
}

export function resolveFleet(ctx: PlatformContext, documents: readonly SourceDocument[], free?: FreeCapacity): ResolvedTenant[] {
  const problems: InputProblem[] = [];
  const resolved: ResolvedTenant[] = [];
  for (const doc of documents) {
    const r = resolveTenant(ctx, doc, free ? { free } : {});
    if (r.ok) resolved.push(r.value);
    else problems.push(...r.problems);
  }
  problems.push(...checkFleet(resolved));
  if (problems.length > 0) throw new InputError(problems);
  return resolved;
}

export function loadFleet(ctx: PlatformContext, files: readonly RawFile[]): ResolvedTenant[] {
  const { documents, problems } = decodeTenantFiles(files);
  if (problems.length > 0) {
    // Still resolve what decoded, so one run reports every problem at once.
    try {
      resolveFleet(ctx, documents);
    } catch (err) {
      if (err instanceof InputError) throw new InputError([...problems, ...err.problems]);
      throw err;
    }
    throw new InputError(problems);
  }
  return resolveFleet(ctx, documents);
}
