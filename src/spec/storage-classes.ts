/**
 * Which StorageClasses tenant volumes may use. A class decides where data lives, how it is
 * encrypted and what it costs; a tenant naming a premium or unencrypted class would change
 * all three. Checked when specs are validated and by admission policy on PersistentVolumeClaims.
 */
import type { InputProblem } from "../errors.js";
import type { EffectiveConfig } from "./layer-schema.js";
import type { PlatformConfig } from "./platform-schema.js";

/** The configured list, else every class the platform's own layers (defaults and tiers) name. */
export function allowedStorageClasses(config: PlatformConfig): string[] {
  if (config.policy.allowedStorageClasses.length > 0) return [...config.policy.allowedStorageClasses];
  const named = [config.defaults.database?.storage?.storageClass, ...Object.values(config.tiers).map((t) => t.database?.storage?.storageClass)];
  return [...new Set(named.filter((c): c is string => c !== undefined))].sort();
}

export function storageClassProblems(c: EffectiveConfig, allowed: readonly string[], report: (path: string, message: string, fix: string) => InputProblem): InputProblem[] {
  const cls = c.database.storage.storageClass;
  if (cls === undefined || allowed.includes(cls)) return [];
  const choices = allowed.length > 0 ? `use one of ${allowed.join(", ")}, or leave it unset for the cluster default` : "leave it unset for the cluster default";
  return [report("database.storage.storageClass", `storage class '${cls}' is not allowed`, `${choices}; the operator can allow more in policy.allowedStorageClasses of landlord.yaml`)];
}
