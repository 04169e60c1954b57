/**
 * From raw files to a checked fleet: decode, parse landlord.yaml, resolve each tenant,
 * then the fleet-wide checks. Every problem from every file is collected before failing,
 * and nothing is returned unless everything is valid.
 *
 * Two ways: loadFleet holds every resolved tenant at once; FleetCheck checks file by file
 * and keeps only what the fleet-wide checks need, then hands the tenants out again one at
 * a time, for work that streams over a whole fleet (render).
 */
import { InputError, type InputProblem } from "../errors.js";
import { decodeYaml, type RawFile, type SourceDocument } from "./documents.js";
import type { FreeCapacity } from "./placement.js";
import { parsePlatform, type PlatformContext } from "./platform.js";
import { checkFleet, resolveTenant, type FleetMember, type ResolvedTenant } from "./resolve.js";

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

/** A copy of just what the fleet-wide checks read, so the rest of the tenant can go. */
function member(t: ResolvedTenant): FleetMember {
  const { domains, customerId, access } = t.tenant.spec;
  const { namespace, keyVault, storageAccount } = t.names;
  return {
    file: t.file,
    tenant: { metadata: { name: t.tenant.metadata.name }, spec: { domains, customerId, access } },
    names: { namespace, keyVault, storageAccount },
    placement: { nodePool: t.placement.nodePool },
  };
}

/**
 * A fleet checked file by file, so that it is known valid before anything is written
 * while memory stays small: per tenant it keeps the file's bytes (a few hundred) and what
 * the fleet-wide checks read, not the resolved tenant (four kilobytes, and the render
 * that follows would hold every bundle if it kept those). Resolving is pure, so the
 * tenants resolved again by tenants() are the ones that were checked.
 */
export class FleetCheck {
  private readonly decodeProblems: InputProblem[] = [];
  private readonly resolveProblems: InputProblem[] = [];
  private readonly members: FleetMember[] = [];
  private readonly files: RawFile[] = [];
  private checked = false;

  constructor(private readonly ctx: PlatformContext) {}

  /** Files are added in the order their tenants are to come out (and problems be listed). */
  add(raw: RawFile): void {
    const decoded = decodeYaml(raw.file, raw.bytes);
    if (!decoded.ok) {
      this.decodeProblems.push(...decoded.problems);
      return;
    }
    this.files.push(raw);
    for (const doc of decoded.documents) {
      const r = resolveTenant(this.ctx, doc);
      if (!r.ok) this.resolveProblems.push(...r.problems);
      else this.members.push(member(r.value));
    }
  }

  get size(): number {
    return this.members.length;
  }

  /** Throws every problem of the fleet at once (in loadFleet's order); nothing when valid. */
  check(more: (members: readonly FleetMember[]) => InputProblem[] = () => []): void {
    // `more`: checks against what lies outside the files, e.g. tenants already onboarded.
    const problems = [...this.decodeProblems, ...this.resolveProblems, ...checkFleet(this.members), ...more(this.members)];
    if (problems.length > 0) throw new InputError(problems);
    this.checked = true;
  }

  /** The checked tenants, in file order, each resolved when it is asked for. */
  *tenants(): Generator<ResolvedTenant, void, undefined> {
    if (!this.checked) throw new Error("FleetCheck.tenants() before a check() that passed");
    for (const raw of this.files) {
      const decoded = decodeYaml(raw.file, raw.bytes);
      if (!decoded.ok) throw new InputError(decoded.problems);
      for (const doc of decoded.documents) {
        const r = resolveTenant(this.ctx, doc);
        if (!r.ok) throw new InputError(r.problems);
        yield r.value;
      }
    }
  }
}
