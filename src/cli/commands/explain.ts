import { redactValue } from "../../util/redact.js";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { InputError, NotFoundError } from "../../errors.js";
import { resolveTenant } from "../../spec/resolve.js";
import { specsFromPaths } from "../spec-files.js";
import type { PlatformContext } from "../../spec/platform.js";
import { specName, storedTenant } from "../../workflows/tenant/services.js";
import { openRuntime } from "../../app/runtime.js";
import { toJson, toYaml } from "../../render/serialize.js";
import { landlordValueRows } from "../../render/package/values.js";
import type { ResolvedTenant } from "../../spec/resolve.js";
import type { CliIo } from "../io.js";
import { loadPlatformFile, loadWorkspace, type GlobalOptions } from "../../app/load-files.js";

export interface ExplainedValue {
  readonly path: string;
  readonly value: unknown;
  readonly source: string;
}

/** Every effective leaf value with the layer that set it, in path order. */
export function explainTenant(t: ResolvedTenant): ExplainedValue[] {
  const out: ExplainedValue[] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const entries = Object.entries(value);
      if (entries.length === 0) out.push({ path, value: {}, source: t.provenance.get(path) ?? "defaults" });
      for (const [k, v] of entries) walk(v, path === "" ? k : `${path}.${k}`);
      return;
    }
    // A value that looks like a credential is shown as a marker: explain output is pasted into tickets.
    out.push({ path, value: typeof value === "string" ? redactValue(value) : value, source: t.provenance.get(path) ?? "(schema default)" });
  };
  walk(t.effective, "");
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function sourceLabel(source: string, t: ResolvedTenant): string {
  if (source === "tenant") return `tenant (${t.file ?? t.tenant.metadata.name})`;
  if (source.startsWith("tier/")) return `tier ${source.slice(5)}`;
  return source;
}

/**
 * Which spec explain reads (docs/adr/0014): with -f, the files; otherwise the store once
 * the tenant is onboarded (it is the truth then: what was delivered, at its recorded
 * placement), else the tenant files beside landlord.yaml (a tenant not onboarded yet).
 */
async function explainSubject(
  io: CliIo,
  global: GlobalOptions,
  name: string,
  files: string[] | undefined,
): Promise<{ ws: { platform: PlatformContext }; t: ResolvedTenant }> {
  if (files === undefined || files.length === 0) {
    const rt = await openRuntime(io, global, undefined, { readOnly: true });
    try {
      const record = await rt.store.tenants.get(name);
      if (record && record.phase !== "Offboarded") {
        const { tenant: t } = await storedTenant(rt.services, record);
        return { ws: { platform: rt.services.platform }, t: { ...t, file: `store, generation ${record.generation}` } };
      }
    } finally {
      await rt.close();
    }
  }
  if (files !== undefined && files.length > 0) {
    // Files, exports of stored tenants included (their status is dropped).
    const platform = await loadPlatformFile(io, global);
    const spec = (await specsFromPaths(io, files)).find((x) => specName(x) === name);
    if (!spec) throw new NotFoundError(`tenant '${name}' is in none of ${files.join(", ")}`);
    const r = resolveTenant(platform, { file: files.join(", "), index: 0, value: spec });
    if (!r.ok) throw new InputError(r.problems);
    return { ws: { platform }, t: r.value };
  }
  const defaultDir = join(dirname(resolve(io.cwd, global.config)), "tenants");
  if (!existsSync(defaultDir)) throw new NotFoundError(`tenant '${name}' is neither onboarded nor in tenants/ (there is no ${defaultDir})`);
  const ws = await loadWorkspace(io, global, files);
  const t = ws.tenants.find((x) => x.tenant.metadata.name === name);
  if (!t) {
    const known = ws.tenants.map((x) => x.tenant.metadata.name).join(", ");
    throw new NotFoundError(`tenant '${name}' is neither onboarded nor in ${files && files.length > 0 ? files.join(", ") : "tenants/"}${known === "" ? "" : `; tenants there: ${known}`}`);
  }
  return { ws, t };
}

export async function explainCommand(
  io: CliIo,
  global: GlobalOptions,
  name: string,
  opts: { file?: string[]; output?: "yaml" | "json" | "table" },
): Promise<void> {
  const { ws, t } = await explainSubject(io, global, name, opts.file);
  // An app package also receives what Landlord knows of the tenant, under app.values.landlord (docs/adr/0013).
  const rows = ws.platform.config.app ? [...explainTenant(t), ...landlordValueRows({ t, platform: ws.platform.config, cloud: {} })] : explainTenant(t);
  const doc = {
    tenant: name,
    tier: t.tier.name,
    version: t.version,
    placement: t.placement,
    names: t.names,
    values: rows.map((r) => ({ path: r.path, value: r.value, source: r.source })),
  };
  if (opts.output === "json" || opts.output === "yaml") {
    io.stdout(opts.output === "json" ? toJson(doc) : toYaml(doc));
    return;
  }
  const cells = rows.map((r) => [r.path, JSON.stringify(r.value), sourceLabel(r.source, t)] as const);
  const w0 = Math.max(4, ...cells.map((c) => c[0].length));
  const w1 = Math.min(48, Math.max(5, ...cells.map((c) => c[1].length)));
  const line = (a: string, b: string, c: string) => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}\n`;
  io.stdout(`tenant ${name}: tier ${t.tier.name}, version ${t.version}, cluster ${t.placement.cluster}, namespace ${t.names.namespace}\n\n`);
  io.stdout(line("PATH", "VALUE", "SET BY"));
  for (const [a, b, c] of cells) io.stdout(line(a, b, c));
}
