/**
 * A release: a version of the app (image tag, optionally another image repository and a
 * config change). Moving a tenant to a release is a change of its stored spec: the version
 * and config are written into it, so every later render (update, reconcile) keeps it.
 */
import { z } from "zod";
import { explain } from "../spec/fields.js";

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: explain("not an environment variable name", "write e.g. FEATURE_X") });

export const releaseSchema = z.strictObject({
  version: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,62}$/, { error: explain("version must be an image tag of at most 63 characters", "write e.g. '1.4.2'") }),
  /** Image repository, when it differs from landlord.yaml's defaults.app.image. */
  image: z.string().min(1).max(255).optional(),
  /** Config change carried by the release: merged into each tenant's app overrides. */
  config: z
    .strictObject({
      env: z.record(envName, z.string().max(32_768)).optional(),
      featureFlags: z.record(envName, z.union([z.boolean(), z.string().max(1024), z.number()])).optional(),
    })
    .optional(),
  notes: z.string().max(2000).optional(),
});

export type ReleaseInput = z.infer<typeof releaseSchema>;

export interface Release extends ReleaseInput {
  readonly createdAt: Date;
  readonly createdBy: string;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});

/** The tenant spec with the release in it (pure; the input is not changed). */
export function specWithRelease(spec: unknown, release: ReleaseInput): Json {
  const s = obj(spec);
  const inner = obj(s.spec);
  const overrides = obj(inner.overrides);
  const app = { ...obj(overrides.app) };
  if (release.image !== undefined) app.image = release.image;
  if (release.config?.env) app.env = { ...obj(app.env), ...release.config.env };
  if (release.config?.featureFlags) app.featureFlags = { ...obj(app.featureFlags), ...release.config.featureFlags };
  const nextOverrides = Object.keys(app).length > 0 ? { ...overrides, app } : overrides;
  return { ...s, spec: { ...inner, version: release.version, ...(Object.keys(nextOverrides).length > 0 ? { overrides: nextOverrides } : {}) } };
}
