/**
 * `landlord alertmanager`: the fleet Alertmanager configuration, routing each tenant's alerts to it.
 *
 * Unlike `validate` and `render`, one bad tenant file does not stop it: the file it prints
 * replaces the whole fleet's routing, so refusing it for one tenant would keep every other
 * tenant on stale routes. A tenant whose file does not resolve, or whose spec Alertmanager
 * would refuse, is left out with a warning on stderr (exit 0, so a deploy pipeline still
 * ships everyone else's routes); `landlord validate` is the gate that refuses such files.
 */
import { formatProblem, InputError } from "../../errors.js";
import { fleetAlertmanagerConfig, type SkippedTenant } from "../../render/alertmanager.js";
import { toJson, toYaml } from "../../render/serialize.js";
import { decodeYaml } from "../../spec/documents.js";
import type { PlatformContext } from "../../spec/platform.js";
import { resolveTenant, type ResolvedTenant } from "../../spec/resolve.js";
import { redactSecrets } from "../../util/redact.js";
import type { CliIo } from "../io.js";
import { loadPlatformFile, readTenantFiles, type GlobalOptions } from "../../app/load-files.js";

export async function alertmanagerCommand(io: CliIo, global: GlobalOptions, opts: { file?: string[]; output?: "yaml" | "json" }): Promise<void> {
  const platform = await loadPlatformFile(io, global);
  const am = platform.config.integrations.monitoring.alertmanager;
  if (!am) {
    throw new InputError([
      { file: global.config, path: "integrations.monitoring.alertmanager", message: "no fleet Alertmanager is configured", fix: "set integrations.monitoring.alertmanager.{secretsDir, platform} in landlord.yaml" },
    ]);
  }
  const tenants: ResolvedTenant[] = [];
  const unresolved: SkippedTenant[] = [];
  for await (const raw of readTenantFiles(io, global, opts.file)) {
    const r = resolveEach(platform, raw.file, raw.bytes);
    tenants.push(...r.tenants);
    unresolved.push(...r.skipped);
  }
  const { config, skipped } = fleetAlertmanagerConfig(am, tenants);
  io.stdout(opts.output === "json" ? toJson(config) : toYaml(config));
  const all = [...unresolved, ...skipped].sort((a, b) => (a.tenant ?? "\uffff").localeCompare(b.tenant ?? "\uffff"));
  if (all.length > 0) io.stderr(redactSecrets(skippedWarning(all)));
}

/** Each document of a file resolved on its own: a bad one is reported, not fatal to its neighbours. */
function resolveEach(platform: PlatformContext, file: string, bytes: Uint8Array): { tenants: ResolvedTenant[]; skipped: SkippedTenant[] } {
  const decoded = decodeYaml(file, bytes);
  if (!decoded.ok) return { tenants: [], skipped: [{ tenant: undefined, problems: decoded.problems }] };
  const tenants: ResolvedTenant[] = [];
  const skipped: SkippedTenant[] = [];
  for (const doc of decoded.documents) {
    const r = resolveTenant(platform, doc);
    if (r.ok) tenants.push(r.value);
    else skipped.push({ tenant: nameOf(doc.value), problems: r.problems });
  }
  return { tenants, skipped };
}

function nameOf(value: unknown): string | undefined {
  const name = (value as { metadata?: { name?: unknown } } | null | undefined)?.metadata?.name;
  return typeof name === "string" ? name : undefined;
}

function skippedWarning(skipped: readonly SkippedTenant[]): string {
  const n = skipped.length;
  const lines = skipped.flatMap((s) => [
    `  ${s.tenant === undefined ? "a file that names no tenant" : `tenant '${s.tenant}'`}:`,
    ...s.problems.map((p) => `    ${formatProblem(p)}`),
  ]);
  return `warning: ${n} tenant${n === 1 ? "" : "s"} left out of the Alertmanager config, every other tenant's routes are in it; the alerts of ${n === 1 ? "this one" : "these"} reach only the platform receiver until fixed:\n${lines.join("\n")}\n`;
}
