/**
 * cert-manager on the real nodes, as the platform's add-on installs it: the chart of the
 * pinned module (deploy/charts/cert-manager, read from the module download, never copied
 * here) rendered by the pinned Helm with the add-on's values, and applied; the controller and
 * the HTTP-01 solver images made of the binary tools/cert-manager/build.sh builds. The
 * webhook and the CA injector are left out (docs/adr/0029). The CRDs are the ones in
 * ../shared/crds, installed with the others; the kinds the controller works with that are
 * not there (CertificateRequest, Order, Challenge) come from the same chart, only when absent.
 */
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { Applier } from "../delivery/kubernetes/applier.js";
import { KubeClient } from "../delivery/kubernetes/client.js";
import { helmBinary } from "../io/package/helm.js";
import { runTool } from "../io/package/exec-tool.js";
import type { KubeObject } from "../render/object.js";
import { builtPaths } from "./cnpg.js";
import { HostSetupError } from "./host-network.js";
import { push, type ImagePusher } from "./images.js";
import { waitDeploymentAvailable } from "./wait.js";

export const CERT_MANAGER_VERSION = "v1.21.2";
/** integrations.certManager.namespace's default: the solver exemption in admission trusts cert-manager's ServiceAccount there. */
export const CERT_MANAGER_NAMESPACE = "cert-manager";
export const CERT_MANAGER_CONTROLLER_IMAGE = `quay.io/jetstack/cert-manager-controller:${CERT_MANAGER_VERSION}`;
/** The solver image the chart names; policy.platformImageRepositories lists its repository. */
export const CERT_MANAGER_SOLVER_IMAGE = `quay.io/jetstack/cert-manager-acmesolver:${CERT_MANAGER_VERSION}`;
/** Upstream's images run as this non-root user; the solver pod insists on runAsNonRoot. */
const CERT_MANAGER_UID = "1000";
const CHART_KUBE_VERSION = "1.36.3";

export interface CertManagerParts {
  readonly binary: string;
  readonly chart: string;
}

export async function certManagerParts(): Promise<CertManagerParts> {
  const [binary, chart] = await builtPaths("tools", "cert-manager", "build.sh");
  return { binary, chart };
}

/** One binary, two images: each names its command in the entrypoint, as upstream's two images do with two binaries. */
export async function pushCertManagerImages(p: ImagePusher, binary: string): Promise<void> {
  const dir = join(p.workDir, "layers", "cert-manager");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(binary, join(dir, "cert-manager"));
  await push(p, CERT_MANAGER_CONTROLLER_IMAGE, dir, "/cert-manager", { user: CERT_MANAGER_UID, workdir: "/", command: ["controller"] });
  await push(p, CERT_MANAGER_SOLVER_IMAGE, dir, "/cert-manager", { user: CERT_MANAGER_UID, workdir: "/", command: ["acmesolver"] });
}

/**
 * The values the platform's add-on gives the chart (src/render/gitops/addons.ts: CRDs
 * rendered, the lease in cert-manager's own namespace), with what this cluster differs in: no
 * CA injector or start-up check (nothing here needs them), the images' tags, and the
 * resolver for the HTTP-01 self check (tenant hostnames exist only in the test DNS server).
 */
export function certManagerValues(nameservers: readonly string[]): string[] {
  return [
    `crds.enabled=true`,
    `global.leaderElection.namespace=${CERT_MANAGER_NAMESPACE}`,
    `cainjector.enabled=false`,
    `startupapicheck.enabled=false`,
    `image.tag=${CERT_MANAGER_VERSION}`,
    `acmesolver.image.tag=${CERT_MANAGER_VERSION}`,
    ...(nameservers.length === 0 ? [] : [`extraArgs[0]=--acme-http01-solver-nameservers=${nameservers.join("\\,")}`]),
  ];
}

/**
 * The chart's objects this cluster runs, its CRDs apart: the controller's (ServiceAccount,
 * RBAC, Service, Deployment) and the shared RBAC roles; the webhook's are dropped, since its
 * binary is not built (docs/adr/0029) and its webhook configurations would then refuse every
 * cert-manager object.
 */
export function chartObjects(rendered: string): { crds: KubeObject[]; others: KubeObject[] } {
  const crds: KubeObject[] = [];
  const others: KubeObject[] = [];
  for (const doc of parseAllDocuments(rendered)) {
    const o = doc.toJS() as KubeObject | null;
    if (o === null || typeof o !== "object" || typeof o.kind !== "string") continue;
    // Parsed YAML: a chart object may come without labels, whatever KubeObject promises.
    const component = (o.metadata as { labels?: Record<string, string> }).labels?.["app.kubernetes.io/component"];
    if (component === "webhook") continue;
    (o.kind === "CustomResourceDefinition" ? crds : others).push(o);
  }
  if (!others.some((o) => o.kind === "Deployment" && o.metadata.name === "cert-manager")) throw new HostSetupError(`the cert-manager chart rendered no Deployment named cert-manager; has its layout changed since ${CERT_MANAGER_VERSION}?`);
  return { crds, others };
}

async function renderChart(chart: string, nameservers: readonly string[]): Promise<{ crds: KubeObject[]; others: KubeObject[] }> {
  const helm = await helmBinary();
  const args = ["template", "cert-manager", chart, "--namespace", CERT_MANAGER_NAMESPACE, "--kube-version", CHART_KUBE_VERSION, ...certManagerValues(nameservers).flatMap((v) => ["--set", v])];
  // A local chart and no repositories: Helm needs nothing of a home folder but its existence.
  const r = await runTool(helm, args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir() } });
  if (r.code !== 0) throw new HostSetupError(`helm template of ${chart} failed: ${r.stderr.trim()}`);
  return chartObjects(r.stdout);
}

/**
 * Installs the controller and waits until it runs. NAMESERVERS (host:port) answer its
 * HTTP-01 self check; the ACME server it talks to is a ClusterIssuer's business.
 */
export async function installCertManager(kubeconfig: string, pusher: ImagePusher, nameservers: readonly string[], log: (line: string) => void): Promise<void> {
  const parts = await certManagerParts();
  await pushCertManagerImages(pusher, parts.binary);
  const { crds, others } = await renderChart(parts.chart, nameservers);
  const namespace: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: CERT_MANAGER_NAMESPACE, labels: { "app.kubernetes.io/name": "cert-manager" } } };
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const client = new KubeClient(kc, kc.getCurrentContext());
  try {
    const applier = new Applier(client);
    // Before the controller starts: its controllers do nothing until every kind they watch can be listed.
    const missing: KubeObject[] = [];
    for (const crd of crds) if ((await applier.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", undefined, crd.metadata.name)) === undefined) missing.push(crd);
    await applier.applyPlatform(missing, { force: true, repairDrift: true, dryRun: false, parallelism: 4 });
    if (missing.length > 0) log(`installed ${String(missing.length)} more cert-manager CRDs from its ${CERT_MANAGER_VERSION} chart: ${missing.map((c) => c.metadata.name).join(", ")}`);
    await applier.applyPlatform([namespace, ...others], { force: true, repairDrift: true, dryRun: false, parallelism: 4 });
  } finally {
    client.close();
  }
  await waitDeploymentAvailable(kc, CERT_MANAGER_NAMESPACE, "cert-manager", 240_000);
  log(`cert-manager ${CERT_MANAGER_VERSION} (controller; no webhook, no CA injector) running in ${CERT_MANAGER_NAMESPACE}`);
}
