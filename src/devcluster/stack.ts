/**
 * What runs on a real-node cluster besides the control plane, in the one order that works:
 * the platform CRDs, a real node for the shared pool, CloudNativePG with the Barman Cloud
 * plugin and Azurite for backups, Traefik, Pebble and cert-manager for certificates, and
 * External Secrets with the local vault stand-in. `npm run cluster:up`, the real-node test
 * suite and the onboarding benchmark all start it here, so what the tests prove is what a
 * newcomer gets.
 */
import { join } from "node:path";
import type { ClusterState } from "./processes.js";
import { startRealNodes } from "./real-node.js";
import { installCnpg } from "./cnpg.js";
import { installBarmanCloud } from "./barman-cloud.js";
import { startAzurite, type Azurite } from "./azurite.js";
import { adminConfig, installCrds, waitSeeded } from "./seed.js";
import { installTraefik, TRAEFIK_INGRESS, type IngressAddress } from "./traefik.js";
import { installClusterIssuer, startPebble, type Pebble } from "./pebble.js";
import { installCertManager } from "./cert-manager.js";
import { installExternalSecrets, type EntraStandIn } from "./external-secrets.js";

export interface DevStack {
  readonly postgresImage: string;
  readonly azurite: Azurite;
  readonly ingress: IngressAddress;
  readonly pebble: Pebble;
  readonly entra: EntraStandIn;
}

/**
 * Starts everything on a control plane started with realNodes. `crdsDir` must exist: without
 * the CRDs nothing of a tenant can be applied. The backup credentials stand-in is left to
 * the caller, which runs it in its own process (cluster:up) or in-process (tests).
 */
export async function startDevStack(state: ClusterState, crdsDir: string, log: (line: string) => void): Promise<DevStack> {
  const kc = adminConfig(state.kubeconfig);
  await waitSeeded(kc);
  // more/ holds CloudNativePG's Backup kind, which its operator watches, and the plugin's ObjectStore.
  const crds = [...(await installCrds(kc, crdsDir)), ...(await installCrds(kc, join(crdsDir, "more")))];
  log(`installed ${String(crds.length)} CRDs from ${crdsDir}`);
  const nodes = await startRealNodes(state, { nodes: [{ name: "real-shared-0", pool: "shared" }], log });
  const { postgresImage } = await installCnpg(state.kubeconfig, nodes.pusher, log);
  await installBarmanCloud(state.kubeconfig, nodes.pusher, log);
  const azurite = await startAzurite(state, log);
  // Tenant hostnames lead to Traefik (Pebble's DNS server says so), Pebble validates through
  // it, cert-manager issues with the ClusterIssuer landlord.yaml names (docs/adr/0029).
  const ingress = await installTraefik(state.kubeconfig, nodes.pusher, log);
  const pebble = await startPebble(state, ingress, log);
  await installCertManager(state.kubeconfig, nodes.pusher, [pebble.dnsServer], log);
  await installClusterIssuer(state.kubeconfig, pebble, TRAEFIK_INGRESS.className, log);
  // Tenants' secrets from the local vault stand-in; Azure's token exchange to whoever plays Entra ID (docs/adr/0031).
  const entra = await installExternalSecrets(state.kubeconfig, state.dir, nodes.pusher, log);
  return { postgresImage, azurite, ingress, pebble, entra };
}
