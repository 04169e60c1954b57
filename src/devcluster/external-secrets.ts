/**
 * External Secrets on the real nodes, as the platform's add-on installs it: the chart of the
 * pinned module (deploy/charts/external-secrets, read from the module download, never copied
 * here) rendered by the pinned Helm and applied, the controller image made of the binary
 * tools/external-secrets/build.sh builds (Azure Key Vault and Kubernetes providers only; no
 * webhook, no cert controller, no cluster-wide stores; docs/adr/0031). The CRDs are the ones
 * in ../shared/crds, installed with the others.
 *
 * Entra ID cannot run here. The controller is told, as the workload identity webhook would
 * tell it, which Entra tenant to sign in to (AZURE_TENANT_ID), and login.microsoftonline.com
 * leads it to the API server's address on port 443, with a certificate made per cluster that
 * only it trusts: whatever listens there (a test's recorder, see entra.json) sees the token
 * exchange exactly as Entra ID would. Nothing listens unless a test does.
 */
import { randomUUID } from "node:crypto";
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { parse, parseAllDocuments, stringify } from "yaml";
import { Applier } from "../delivery/kubernetes/applier.js";
import { KubeClient } from "../delivery/kubernetes/client.js";
import { helmBinary } from "../io/package/helm.js";
import { runTool } from "../io/package/exec-tool.js";
import type { KubeObject } from "../render/object.js";
import { selfSigned } from "./certs.js";
import { builtPaths } from "./cnpg.js";
import { HostSetupError, NODE_NETWORK } from "./host-network.js";
import { push, type ImagePusher } from "./images.js";
import { DEV_VAULTS_NAMESPACE } from "./local-vault.js";
import { waitDeploymentAvailable } from "./wait.js";

export const EXTERNAL_SECRETS_VERSION = "v0.16.2";
/** The add-on's namespace (src/render/gitops/addons.ts), reserved from tenants. */
export const EXTERNAL_SECRETS_NAMESPACE = "external-secrets";
/** The chart's default repository; the module's chart still says v0.16.1, so the tag is set. */
export const EXTERNAL_SECRETS_IMAGE = `oci.external-secrets.io/external-secrets/external-secrets:${EXTERNAL_SECRETS_VERSION}`;
/** The chart runs the controller as this user (securityContext.runAsUser). */
const EXTERNAL_SECRETS_UID = "1000";
const CHART_KUBE_VERSION = "1.36.3";
/** Entra ID's login host in Azure's public cloud: v0.16.2's Azure provider has it built in (no custom authority). */
export const ENTRA_HOST = "login.microsoftonline.com";
const ENTRA_CA_CONFIGMAP = "entra-id-ca";
const ENTRA_CA_DIR = "/etc/landlord/entra-id";

/** Where the controller's token exchange goes on this cluster, for whoever plays Entra ID (entra.json). */
export interface EntraStandIn {
  /** The Entra tenant the controller signs in to (its AZURE_TENANT_ID). */
  readonly tenantId: string;
  readonly host: typeof ENTRA_HOST;
  /** Where the controller's pod reaches ENTRA_HOST: listen here to answer it. */
  readonly address: string;
  readonly port: 443;
  /** PEM files of the certificate for ENTRA_HOST that the controller trusts, and its key. */
  readonly certFile: string;
  readonly keyFile: string;
}

function statePath(dir: string): string {
  return join(dir, "entra.json");
}

/** What installExternalSecrets wrote for the cluster in DIR, for another process (a test file). */
export function readEntraStandIn(dir: string): EntraStandIn {
  return JSON.parse(readFileSync(statePath(dir), "utf8")) as EntraStandIn;
}

export async function externalSecretsParts(): Promise<{ binary: string; chart: string }> {
  const [binary, chart] = await builtPaths("tools", "external-secrets", "build.sh");
  return { binary, chart };
}

export async function pushExternalSecretsImage(p: ImagePusher, binary: string): Promise<void> {
  const dir = join(p.workDir, "layers", "external-secrets");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(binary, join(dir, "external-secrets"));
  await push(p, EXTERNAL_SECRETS_IMAGE, dir, "/external-secrets", { user: EXTERNAL_SECRETS_UID, workdir: "/" });
}

/**
 * The values the platform's add-on gives the chart, with what this cluster differs in: CRDs
 * from ../shared/crds, no webhook or cert controller (not built), only the namespaced
 * reconcilers this build has, and the way to "Entra ID" described above.
 */
export function externalSecretsValues(entra: EntraStandIn): Record<string, unknown> {
  return {
    installCRDs: false,
    crds: { conversion: { enabled: false } },
    webhook: { create: false },
    certController: { create: false },
    processClusterStore: false,
    processClusterExternalSecret: false,
    processClusterPushSecret: false,
    processPushSecret: false,
    image: { tag: EXTERNAL_SECRETS_VERSION },
    extraEnv: [
      // What the workload identity webhook injects into a pod whose ServiceAccount asks for it.
      { name: "AZURE_TENANT_ID", value: entra.tenantId },
      // Go reads its trust store from here: the stand-in's certificate, and nothing else.
      { name: "SSL_CERT_FILE", value: `${ENTRA_CA_DIR}/ca.crt` },
    ],
    extraVolumes: [{ name: "entra-id-ca", configMap: { name: ENTRA_CA_CONFIGMAP } }],
    extraVolumeMounts: [{ name: "entra-id-ca", mountPath: ENTRA_CA_DIR, readOnly: true }],
    podSpecExtra: { hostAliases: [{ ip: entra.address, hostnames: [ENTRA_HOST] }] },
  };
}

/** The chart's objects, its CRDs apart (none with installCRDs: false); there must be the controller's Deployment. */
export function chartObjects(rendered: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(rendered)) {
    const o = doc.toJS() as KubeObject | null;
    if (o === null || typeof o !== "object" || typeof o.kind !== "string" || o.kind === "CustomResourceDefinition") continue;
    out.push(o);
  }
  if (!out.some((o) => o.kind === "Deployment" && o.metadata.name === "external-secrets")) throw new HostSetupError(`the external-secrets chart rendered no Deployment named external-secrets; has its layout changed since ${EXTERNAL_SECRETS_VERSION}?`);
  const extra = out.filter((o) => o.kind === "Deployment" && o.metadata.name !== "external-secrets").map((o) => o.metadata.name);
  if (extra.length > 0) throw new HostSetupError(`the external-secrets chart rendered Deployments this build has no binary for: ${extra.join(", ")}`);
  return out;
}

/**
 * The chart without its one dependency, Bitwarden's SDK server (off in these values, fetched
 * from an OCI registry this machine cannot reach): Helm refuses to render a chart whose
 * dependency is missing from charts/, enabled or not. Copied, since the module cache is read-only.
 */
export function chartWithoutDependencies(chart: string, workDir: string): string {
  const copy = join(workDir, "external-secrets-chart");
  rmSync(copy, { recursive: true, force: true });
  cpSync(chart, copy, { recursive: true });
  const meta = parse(readFileSync(join(copy, "Chart.yaml"), "utf8")) as { dependencies?: { name: string; condition?: string }[] };
  const kept = (meta.dependencies ?? []).filter((d) => d.name !== "bitwarden-sdk-server");
  if (kept.length > 0) throw new HostSetupError(`the external-secrets chart gained dependencies (${kept.map((d) => d.name).join(", ")}); decide how to render them in src/devcluster/external-secrets.ts`);
  delete meta.dependencies;
  writeFileSync(join(copy, "Chart.yaml"), stringify(meta));
  rmSync(join(copy, "Chart.lock"), { force: true });
  return copy;
}

/** The chart rendered by the pinned Helm with externalSecretsValues: the objects to apply. */
export async function renderChart(source: string, entra: EntraStandIn, workDir: string): Promise<KubeObject[]> {
  const chart = chartWithoutDependencies(source, workDir);
  const helm = await helmBinary();
  const values = join(workDir, "external-secrets-values.yaml");
  writeFileSync(values, stringify(externalSecretsValues(entra)));
  const args = ["template", "external-secrets", chart, "--namespace", EXTERNAL_SECRETS_NAMESPACE, "--kube-version", CHART_KUBE_VERSION, "-f", values];
  // A local chart and no repositories: Helm needs nothing of a home folder but its existence.
  const r = await runTool(helm, args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir() } });
  if (r.code !== 0) throw new HostSetupError(`helm template of ${chart} failed: ${r.stderr.trim()}`);
  return chartObjects(r.stdout);
}

/** A certificate for ENTRA_HOST made for this cluster, and the Entra tenant its controller signs in to. */
async function makeEntraStandIn(clusterDir: string): Promise<EntraStandIn> {
  const dir = join(clusterDir, "entra");
  mkdirSync(dir, { recursive: true });
  const tls = await selfSigned(dir, "login", `/CN=${ENTRA_HOST}`, `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${ENTRA_HOST}\n`);
  const entra: EntraStandIn = { tenantId: randomUUID(), host: ENTRA_HOST, address: NODE_NETWORK.apiServer.ip, port: 443, certFile: tls.cert, keyFile: tls.key };
  writeFileSync(statePath(clusterDir), `${JSON.stringify(entra, null, 2)}\n`);
  return entra;
}

/**
 * Installs the controller and waits until it runs, with the local vaults' namespace
 * (integrations.keyVault.provider of the dev cluster's landlord.yaml).
 */
export async function installExternalSecrets(kubeconfig: string, clusterDir: string, pusher: ImagePusher, log: (line: string) => void): Promise<EntraStandIn> {
  const parts = await externalSecretsParts();
  await pushExternalSecretsImage(pusher, parts.binary);
  const entra = await makeEntraStandIn(clusterDir);
  const objects = await renderChart(parts.chart, entra, pusher.workDir);
  const ns = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "app.kubernetes.io/name": name } } });
  const ca: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: ENTRA_CA_CONFIGMAP, namespace: EXTERNAL_SECRETS_NAMESPACE, labels: {} }, data: { "ca.crt": readFileSync(entra.certFile, "utf8") } };
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const client = new KubeClient(kc, kc.getCurrentContext());
  try {
    await new Applier(client).applyPlatform([ns(EXTERNAL_SECRETS_NAMESPACE), ns(DEV_VAULTS_NAMESPACE), ca, ...objects], { force: true, repairDrift: true, dryRun: false, parallelism: 4 });
  } finally {
    client.close();
  }
  await waitDeploymentAvailable(kc, EXTERNAL_SECRETS_NAMESPACE, "external-secrets", 240_000);
  log(`External Secrets ${EXTERNAL_SECRETS_VERSION} (controller with the Azure Key Vault and Kubernetes providers; no webhook) running in ${EXTERNAL_SECRETS_NAMESPACE}; tenants' vaults are Secrets in ${DEV_VAULTS_NAMESPACE}; ${ENTRA_HOST} leads it to ${entra.address}:443`);
  return entra;
}
