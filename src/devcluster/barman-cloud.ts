/**
 * CloudNativePG's Barman Cloud plugin on the real nodes, as a platform team installs it
 * beside the operator: the plugin's manifest (RBAC, the Service CloudNativePG discovers it
 * by, the Deployment; read from the pinned module the binary is built from, never copied
 * into this repository) applied to cnpg-system, the plugin image made of the manager built
 * by tools/barman-cloud/build.sh, and the sidecar image it injects into PostgreSQL pods made
 * of this machine's Debian barman-cli-cloud (controlplane/images/barman-sidecar.sh). The
 * ObjectStore CRD is the one in ../shared/crds/more, installed with the others.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { Applier } from "../delivery/kubernetes/applier.js";
import { KubeClient } from "../delivery/kubernetes/client.js";
import type { KubeObject } from "../render/object.js";
import { selfSigned } from "./certs.js";
import { builtPaths, CNPG_NAMESPACE, releaseObjects, script } from "./cnpg.js";
import { HostSetupError } from "./host-network.js";
import { push, repoFile, type ImagePusher } from "./images.js";
import { waitDeploymentAvailable } from "./wait.js";

export const BARMAN_CLOUD_VERSION = "0.15.0";
/** The release's own references: the images are served under them, only the manifest's test tags are replaced. */
export const BARMAN_CLOUD_IMAGE = `ghcr.io/cloudnative-pg/plugin-barman-cloud:v${BARMAN_CLOUD_VERSION}`;
export const BARMAN_CLOUD_SIDECAR_IMAGE = `ghcr.io/cloudnative-pg/plugin-barman-cloud-sidecar:v${BARMAN_CLOUD_VERSION}`;
/** The Service and Deployment of the manifest; CloudNativePG dials the Service by this name. */
const SERVICE = "barman-cloud";
/** The Secrets the manifest's Service annotations (cnpg.io/pluginServerSecret, cnpg.io/pluginClientSecret) and Deployment name. */
const SERVER_SECRET = "barman-cloud-server-tls";
const CLIENT_SECRET = "barman-cloud-client-tls";
/** As upstream's images: the plugin as nonroot (its Deployment sets 10001 anyway), the sidecar as PostgreSQL's uid. */
const PLUGIN_UID = "65532";
const SIDECAR_UID = "26";

export interface BarmanCloudParts {
  readonly manager: string;
  readonly manifest: string;
}

/** The manager binary and the module's manifest of the pinned version (built once per machine). */
export async function barmanCloudParts(): Promise<BarmanCloudParts> {
  const [manager, manifest] = await builtPaths("tools", "barman-cloud", "build.sh");
  return { manager, manifest };
}

export async function pushPluginImage(p: ImagePusher, manager: string): Promise<void> {
  const dir = join(p.workDir, "layers", "barman-cloud-plugin");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(manager, join(dir, "manager"));
  await push(p, BARMAN_CLOUD_IMAGE, dir, "/manager", { user: PLUGIN_UID, workdir: "/" });
}

/**
 * The sidecar: the same manager (its `instance` command) beside barman-cloud-*. Bytecode is
 * compiled into the image, and none is written at run time: the plugin gives the sidecar a
 * read-only root. Returns barman's version.
 */
export async function pushSidecarImage(p: ImagePusher, manager: string): Promise<string> {
  const [line] = (await script(repoFile("controlplane", "images", "barman-sidecar.sh"), [manager])).slice(-1);
  const [rootfs, version] = (line ?? "").split(" ");
  if (rootfs === undefined || version === undefined || !existsSync(rootfs)) throw new HostSetupError(`controlplane/images/barman-sidecar.sh printed no root filesystem (got '${line ?? ""}')`);
  await push(p, BARMAN_CLOUD_SIDECAR_IMAGE, rootfs, "/manager", { user: SIDECAR_UID, workdir: "/", env: ["PATH=/usr/local/bin:/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE=1"] });
  return version;
}

function tlsSecret(name: string, pair: { cert: string; key: string }): KubeObject {
  const b64 = (file: string): string => readFileSync(file).toString("base64");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: CNPG_NAMESPACE, labels: { "app.kubernetes.io/name": "plugin-barman-cloud" } },
    type: "kubernetes.io/tls",
    data: { "tls.crt": b64(pair.cert), "tls.key": b64(pair.key), "ca.crt": b64(pair.cert) },
  };
}

/**
 * What cert-manager makes of the manifest's self-signed Issuer and Certificates, without
 * cert-manager: a server certificate for the Service's name (CloudNativePG checks it against
 * the Service name, or the cnpg.io/pluginServerName annotation) and a client certificate for
 * the operator. Each side trusts exactly the other's tls.crt (the operator the server
 * Secret's, the plugin its --client-cert), and a Go TLS client sends its certificate only
 * when its issuer is among the names the server asks for, which here are that certificate's
 * own subject: so both are self-signed, not signed by a shared CA, and ca.crt is the
 * certificate itself, as cert-manager writes it. The keys exist only in the Secrets.
 */
export async function pluginTlsSecrets(): Promise<KubeObject[]> {
  const dir = mkdtempSync(join(tmpdir(), "landlord-barman-cloud-tls-"));
  try {
    const names = [SERVICE, `${SERVICE}.${CNPG_NAMESPACE}`, `${SERVICE}.${CNPG_NAMESPACE}.svc`, `${SERVICE}.${CNPG_NAMESPACE}.svc.cluster.local`];
    const server = await selfSigned(dir, "server", `/CN=${SERVICE}`, `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${names.map((n) => `DNS:${n}`).join(",")}\n`);
    const client = await selfSigned(dir, "client", "/CN=barman-cloud-client", "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n");
    return [tlsSecret(SERVER_SECRET, server), tlsSecret(CLIENT_SECRET, client)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Container {
  name: string;
  image?: string;
}

/**
 * The manifest's objects for this cluster: without its CRD (../shared/crds/more has it) and
 * without cert-manager's Issuer and Certificates (their Secrets are made here), its test
 * image tags replaced by the release's references. Names stay as upstream has them.
 */
export function pluginObjects(manifest: string): KubeObject[] {
  const { others } = releaseObjects(manifest);
  const kept = others.filter((o) => !o.apiVersion.startsWith("cert-manager.io/"));
  let sidecarSet = false;
  let imageSet = false;
  for (const o of kept) {
    if (o.kind === "Secret" && typeof (o.data as Record<string, string> | undefined)?.SIDECAR_IMAGE === "string") {
      o.data = { ...(o.data as Record<string, string>), SIDECAR_IMAGE: Buffer.from(BARMAN_CLOUD_SIDECAR_IMAGE).toString("base64") };
      sidecarSet = true;
    }
    if (o.kind === "Deployment" && o.metadata.name === SERVICE) {
      const spec = o.spec as { template: { spec: { containers: Container[] } } };
      for (const c of spec.template.spec.containers) {
        c.image = BARMAN_CLOUD_IMAGE;
        // cnpg-system is the platform's namespace, outside the tenant admission policies:
        // the tag's default (IfNotPresent) is kept, as a platform team would.
        imageSet = true;
      }
    }
  }
  if (!sidecarSet || !imageSet) throw new HostSetupError(`the Barman Cloud plugin's manifest has no ${sidecarSet ? "Deployment" : "Secret with SIDECAR_IMAGE"} to point at the local images; has its layout changed since ${BARMAN_CLOUD_VERSION}?`);
  return kept;
}

/**
 * Installs the plugin into CloudNativePG's namespace and waits until it serves. The operator
 * needs no restart: it watches Services of its own namespace labelled cnpg.io/pluginName and
 * dials the plugin when a Cluster first asks for it.
 */
export async function installBarmanCloud(kubeconfig: string, pusher: ImagePusher, log: (line: string) => void): Promise<void> {
  const parts = await barmanCloudParts();
  await pushPluginImage(pusher, parts.manager);
  const barmanVersion = await pushSidecarImage(pusher, parts.manager);
  const objects = [...(await pluginTlsSecrets()), ...pluginObjects(readFileSync(parts.manifest, "utf8"))];
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const client = new KubeClient(kc, kc.getCurrentContext());
  try {
    await new Applier(client).applyPlatform(objects, { force: true, repairDrift: true, dryRun: false, parallelism: 4 });
  } finally {
    client.close();
  }
  await waitDeploymentAvailable(kc, CNPG_NAMESPACE, SERVICE, 240_000);
  log(`Barman Cloud plugin ${BARMAN_CLOUD_VERSION} running in ${CNPG_NAMESPACE}; sidecar ${BARMAN_CLOUD_SIDECAR_IMAGE} with barman ${barmanVersion}`);
}
