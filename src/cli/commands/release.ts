/** `landlord release create|list`: versions of the app a rollout can move the fleet to. */
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { parse } from "yaml";
import { InputError } from "../../errors.js";
import { toJson, toYaml } from "../../render/serialize.js";
import { createRelease } from "../../rollout/service.js";
import { releasesRepo } from "../../store/releases-repo.js";
import type { CliIo } from "../io.js";
import type { GlobalOptions } from "../../app/load-files.js";
import { actor, table, withRuntime } from "./tenants.js";

export interface ReleaseCreateOptions {
  readonly image?: string;
  /** KEY=VALUE, repeatable. */
  readonly env?: string[];
  /** KEY=VALUE (true/false/number/text), repeatable. */
  readonly flag?: string[];
  /** A YAML file with config: { env, featureFlags }. */
  readonly configFile?: string;
  readonly notes?: string;
  readonly output?: string;
}

function pairs(list: readonly string[] | undefined, option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const i = item.indexOf("=");
    if (i <= 0) throw new InputError([{ path: option, message: `'${item}' is not KEY=VALUE`, fix: `write e.g. ${option} FEATURE_X=on` }]);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

function flagValue(v: string): boolean | number | string {
  if (v === "true" || v === "false") return v === "true";
  return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
}

export async function releaseCreateCommand(io: CliIo, global: GlobalOptions, version: string, opts: ReleaseCreateOptions): Promise<void> {
  let config: Record<string, unknown> = {};
  if (opts.configFile !== undefined) {
    const path = isAbsolute(opts.configFile) ? opts.configFile : resolve(io.cwd, opts.configFile);
    const text = await readFile(path, "utf8").catch(() => {
      throw new InputError([{ file: opts.configFile, path: "", message: "config file not found", fix: "pass an existing YAML file with env and/or featureFlags" }]);
    });
    config = (parse(text) ?? {}) as Record<string, unknown>;
  }
  const env = { ...((config.env as Record<string, string> | undefined) ?? {}), ...pairs(opts.env, "--env") };
  const flags = { ...((config.featureFlags as Record<string, unknown> | undefined) ?? {}), ...Object.fromEntries(Object.entries(pairs(opts.flag, "--flag")).map(([k, v]) => [k, flagValue(v)])) };
  const input = {
    version,
    ...(opts.image !== undefined ? { image: opts.image } : {}),
    ...(Object.keys(env).length + Object.keys(flags).length > 0 ? { config: { ...(Object.keys(env).length > 0 ? { env } : {}), ...(Object.keys(flags).length > 0 ? { featureFlags: flags } : {}) } } : {}),
    ...(opts.notes !== undefined ? { notes: opts.notes } : {}),
  };
  await withRuntime(io, global, async (rt) => {
    const r = await createRelease(rt.store, input, actor(io), new Date());
    if (opts.output === "json") io.stdout(toJson(r));
    else if (opts.output === "yaml") io.stdout(toYaml(r));
    else io.stdout(`release ${r.version} created${r.image ? ` (${r.image})` : ""}; roll it out with \`landlord rollout start ${r.version}\`\n`);
  });
}

export async function releaseListCommand(io: CliIo, global: GlobalOptions, opts: { output?: string }): Promise<void> {
  await withRuntime(io, global, async (rt) => {
    const list = await releasesRepo(rt.store.db).list();
    if (opts.output === "json") {
      io.stdout(toJson(list));
      return;
    }
    const rows = list.map((r) => ({ VERSION: r.version, IMAGE: r.image ?? "(default)", CONFIG: r.config ? Object.keys({ ...r.config.env, ...r.config.featureFlags }).join(",") : "", CREATED: r.createdAt.toISOString(), BY: r.createdBy }));
    io.stdout(rows.length === 0 ? "No releases.\n" : table(rows, ["VERSION", "IMAGE", "CONFIG", "CREATED", "BY"]));
  });
}
