/**
 * Where images may come from, and how they are pulled. The same list is checked when specs
 * are validated, on chart output and by the admission policy in every cluster, so an
 * override cannot pull from elsewhere. Entries are repository prefixes, not hosts: a host
 * like ghcr.io serves anyone's images, and any of them would run with the tenant's workload
 * identity and database URL (docs/adr/0017).
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

/** An image reference without its tag and digest, with docker.io made explicit. */
export function repositoryOf(image: string): string {
  const ref = image.includes("/") && registryOf(image) !== "docker.io" ? image : `docker.io/${image.startsWith("docker.io/") ? image.slice("docker.io/".length) : image}`;
  const noDigest = ref.split("@")[0] ?? ref;
  const lastSlash = noDigest.lastIndexOf("/");
  const colon = noDigest.indexOf(":", lastSlash + 1);
  return colon === -1 ? noDigest : noDigest.slice(0, colon);
}

/**
 * The allow-list in effect: the operator's, or else the repositories of the default app
 * and database images; with the platform's own images (the operators put them into tenant
 * pods) and the isolation probe's repository always on it.
 */
export function allowedRegistries(config: PlatformConfig): string[] {
  const configured = config.policy.allowedRegistries.length > 0 ? config.policy.allowedRegistries : [config.defaults.app?.image ?? "", config.defaults.database?.imageName ?? ""].filter((i) => i !== "").map(repositoryOf);
  const probe = config.policy.isolationProbeImage === undefined ? [] : [repositoryOf(config.policy.isolationProbeImage)];
  return [...new Set([...configured, ...config.policy.platformImageRepositories, ...probe])];
}

/**
 * True when the reference sits under an entry: the whole repository (any tag or digest),
 * a repository below it, or, for an entry with a digest, that digest only.
 */
export function imageAllowed(image: string, entries: readonly string[]): boolean {
  // As written, not normalised: the admission policy's CEL sees the string the pod carries,
  // so `nginx` is not `docker.io/library/nginx` in either place.
  return entries.some((e) => {
    const at = e.indexOf("@");
    if (at !== -1) return (image.startsWith(`${e.slice(0, at)}@`) || image.startsWith(`${e.slice(0, at)}:`)) && image.endsWith(e.slice(at));
    return image === e || image.startsWith(`${e}/`) || image.startsWith(`${e}:`) || image.startsWith(`${e}@`);
  });
}

/** imageAllowed in CEL, for the admission policy: `image` is a CEL string expression. */
export function celImageAllowed(image: string, entries: readonly string[]): string {
  const q = (s: string): string => JSON.stringify(s);
  const one = (e: string): string => {
    const at = e.indexOf("@");
    if (at !== -1) return `((${image}.startsWith(${q(`${e.slice(0, at)}@`)}) || ${image}.startsWith(${q(`${e.slice(0, at)}:`)})) && ${image}.endsWith(${q(e.slice(at))}))`;
    return `${image} == ${q(e)} || ${["/", ":", "@"].map((sep) => `${image}.startsWith(${q(e + sep)})`).join(" || ")}`;
  };
  return entries.length === 0 ? "false" : entries.map((e) => `(${one(e)})`).join(" || ");
}

/**
 * True when the platform's operators put this image into tenant pods (CloudNativePG's
 * bootstrap container, PgBouncer, the ACME solver): public images no tenant chooses, so a
 * cached copy reveals nothing. Every other image is pulled Always (pullPolicyAlways).
 */
export function platformImage(image: string, config: PlatformConfig): boolean {
  return imageAllowed(image, config.policy.platformImageRepositories);
}

/** An entry that names a host (or a host and a single path segment such as an organisation) admits images nobody vetted. */
export function broadEntries(config: PlatformConfig): string[] {
  return config.policy.allowedRegistries.filter((e) => !e.includes("/"));
}

export function registryProblems(c: EffectiveConfig, registries: readonly string[], report: (path: string, message: string, fix: string) => InputProblem): InputProblem[] {
  const out: InputProblem[] = [];
  const fix = `use an image from ${registries.join(", ")}, or ask the operator to add its repository to policy.allowedRegistries in landlord.yaml`;
  if (!imageAllowed(c.app.image, registries)) out.push(report("app.image", `repository of '${c.app.image}' is not allowed`, fix));
  if (!imageAllowed(c.database.imageName, registries)) out.push(report("database.imageName", `repository of '${c.database.imageName}' is not allowed`, fix));
  return out;
}
