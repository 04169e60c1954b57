/**
 * Images for the real test nodes, made here without the internet: static programs built
 * from controlplane/images, one layer each, pushed to the local registry. Every registry
 * host resolves to that registry on the nodes, so references keep their production names
 * (registry.k8s.io/pause, registry.example.com/saas/app) and admission judges them as it
 * would in production.
 */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { COREDNS_IMAGE } from "./cluster-dns.js";

const run = promisify(execFile);

export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";
/** The example app's repository in the init template's platform (landlord.yaml's app.image). */
export const EXAMPLE_APP_REPOSITORY = "registry.example.com/saas/app";
/** The connection tester for namespaces that are not a tenant's (monitoring, ingress). */
export const NETCHECK_IMAGE = "registry.example.com/landlord/netcheck:1";
/** Inside the example app's image beside /app, so a tenant's own image can test connections. */
export const NETCHECK_IN_APP = "/netcheck";
/** The user the images run as: numeric, so runAsNonRoot can be checked. */
export const IMAGE_USER = "65532";

/** How a release of the example app misbehaves, baked into its image (never set by a test). */
export type AppFault = "errors" | "crash";

/** A file of this repository (build scripts), found from here whether run from src/ or dist/. */
export function repoFile(...parts: string[]): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, ...parts);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`${parts.join("/")} not found above ${fileURLToPath(import.meta.url)}`);
}

/** The folder of static programs (pause, exampleapp, netcheck, coredns), built once per source hash. */
export async function imagePrograms(): Promise<string> {
  const { stdout } = await run("bash", [repoFile("controlplane", "images", "build.sh")], { maxBuffer: 1 << 20, timeout: 20 * 60_000 });
  const dir = stdout.trim().split("\n").pop() ?? "";
  if (!existsSync(join(dir, "netcheck"))) throw new Error(`controlplane/images/build.sh printed no folder with the programs (got '${dir}')`);
  return dir;
}

/** Where a production reference lives in the local registry: same path, local host. */
export function localReference(registry: string, reference: string): string {
  const slash = reference.indexOf("/");
  const host = slash > 0 ? reference.slice(0, slash) : "";
  const path = host.includes(".") || host.includes(":") || host === "localhost" ? reference.slice(slash + 1) : reference;
  return `${registry}/${path}`;
}

export interface ImagePusher {
  /** The control plane binary (its `image push` verb). */
  readonly binary: string;
  /** host:port of the local registry. */
  readonly registry: string;
  /** Scratch folder for the layers. */
  readonly workDir: string;
  readonly programs: string;
}

export function layer(p: ImagePusher, name: string, files: Record<string, string>): string {
  const dir = join(p.workDir, "layers", name);
  mkdirSync(dir, { recursive: true });
  for (const [target, source] of Object.entries(files)) copyFileSync(source, join(dir, target));
  return dir;
}

export interface ImageConfig {
  /** More arguments of the entrypoint: one binary serves several images, each naming its command. */
  readonly command?: readonly string[];
  readonly env?: readonly string[];
  readonly user?: string;
  readonly workdir?: string;
}

/** Pushes one folder as a one-layer image under its production reference; returns the digest. */
export async function push(p: ImagePusher, reference: string, layerDir: string, entrypoint: string, config: ImageConfig = {}): Promise<string> {
  const args = ["image", "push", "--insecure", "--layer", layerDir, "--ref", localReference(p.registry, reference), "--entrypoint", entrypoint, "--user", config.user ?? IMAGE_USER];
  for (const c of config.command ?? []) args.push("--entrypoint", c);
  for (const e of config.env ?? []) args.push("--env", e);
  if (config.workdir !== undefined) args.push("--workdir", config.workdir);
  try {
    const { stdout } = await run(p.binary, args, { maxBuffer: 1 << 20 });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`pushing ${reference} to the local registry ${p.registry}: ${(e.stderr ?? e.message).trim()}`, { cause: err });
  }
}

/** Pushes one release of the example app; a fault makes the running release itself bad. */
export async function pushExampleApp(p: ImagePusher, version: string, fault?: AppFault): Promise<string> {
  const dir = layer(p, "app", { app: join(p.programs, "exampleapp"), netcheck: join(p.programs, "netcheck") });
  const env = [`APP_VERSION=${version}`, ...(fault === undefined ? [] : [`EXAMPLE_APP_FAULT=${fault}`])];
  return push(p, `${EXAMPLE_APP_REPOSITORY}:${version}`, dir, "/app", { env });
}

/** The images every real node needs: the pod sandbox, cluster DNS, the connection tester, app releases. */
export async function pushBaseImages(p: ImagePusher, appVersions: readonly string[]): Promise<void> {
  await push(p, PAUSE_IMAGE, layer(p, "pause", { pause: join(p.programs, "pause") }), "/pause");
  await push(p, NETCHECK_IMAGE, layer(p, "netcheck", { netcheck: join(p.programs, "netcheck") }), "/netcheck");
  await push(p, COREDNS_IMAGE, layer(p, "coredns", { coredns: join(p.programs, "coredns") }), "/coredns");
  for (const v of appVersions) await pushExampleApp(p, v);
}
