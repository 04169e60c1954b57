/**
 * Starts one control plane with real nodes (containerd, kubelet, CNI, kube-proxy, CoreDNS,
 * kube-network-policies, node-local volumes, a local registry), CloudNativePG with the Barman
 * Cloud plugin and Azurite for backups, Traefik as the ingress controller, cert-manager and
 * Pebble (ACME) with its ClusterIssuer, for every test file under test/nodes, with the
 * platform CRDs and admission guardrails; stops it at the end. Never skipped: on a machine
 * that cannot run containers this fails and names what is missing.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { startControlPlane, stopControlPlane } from "../../../src/devcluster/control-plane.js";
import { startRealNodes } from "../../../src/devcluster/real-node.js";
import { installCnpg } from "../../../src/devcluster/cnpg.js";
import { installBarmanCloud } from "../../../src/devcluster/barman-cloud.js";
import { startAzurite, type Azurite } from "../../../src/devcluster/azurite.js";
import { runBackupCredentials } from "../../../src/devcluster/backup-credentials.js";
import { adminConfig, installCrds, waitSeeded } from "../../../src/devcluster/seed.js";
import { Applier } from "../../../src/delivery/kubernetes/applier.js";
import { KubeClient } from "../../../src/delivery/kubernetes/client.js";
import { clusterBootstrap } from "../../../src/render/platform/bootstrap.js";
import { platform } from "../../support/fixtures.js";
import { PLATFORM_TEMPLATE } from "../../../src/init/templates.js";
import { NETCHECK_IMAGE } from "../../../src/devcluster/images.js";
import { installTraefik, TRAEFIK_INGRESS, type IngressAddress } from "../../../src/devcluster/traefik.js";
import { installClusterIssuer, startPebble, type Pebble } from "../../../src/devcluster/pebble.js";
import { installCertManager } from "../../../src/devcluster/cert-manager.js";

declare module "vitest" {
  export interface ProvidedContext {
    nodesClusterDir: string;
    nodesKubeconfig: string;
    /** The PostgreSQL image the nodes serve (CloudNativePG's name, this machine's Debian PostgreSQL). */
    nodesPostgresImage: string;
    /** Azurite's blob endpoint (http://HOST:PORT/ACCOUNT, reached by pods and tests), its account and this run's test-only key. */
    nodesAzurite: Azurite;
    /** Traefik's Service address: where tenant hostnames lead (the test DNS server answers every name with it). */
    nodesIngress: IngressAddress;
    /** Pebble's ACME directory, management API, the certificate its listeners serve, and its DNS server. */
    nodesPebble: Pebble;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), "landlord-nodes-"));
  const started = Date.now();
  const log = (l: string) => process.stderr.write(`[real nodes] ${l}\n`);
  const state = await startControlPlane({ dir, log, realNodes: true });
  const stopCredentials = new AbortController();
  let credentials: Promise<void> = Promise.resolve();
  try {
    const kc = adminConfig(state.kubeconfig);
    await waitSeeded(kc);
    const crds = process.env.LANDLORD_CRDS_DIR ?? resolve("..", "shared", "crds");
    if (!existsSync(crds)) throw new Error(`CRDs not found at ${crds}: put ../shared beside the repository or set LANDLORD_CRDS_DIR`);
    await installCrds(kc, crds);
    // CloudNativePG's Backup kind and the Barman Cloud plugin's ObjectStore: the operator watches Backups.
    await installCrds(kc, join(crds, "more"));
    const nodes = await startRealNodes(state, { nodes: [{ name: "real-shared-0", pool: "shared" }], log });
    const { postgresImage } = await installCnpg(state.kubeconfig, nodes.pusher, log);
    project.provide("nodesPostgresImage", postgresImage);
    // Backups: the Barman Cloud plugin beside the operator, and Azure Blob Storage to write to.
    await installBarmanCloud(state.kubeconfig, nodes.pusher, log);
    project.provide("nodesAzurite", await startAzurite(state, log));
    // As on the dev cluster: each tenant namespace gets the emulator's connection string (no workload identity here).
    credentials = runBackupCredentials(dir, stopCredentials.signal, log);
    // Certificates: tenant hostnames lead to Traefik (Pebble's DNS server says so), Pebble
    // validates through it, cert-manager issues with the ClusterIssuer landlord.yaml names.
    const ingress = await installTraefik(state.kubeconfig, nodes.pusher, log);
    project.provide("nodesIngress", ingress);
    const pebble = await startPebble(state, ingress, log);
    project.provide("nodesPebble", pebble);
    await installCertManager(state.kubeconfig, nodes.pusher, [pebble.dnsServer], log);
    await installClusterIssuer(state.kubeconfig, pebble, TRAEFIK_INGRESS.className, log);
    const client = new KubeClient(kc, kc.getCurrentContext());
    // The guardrails as a platform that names its isolation probe renders them: the probe's
    // repository is on the allow-list (policy.isolationProbeImage), as on any audited cluster.
    await new Applier(client).applyPlatform(clusterBootstrap(platform(`${PLATFORM_TEMPLATE}  isolationProbeImage: ${NETCHECK_IMAGE}\n`).config), { force: false, repairDrift: true, dryRun: false, parallelism: 4 });
    client.close();
  } catch (err) {
    stopCredentials.abort();
    await credentials.catch(() => undefined);
    await stopControlPlane(dir, false).catch(() => undefined);
    throw err;
  }
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${state.kubeconfig}`);
  project.provide("nodesClusterDir", dir);
  project.provide("nodesKubeconfig", state.kubeconfig);
  return async () => {
    stopCredentials.abort();
    await credentials.catch(() => undefined);
    await stopControlPlane(dir, process.env.LANDLORD_KEEP_CLUSTER === undefined);
  };
}
