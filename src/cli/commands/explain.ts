import { NotFoundError } from "../../errors.js";
import { toJson, toYaml } from "../../render/serialize.js";
import type { ResolvedTenant } from "../../spec/resolve.js";
import type { CliIo } from "../io.js";
import { loadWorkspace, type GlobalOptions } from "../workspace.js";

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
    out.push({ path, value, source: t.provenance.get(path) ?? "(schema default)" });
  };
  walk(t.effective, "");
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function sourceLabel(source: string, t: ResolvedTenant): string {
  if (source === "tenant") return `tenant (${t.file ?? t.tenant.metadata.name})`;
  if (source.startsWith("tier/")) return `tier ${source.slice(5)}`;
  return source;
}

export async function explainCommand(
  io: CliIo,
  global: GlobalOptions,
  name: string,
  opts: { file?: string[]; output?: "yaml" | "json" | "table" },
): Promise<void> {
  const ws = await loadWorkspace(io, global, opts.file);
  const t = ws.tenants.find((x) => x.tenant.metadata.name === name);
  if (!t) throw new NotFoundError(`tenant '${name}' not found; tenants: ${ws.tenants.map((x) => x.tenant.metadata.name).join(", ")}`);
  const rows = explainTenant(t);
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
