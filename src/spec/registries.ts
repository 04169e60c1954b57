/**
 * Where images may come from. The same list is checked when specs are validated and by
 * the admission policy in every cluster, so an override cannot pull from elsewhere.
 */
import type { InputProblem } from "../errors.js";
import type { EffectiveConfig } from "./layer-schema.js";
import type { PlatformConfig } from "./platform-schema.js";

/** The registry part of an image reference: the first path segment when it names a host. */
export function registryOf(image: string): string {
  const first = image.split("/")[0] ?? "";
  const isHost = image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  return isHost ? first : "docker.io";
}

/** The configured list, else the registries of the default app and database images. */
export function allowedRegistries(config: PlatformConfig): string[] {
  if (config.policy.allowedRegistries.length > 0) return [...config.policy.allowedRegistries];
  return [...new Set([registryOf(config.defaults.app?.image ?? ""), registryOf(config.defaults.database?.imageName ?? "")])].filter((r) => r !== "");
}

/** True when the image reference sits under one of the registries (a prefix ending at a path boundary). */
export function imageAllowed(image: string, registries: readonly string[]): boolean {
  const ref = image.includes("/") ? image : `docker.io/${image}`;
  return registries.some((r) => ref.startsWith(`${r}/`));
}

export function registryProblems(c: EffectiveConfig, registries: readonly string[], report: (path: string, message: string, fix: string) => InputProblem): InputProblem[] {
  const out: InputProblem[] = [];
  const fix = `use an image from ${registries.join(", ")}, or ask the operator to add its registry to policy.allowedRegistries in landlord.yaml`;
  if (!imageAllowed(c.app.image, registries)) out.push(report("app.image", `registry of '${c.app.image}' is not allowed`, fix));
  if (!imageAllowed(c.database.imageName, registries)) out.push(report("database.imageName", `registry of '${c.database.imageName}' is not allowed`, fix));
  return out;
}
