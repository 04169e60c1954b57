/** Loading landlord.yaml into a checked PlatformContext that tenants resolve against. */
import type { InputProblem } from "../errors.js";
import type { SourceDocument } from "./documents.js";
import { checkEffective, checkLayer } from "./guardrails.js";
import { BUILT_IN_LAYER, effectiveSchema, type ConfigLayer, type EffectiveConfig } from "./layer-schema.js";
import { mergeLayers, type MergeResult } from "./merge.js";
import { platformSchema, type PlatformConfig, type Tier } from "./platform-schema.js";
import { issuesToProblems, joinPath } from "./problems.js";

export interface ResolvedTier {
  readonly name: string;
  readonly tier: Tier;
  readonly layer: ConfigLayer;
  /** defaults + tier, before any tenant override: the ceiling tenants are held to. */
  readonly effective: EffectiveConfig;
  /** The same merge with provenance, the base every tenant of the tier merges onto. */
  readonly merged: MergeResult;
}

export interface PlatformContext {
  readonly file: string;
  readonly config: PlatformConfig;
  readonly tiers: ReadonlyMap<string, ResolvedTier>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; problems: InputProblem[] };

/** The mergeable part of a tier (it also holds isolation, price and ceilings). */
export function layerOf(source: ConfigLayer): ConfigLayer {
  const out: ConfigLayer = {};
  if (source.app) out.app = source.app;
  if (source.database) out.database = source.database;
  if (source.quota) out.quota = source.quota;
  if (source.security) out.security = source.security;
  return out;
}

export function parsePlatform(doc: SourceDocument): Result<PlatformContext> {
  const { file } = doc;
  const parsed = platformSchema.safeParse(doc.value, { reportInput: true });
  if (!parsed.success) return { ok: false, problems: issuesToProblems(platformSchema, parsed.error.issues, { file }) };
  const config = parsed.data;
  const problems: InputProblem[] = [...checkLayer({ layer: config.defaults, file, at: "defaults" })];
  const tiers = new Map<string, ResolvedTier>();
  for (const [name, tier] of Object.entries(config.tiers)) {
    const at = `tiers.${name}`;
    const layer = layerOf(tier);
    problems.push(...checkLayer({ layer, file, at }));
    const merged = mergeLayers([
      { source: "built-in", value: BUILT_IN_LAYER },
      { source: "defaults", value: config.defaults },
      { source: `tier/${name}`, value: layer },
    ]);
    const effective = effectiveSchema.safeParse(merged.value, { reportInput: true });
    if (!effective.success) {
      problems.push(
        ...issuesToProblems(effectiveSchema, effective.error.issues, { file, pathPrefix: at }).map((p) => ({
          ...p,
          fix: `${p.fix} (under ${at} or defaults)`,
        })),
      );
      continue;
    }
    problems.push(
      ...checkEffective(effective.data, (path, message, fix) => ({ file, path: joinPath(at, path), message, fix })),
    );
    tiers.set(name, { name, tier, layer, effective: effective.data, merged });
  }
  const clusterNames = new Set<string>();
  config.clusters.forEach((c, i) => {
    if (clusterNames.has(c.name)) {
      problems.push({ file, path: `clusters[${i}].name`, message: `cluster '${c.name}' is listed twice`, fix: "give each cluster a unique name" });
    }
    clusterNames.add(c.name);
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { file, config, tiers } };
}
