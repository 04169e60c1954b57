/**
 * `landlord diff`: what delivering would change, per object, as unified diffs. With -f,
 * for the given specs (what `landlord update -f` would do); without, for the stored tenants
 * (drift after landlord.yaml changed). Plus the Terraform plan when Terraform is configured.
 * Exit codes follow kubectl diff: 0 no differences, 1 differences (2 for invalid input).
 */
import { createTwoFilesPatch } from "diff";
import { renderBundle } from "../../render/bundle.js";
import { objectKey } from "../../delivery/delivered.js";
import { toYaml } from "../../render/serialize.js";
import { isPlacementRecord, resolveSpec } from "../../workflows/tenant/services.js";
import type { CliIo } from "../io.js";
import { openRuntime } from "../tenant-services.js";
import { specFromFile } from "./tenants.js";
import { serverDiff } from "./cluster.js";
import type { GlobalOptions } from "../workspace.js";

export interface DiffResult {
  readonly differences: number;
}

export function objectDiffs(tenant: string, before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: string[] = [];
  for (const key of keys) {
    const a = before.get(key) ?? "";
    const b = after.get(key) ?? "";
    if (a === b) continue;
    out.push(createTwoFilesPatch(before.has(key) ? `delivered/${tenant}/${key}` : "/dev/null", after.has(key) ? `rendered/${tenant}/${key}` : "/dev/null", a, b, "", "", { context: 3 }));
  }
  return out;
}

export async function diffCommand(io: CliIo, global: GlobalOptions, name: string | undefined, opts: { file?: string[] }): Promise<number> {
  const rt = await openRuntime(io, global);
  try {
    const specs: Record<string, unknown>[] = [];
    if (opts.file && opts.file.length > 0) {
      for (const f of opts.file) specs.push(await specFromFile(io, f));
    } else {
      for (const t of await rt.store.tenants.list({ phases: ["Ready", "Failed", "Updating", "Provisioning"] })) {
        if (name === undefined || t.name === name) specs.push(t.spec as Record<string, unknown>);
      }
    }
    let differences = 0;
    for (const spec of specs) {
      const metaName = (spec.metadata as { name?: unknown } | undefined)?.name;
      const tenantName = typeof metaName === "string" ? metaName : "";
      const record = await rt.store.tenants.get(tenantName);
      const placement = record && isPlacementRecord(record.placement) ? record.placement : undefined;
      const tenant = resolveSpec(rt.services, spec, placement ? { placement } : {});
      const bundle = renderBundle(rt.services.platform.config, tenant);
      let patches: string[];
      if (rt.services.delivery.kind === "kubernetes") {
        patches = await serverDiff(rt, bundle);
      } else {
        const rendered = new Map(bundle.objects.map((o) => [objectKey(o), toYaml(o)]));
        const delivered = (await rt.services.delivery.delivered?.(tenantName)) ?? new Map<string, string>();
        patches = objectDiffs(tenantName, delivered, rendered);
      }
      differences += patches.length;
      for (const p of patches) io.stdout(p);
      const notConfigured = await rt.services.terraform.notConfigured();
      if (notConfigured === undefined) {
        const plan = await rt.services.terraform.plan(bundle.terraform.variables, new AbortController().signal);
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
