/**
 * CloudNativePG on the real nodes, as a platform team installs it: the operator's release
 * manifest (RBAC, Deployment, webhooks; read from the pinned module the binary is built
 * from, never copied into this repository) applied to the cluster, the operator image made of
 * the manager binary built by tools/cnpg/build.sh, and a PostgreSQL image made of this
 * machine's Debian PostgreSQL (controlplane/images/postgres.sh). The CRDs are the ones in
 * ../shared/crds, installed with the others.
 */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { Applier } from "../delivery/kubernetes/applier.js";
import { KubeClient } from "../delivery/kubernetes/client.js";
import type { KubeObject } from "../render/object.js";
import { HostSetupError } from "./host-network.js";
import { push, repoFile, type ImagePusher } from "./images.js";
import { waitDeploymentAvailable } from "./wait.js";

const run = promisify(execFile);

export const CNPG_VERSION = "1.28.0";
/** The operator's own reference: its release manifest names it, so nothing is rewritten. */
export const CNPG_OPERATOR_IMAGE = `ghcr.io/cloudnative-pg/cloudnative-pg:${CNPG_VERSION}`;
export const CNPG_NAMESPACE = "cnpg-system";
const POSTGRES_REPOSITORY = "ghcr.io/cloudnative-pg/postgresql";
/** CloudNativePG's images run PostgreSQL as uid 26; the operator sets it on the pods. */
const POSTGRES_UID = "26";

/** Runs a build script of this repository; its stdout lines (the paths it prints last). */
export async function script(path: string, args: readonly string[] = []): Promise<string[]> {
  try {
    const { stdout } = await run("bash", [path, ...args], { maxBuffer: 1 << 20, timeout: 30 * 60_000 });
    return stdout.trim().split("\n");
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new HostSetupError(`bash ${path} failed: ${(e.stderr ?? e.message).trim()}`, { cause: err });
  }
}

/**
 * A tool script's last two lines, each an existing path (a binary built from an upstream
 * module, then a file of that module such as its release manifest).
 */
export async function builtPaths(...scriptPath: string[]): Promise<[string, string]> {
  const lines = await script(repoFile(...scriptPath));
  const [first, second] = lines.slice(-2);
  if (first === undefined || second === undefined || !existsSync(first) || !existsSync(second)) {
    throw new HostSetupError(`${scriptPath.join("/")} printed no binary and manifest (got ${lines.join(" | ")})`);
  }
  return [first, second];
}

export interface CnpgParts {
  readonly manager: string;
  readonly releaseManifest: string;
}

/** The manager binary and the release manifest of the pinned version (built once per machine). */
export async function cnpgParts(): Promise<CnpgParts> {
  const [manager, releaseManifest] = await builtPaths("tools", "cnpg", "build.sh");
  return { manager, releaseManifest };
}

/** The PostgreSQL image reference the nodes serve, e.g. ghcr.io/cloudnative-pg/postgresql:15.20. */
export async function pushPostgresImage(p: ImagePusher): Promise<string> {
  const [line] = (await script(repoFile("controlplane", "images", "postgres.sh"))).slice(-1);
  const [rootfs, version] = (line ?? "").split(" ");
  if (rootfs === undefined || version === undefined || !existsSync(rootfs)) throw new HostSetupError(`controlplane/images/postgres.sh printed no root filesystem (got '${line ?? ""}')`);
  const major = version.split(".")[0] ?? "";
  const reference = `${POSTGRES_REPOSITORY}:${version}`;
  await push(p, reference, rootfs, `/usr/lib/postgresql/${major}/bin/postgres`, { user: POSTGRES_UID, env: [`PATH=/usr/lib/postgresql/${major}/bin:/bin`] });
  return reference;
}

/**
 * The operator image as upstream lays it out: the binary at /operator/manager_<arch> (the
 * operator lists its architectures there) and /manager beside it, which the bootstrap
 * init container copies into every PostgreSQL pod.
 */
export async function pushOperatorImage(p: ImagePusher, manager: string): Promise<void> {
  const dir = join(p.workDir, "layers", "cnpg-operator");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "operator"), { recursive: true });
  copyFileSync(manager, join(dir, "operator", "manager_amd64"));
  symlinkSync("operator/manager_amd64", join(dir, "manager"));
  await push(p, CNPG_OPERATOR_IMAGE, dir, "/manager", { user: "10001", workdir: "/" });
}

/** The release manifest's objects, its CRDs apart. */
export function releaseObjects(manifest: string): { crds: KubeObject[]; others: KubeObject[] } {
  const crds: KubeObject[] = [];
  const others: KubeObject[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    const o = doc.toJS() as KubeObject | null;
    if (o === null || typeof o !== "object") continue;
    (o.kind === "CustomResourceDefinition" ? crds : others).push(o);
  }
  return { crds, others };
}

/** Installs the operator and waits until it serves its webhooks. */
export async function installCnpg(kubeconfig: string, pusher: ImagePusher, log: (line: string) => void): Promise<{ postgresImage: string }> {
  const parts = await cnpgParts();
  await pushOperatorImage(pusher, parts.manager);
  const postgresImage = await pushPostgresImage(pusher);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const { crds, others } = releaseObjects(readFileSync(parts.releaseManifest, "utf8"));
  const client = new KubeClient(kc, kc.getCurrentContext());
  try {
    const applier = new Applier(client);
    // The CRDs in ../shared/crds stay as they are; the operator also watches kinds they lack
    // (image catalogs, publications, ...), which come from the same release.
    const missing: KubeObject[] = [];
    for (const crd of crds) if ((await applier.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", undefined, crd.metadata.name)) === undefined) missing.push(crd);
    await applier.applyPlatform(missing, { force: true, repairDrift: true, dryRun: false, parallelism: 4 });
    if (missing.length > 0) log(`installed ${String(missing.length)} more CloudNativePG CRDs from its ${CNPG_VERSION} release: ${missing.map((c) => c.metadata.name).join(", ")}`);
    await applier.applyPlatform(others, { force: true, repairDrift: true, dryRun: false, parallelism: 4 });
  } finally {
    client.close();
  }
  await waitDeploymentAvailable(kc, CNPG_NAMESPACE, "cnpg-controller-manager", 240_000);
  log(`CloudNativePG ${CNPG_VERSION} running in ${CNPG_NAMESPACE}; PostgreSQL image ${postgresImage}`);
  return { postgresImage };
}
