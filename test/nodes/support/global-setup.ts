/**
 * Starts one control plane with real nodes and everything the dev cluster runs on it
 * (src/devcluster/stack.ts: CloudNativePG with the Barman Cloud plugin and Azurite, Traefik,
 * cert-manager and Pebble, External Secrets) for every test file under test/nodes, with the
 * platform CRDs and admission guardrails; stops it at the end. Never skipped: on a machine
 * that cannot run containers this fails and names what is missing.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { startControlPlane, stopControlPlane } from "../../../src/devcluster/control-plane.js";
import type { Azurite } from "../../../src/devcluster/azurite.js";
import { runBackupCredentials } from "../../../src/devcluster/backup-credentials.js";
import { adminConfig } from "../../../src/devcluster/seed.js";
import { startDevStack } from "../../../src/devcluster/stack.js";
import { Applier } from "../../../src/delivery/kubernetes/applier.js";
import { KubeClient } from "../../../src/delivery/kubernetes/client.js";
import { clusterBootstrap } from "../../../src/render/platform/bootstrap.js";
import { platform } from "../../support/fixtures.js";
import { PLATFORM_TEMPLATE } from "../../../src/init/templates.js";
import { NETCHECK_IMAGE } from "../../../src/devcluster/images.js";
import type { IngressAddress } from "../../../src/devcluster/traefik.js";
import type { Pebble } from "../../../src/devcluster/pebble.js";
import type { EntraStandIn } from "../../../src/devcluster/external-secrets.js";

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
    /** Where External Secrets' Azure provider sends its token exchange here, and the certificate it trusts there. */
    nodesEntra: EntraStandIn;
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
    const crds = process.env.LANDLORD_CRDS_DIR ?? resolve("..", "shared", "crds");
    if (!existsSync(crds)) throw new Error(`CRDs not found at ${crds}: put ../shared beside the repository or set LANDLORD_CRDS_DIR`);
    const stack = await startDevStack(state, crds, log);
    project.provide("nodesPostgresImage", stack.postgresImage);
    project.provide("nodesAzurite", stack.azurite);
    project.provide("nodesIngress", stack.ingress);
    project.provide("nodesPebble", stack.pebble);
    project.provide("nodesEntra", stack.entra);
    // As on the dev cluster: each tenant namespace gets the emulator's connection string (no workload identity here).
    credentials = runBackupCredentials(dir, stopCredentials.signal, log);
    const kc = adminConfig(state.kubeconfig);
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
