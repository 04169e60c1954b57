/**
 * The ACME server of the real nodes: Pebble (Let's Encrypt's test server) and its DNS
 * companion pebble-challtestsrv, built by tools/pebble/build.sh and run as host services of
 * the cluster (they stop with it), on the address pods already reach the API server at
 * (NODE_NETWORK.apiServer, on lo), as Let's Encrypt sits outside the cluster. The DNS server
 * answers every name with the ingress controller's address, so a tenant's hostname leads
 * Pebble's HTTP-01 validation through the ingress controller to cert-manager's solver pod,
 * as public DNS would lead Let's Encrypt. What pods and tests need is written to the
 * cluster's folder (pebble.json). docs/adr/0029.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { Applier } from "../delivery/kubernetes/applier.js";
import { KubeClient } from "../delivery/kubernetes/client.js";
import type { KubeObject } from "../render/object.js";
import { sleep } from "../util/sleep.js";
import { selfSigned } from "./certs.js";
import { script } from "./cnpg.js";
import { HostSetupError, NODE_NETWORK } from "./host-network.js";
import { repoFile } from "./images.js";
import { freePort } from "./ports.js";
import { isAlive, spawnComponent, tail, type ClusterState } from "./processes.js";
import type { IngressAddress } from "./traefik.js";

export const PEBBLE_VERSION = "2.10.3";
/** The ClusterIssuer the dev cluster's landlord.yaml names (integrations.certManager.clusterIssuer). */
export const DEV_CLUSTER_ISSUER = "pebble";

export interface Pebble {
  /** The ACME directory (https://HOST:PORT/dir). */
  readonly directory: string;
  /** Pebble's management API (https), whose /roots/0 is the root every issued chain ends in. */
  readonly management: string;
  /** PEM of the certificate Pebble's own listeners serve: what an ACME client must trust. */
  readonly listenerCa: string;
  /** host:port of the DNS server that answers every name with the ingress address. */
  readonly dnsServer: string;
  /** That DNS server's management API (http://127.0.0.1:PORT): /set-txt publishes a TXT record, as a customer would in its zone. */
  readonly dnsManagement: string;
}

function statePath(dir: string): string {
  return join(dir, "pebble.json");
}

/** What startPebble wrote for the cluster in DIR, for another process (a test file, a shell). */
export function readPebble(dir: string): Pebble | undefined {
  try {
    return JSON.parse(readFileSync(statePath(dir), "utf8")) as Pebble;
  } catch {
    return undefined;
  }
}

async function pebblePrograms(): Promise<{ pebble: string; challtestsrv: string }> {
  const [pebble, challtestsrv] = (await script(repoFile("tools", "pebble", "build.sh"))).slice(-2);
  if (pebble === undefined || challtestsrv === undefined || !existsSync(pebble) || !existsSync(challtestsrv)) {
    throw new HostSetupError(`tools/pebble/build.sh printed no pebble and challtestsrv binaries (got '${pebble ?? ""}', '${challtestsrv ?? ""}')`);
  }
  return { pebble, challtestsrv };
}

/** GET over HTTPS trusting only CA; the body, or undefined while nothing answers. */
export function httpsGet(url: string, ca: string, timeoutMs = 5_000): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    // Pebble refuses requests without a User-Agent, as ACME requires one.
    const req = request(url, { ca, timeout: timeoutMs, headers: { "user-agent": "landlord-devcluster" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on("error", () => {
        resolve(undefined);
      });
    });
    req.on("timeout", () => {
      req.destroy();
    });
    req.on("error", () => {
      resolve(undefined);
    });
    req.end();
  });
}

/**
 * Pebble's configuration: its listeners on HOST, validation on the ingress controller's
 * ports, no external account binding, certificates as Let's Encrypt's default profile gives them.
 */
function pebbleConfig(host: string, acmePort: number, managementPort: number, cert: string, key: string, ingress: IngressAddress): unknown {
  return {
    pebble: {
      listenAddress: `${host}:${String(acmePort)}`,
      managementListenAddress: `${host}:${String(managementPort)}`,
      certificate: cert,
      privateKey: key,
      httpPort: ingress.httpPort,
      tlsPort: ingress.httpsPort,
      ocspResponderURL: "",
      externalAccountBindingRequired: false,
      domainBlocklist: [],
      retryAfter: { authz: 1, order: 1 },
      keyAlgorithm: "ecdsa",
      profiles: { default: { description: "90 days, as Let's Encrypt's default profile", validityPeriod: 7_776_000 } },
    },
  };
}

/** Starts challtestsrv and Pebble for the cluster in state.dir and waits until Pebble serves its directory. */
export async function startPebble(state: ClusterState, ingress: IngressAddress, log: (line: string) => void = () => undefined): Promise<Pebble> {
  if (state.apiAddress === undefined) throw new HostSetupError("Pebble listens on the real nodes' API address: start the control plane with realNodes: true");
  const { pebble, challtestsrv } = await pebblePrograms();
  const host = NODE_NETWORK.apiServer.ip;
  const dir = join(state.dir, "pebble");
  mkdirSync(dir, { recursive: true });
  const names = [`IP:${host}`, "DNS:pebble", "DNS:localhost"];
  const tls = await selfSigned(dir, "listener", "/CN=pebble", `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${names.join(",")}\n`);
  const [dnsPort, dnsManagementPort, acmePort, managementPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const dnsServer = `${host}:${String(dnsPort)}`;
  spawnComponent(
    state,
    "host/pebble-challtestsrv",
    // DNS only: no AAAA answers (Pebble dials the first address it gets), no challenge servers of its own.
    ["-defaultIPv4", ingress.ip, "-defaultIPv6", "", "-dnsserver", dnsServer, "-management", `127.0.0.1:${String(dnsManagementPort)}`, "-http01", "", "-https01", "", "-tlsalpn01", "", "-doh", ""],
    challtestsrv,
  );
  const configFile = join(dir, "pebble-config.json");
  writeFileSync(configFile, JSON.stringify(pebbleConfig(host, acmePort, managementPort, tls.cert, tls.key, ingress), null, 2));
  // No random waits before validating, and no nonces refused on purpose: issuance in seconds, as tests need.
  const record = spawnComponent(state, "host/pebble", ["-config", configFile, "-dnsserver", dnsServer], pebble, { PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0" });
  const listenerCa = readFileSync(tls.cert, "utf8");
  const result: Pebble = { directory: `https://${host}:${String(acmePort)}/dir`, management: `https://${host}:${String(managementPort)}`, listenerCa, dnsServer, dnsManagement: `http://127.0.0.1:${String(dnsManagementPort)}` };
  const deadline = Date.now() + 30_000;
  while ((await httpsGet(result.directory, listenerCa, 2_000))?.status !== 200) {
    if (!isAlive(record.pid) || Date.now() > deadline) throw new HostSetupError(`Pebble did not serve ${result.directory}; last lines of ${record.log}:\n${tail(record.log, 30)}`);
    await sleep(200);
  }
  writeFileSync(statePath(state.dir), JSON.stringify(result));
  log(`Pebble ${PEBBLE_VERSION} (ACME) at ${result.directory}; its DNS server ${dnsServer} answers every name with the ingress address ${ingress.ip}`);
  return result;
}

/**
 * The operator's ClusterIssuer on this cluster (Landlord reads it, never writes it: see
 * src/audit/cluster-issuer.ts): Pebble's directory, trusted through caBundle, HTTP-01
 * through the ingress class with a ClusterIP solver Service, as tenant namespaces require.
 */
export function pebbleClusterIssuer(pebble: Pebble, ingressClassName: string): KubeObject {
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "ClusterIssuer",
    metadata: { name: DEV_CLUSTER_ISSUER, labels: {} },
    spec: {
      acme: {
        server: pebble.directory,
        caBundle: Buffer.from(pebble.listenerCa).toString("base64"),
        email: "platform@example.com",
        privateKeySecretRef: { name: `${DEV_CLUSTER_ISSUER}-account-key` },
        solvers: [{ http01: { ingress: { ingressClassName, serviceType: "ClusterIP" } } }],
      },
    },
  };
}

/** Applies the ClusterIssuer and waits until cert-manager has registered its ACME account. */
export async function installClusterIssuer(kubeconfig: string, pebble: Pebble, ingressClassName: string, log: (line: string) => void): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const client = new KubeClient(kc, kc.getCurrentContext());
  try {
    const applier = new Applier(client);
    await applier.applyPlatform([pebbleClusterIssuer(pebble, ingressClassName)], { force: true, repairDrift: true, dryRun: false, parallelism: 1 });
    const deadline = Date.now() + 120_000;
    for (;;) {
      const live = await applier.get("cert-manager.io/v1", "ClusterIssuer", undefined, DEV_CLUSTER_ISSUER);
      const ready = ((live?.status as { conditions?: { type: string; status: string; message?: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === "Ready");
      if (ready?.status === "True") break;
      if (Date.now() > deadline) throw new HostSetupError(`ClusterIssuer ${DEV_CLUSTER_ISSUER} not Ready after 120 s: ${ready?.message ?? "no Ready condition"}`);
      await sleep(1_000);
    }
  } finally {
    client.close();
  }
  log(`ClusterIssuer ${DEV_CLUSTER_ISSUER} Ready: ACME account at ${pebble.directory}, HTTP-01 through ingress class ${ingressClassName}`);
}
