/**
 * `landlord diff`: what delivering would change, per object, as unified diffs. With -f,
 * for the given specs (what `landlord update -f` would do); without, for the stored tenants
 * (drift after landlord.yaml changed). Plus the Terraform plan when Terraform is configured.
 * Exit codes follow kubectl diff: 0 no differences, 1 differences (2 for invalid input).
 */
import { bundleFor } from "../../io/package/render-package.js";
import { NotFoundError } from "../../errors.js";
import { bundlePatches, DELIVERED_PHASES } from "../../app/tenant-diff.js";
import { resolveSpec, specName, storedTenant } from "../../workflows/tenant/services.js";
import type { CliIo } from "../io.js";
import { openRuntime } from "../../app/runtime.js";
import { namingFile, specsFromPaths } from "../spec-files.js";
import type { GlobalOptions } from "../../app/load-files.js";

export interface DiffResult {
  readonly differences: number;
}

/**
 * An unknown tenant is an error, never "no differences": a CI gate must not pass on a typo.
 * Errors exit 2 or more (see program.ts), apart from 1 which means "differences".
 */
export async function diffCommand(io: CliIo, global: GlobalOptions, name: string | undefined, opts: { file?: string[] }): Promise<number> {
  const fileSpecs = opts.file && opts.file.length > 0 ? await specsFromPaths(io, opts.file) : undefined;
  const rt = await openRuntime(io, global, undefined, { readOnly: true });
  try {
    let specs: Record<string, unknown>[];
    if (fileSpecs) {
      specs = fileSpecs.filter((s) => name === undefined || specName(s) === name);
      if (specs.length === 0) throw new NotFoundError(`tenant '${name ?? ""}' is in none of the files given with -f (${fileSpecs.map(specName).join(", ")})`);
    } else {
      const stored = await rt.store.tenants.list({ phases: [...DELIVERED_PHASES] });
      specs = stored.filter((t) => name === undefined || t.name === name).map((t) => t.spec);
      if (name !== undefined && specs.length === 0) {
        const t = await rt.store.tenants.get(name);
        throw new NotFoundError(
          t
            ? `tenant '${name}' is ${t.phase}: nothing of it is delivered to compare (landlord describe tenant ${name})`
            : `tenant '${name}' is not in the store (landlord get tenants lists them; pass -f FILE to diff a spec that is not onboarded yet)`,
        );
      }
    }
    let differences = 0;
    for (const spec of specs) {
      const metaName = (spec.metadata as { name?: unknown } | undefined)?.name;
      const tenantName = typeof metaName === "string" ? metaName : "";
      const record = await rt.store.tenants.get(tenantName);
      // A delivered tenant's file renders as its update would; a new one as its onboarding.
      const bundle = await namingFile(spec, async () => (record !== undefined && record.phase !== "Offboarded" ? (await storedTenant(rt.services, record, spec)).bundle : bundleFor(rt.services.platform, resolveSpec(rt.services, spec))));
      const patches = await bundlePatches(rt, tenantName, bundle);
      differences += patches.length;
      for (const p of patches) io.stdout(p);
      const notConfigured = await rt.services.terraform.notConfigured();
      if (notConfigured === undefined) {
        const plan = await rt.services.terraform.plan(bundle.terraform.variables, new AbortController().signal, bundle.terraform.incarnation);
        io.stdout(`# terraform plan for ${tenantName} (${plan.workspace ?? ""})\n${plan.log ?? ""}\n`);
        if (!/No changes\./.test(plan.log ?? "")) differences++;
      }
      io.stderr(`${tenantName}: ${patches.length} object${patches.length === 1 ? " differs" : "s differ"}; terraform: ${notConfigured ?? "plan shown above"}\n`);
    }
    return differences > 0 ? 1 : 0;
  } finally {
    await rt.close();
  }
}
