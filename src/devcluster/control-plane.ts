/**
 * A real Kubernetes control plane on loopback for tests, benchmarks and local trials:
 * etcd, kube-apiserver (RBAC; NamespaceLifecycle, LimitRanger, ServiceAccount,
 * ResourceQuota, PodSecurity, ValidatingAdmissionPolicy), kube-controller-manager,
 * kube-scheduler and KWOK, which plays the kubelets of the fake nodes.
 */
import { execFile } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { controlPlaneBinary } from "./binary.js";
import { makeCerts, type ClusterCerts } from "./certs.js";
import { freePort } from "./ports.js";
import { isAlive, readState, spawnComponent, stopPid, tail, writeState, type ClusterState, type Component } from "./processes.js";
import { sleep } from "../util/sleep.js";
import { claimApiAddress, publishApiServer, releaseApiAddress, stopRealNodes } from "./real-node.js";
import { releaseLock } from "./host-network.js";

const run = promisify(execFile);

export interface StartOptions {
  /** Working folder: certificates, etcd data, logs, kubeconfig, state. Emptied first. */
  readonly dir: string;
  /** Extra kubeconfig contexts that point at this same API server (cluster names of landlord.yaml). */
  readonly contexts?: readonly string[];
  readonly log?: (line: string) => void;
  /**
   * The cluster gets real nodes: the API server listens on the node network's API address
   * (NODE_NETWORK.apiServer), which pods reach through the kubernetes Service, instead of
   * loopback. Needs root; one such cluster per machine.
   */
  readonly realNodes?: boolean;
}

interface ApiListen {
  readonly ip: string;
  readonly port: number;
}

const SA_ISSUER = "https://kubernetes.default.svc.cluster.local";
export const ADMISSION_PLUGINS = ["NamespaceLifecycle", "LimitRanger", "ServiceAccount", "ResourceQuota", "PodSecurity", "ValidatingAdmissionPolicy"];


type Tls = { ca: Buffer; cert: Buffer; key: Buffer } | "self-signed";

/**
 * The API server is checked against the cluster CA; the controller manager and scheduler
 * serve /healthz (open to anyone) with a self-signed certificate they make at start.
 */
function httpOk(url: string, tls?: Tls): Promise<boolean> {
  return new Promise((resolve) => {
    const options = tls === "self-signed" ? { rejectUnauthorized: false } : (tls ?? {});
    const req = (tls ? request : httpRequest)(url, { ...options, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => {
      resolve(false);
    });
    req.on("timeout", () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, state: ClusterState, component: Component): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    const pid = state.processes[component]?.pid;
    if (!isAlive(pid)) break;
    await sleep(200);
  }
  const log = state.processes[component]?.log;
  throw new Error(`${what} did not come up within ${timeoutMs / 1000} s; last lines of ${log ?? "its log"}:\n${log ? tail(log) : ""}`);
}

function kubeconfigText(server: string, certs: ClusterCerts, contexts: readonly string[]): string {
  const b64 = (p: string) => readFileSync(p).toString("base64");
  const names = ["landlord-dev", ...contexts.filter((c) => c !== "landlord-dev")];
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "landlord-dev", cluster: { server, "certificate-authority-data": b64(certs.caCert) } }],
    users: [{ name: "landlord-admin", user: { "client-certificate-data": b64(certs.adminCert), "client-key-data": b64(certs.adminKey) } }],
    contexts: names.map((name) => ({ name, context: { cluster: "landlord-dev", user: "landlord-admin" } })),
    "current-context": "landlord-dev",
  });
}

function apiServerArgs(etcdPort: number, api: ApiListen, certs: ClusterCerts, dir: string): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    `--bind-address=${api.ip}`,
    `--advertise-address=${api.ip}`,
    `--secure-port=${String(api.port)}`,
    `--cert-dir=${join(dir, "apiserver-certs")}`,
    `--tls-cert-file=${certs.servingCert}`,
    `--tls-private-key-file=${certs.servingKey}`,
    `--client-ca-file=${certs.caCert}`,
    `--service-account-issuer=${SA_ISSUER}`,
    `--api-audiences=${SA_ISSUER}`,
    `--service-account-key-file=${certs.saPub}`,
    `--service-account-signing-key-file=${certs.saKey}`,
    "--service-cluster-ip-range=10.0.0.0/16",
    "--authorization-mode=Node,RBAC",
    `--enable-admission-plugins=${ADMISSION_PLUGINS.join(",")}`,
    // Privileged pods must be refused by Pod Security (the tenant's fence), not by this switch.
    "--allow-privileged=true",
    "--endpoint-reconciler-type=none",
    // Logs and exec reach real nodes' kubelets by their node IP, as the admin of this test cluster.
    "--kubelet-preferred-address-types=InternalIP",
    `--kubelet-client-certificate=${certs.adminCert}`,
    `--kubelet-client-key=${certs.adminKey}`,
    "--profiling=false",
  ];
}

/** Starts every component, waits until the API answers and the controllers have seeded it. */
export async function startControlPlane(opts: StartOptions): Promise<ClusterState> {
  const log = opts.log ?? (() => undefined);
  const binary = await controlPlaneBinary(log);
  const dir = opts.dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "certs"), { recursive: true });
  const [etcdPort, peerPort, apiPort, cmPort, schedPort, kwokPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  const api: ApiListen = opts.realNodes === true ? await claimApiAddress(dir) : { ip: "127.0.0.1", port: apiPort };
  const certs = await makeCerts(join(dir, "certs"), [api.ip]);
  const server = `https://${api.ip}:${String(api.port)}`;
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, kubeconfigText(server, certs, opts.contexts ?? []), { mode: 0o600 });
  const state: ClusterState = { binary, dir, kubeconfig, server, processes: {}, ...(opts.realNodes === true ? { apiAddress: api.ip } : {}) };
  writeState(state);
  const tls = { ca: readFileSync(certs.caCert), cert: readFileSync(certs.adminCert), key: readFileSync(certs.adminKey) };
  try {
    spawnComponent(state, "etcd", [
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${String(etcdPort)}`,
      `--advertise-client-urls=http://127.0.0.1:${String(etcdPort)}`,
      `--listen-peer-urls=http://127.0.0.1:${String(peerPort)}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${String(peerPort)}`,
      `--initial-cluster=default=http://127.0.0.1:${String(peerPort)}`,
      // Test data: durability across power loss buys nothing here and costs seconds.
      "--unsafe-no-fsync",
      "--log-level=warn",
    ]);
    await waitFor("etcd", () => httpOk(`http://127.0.0.1:${String(etcdPort)}/health`), 30_000, state, "etcd");
    log("etcd up");
    spawnComponent(state, "kube-apiserver", apiServerArgs(etcdPort, api, certs, dir));
    await waitFor("kube-apiserver", () => httpOk(`${server}/readyz`, tls), 90_000, state, "kube-apiserver");
    if (opts.realNodes === true) await publishApiServer(kubeconfig, api);
    log(`kube-apiserver up at ${server}`);
    const common = [`--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`, "--bind-address=127.0.0.1", "--leader-elect=false"];
    spawnComponent(state, "kube-controller-manager", [
      ...common,
      `--secure-port=${String(cmPort)}`,
      `--root-ca-file=${certs.caCert}`,
      `--service-account-private-key-file=${certs.saKey}`,
      "--service-cluster-ip-range=10.0.0.0/16",
      "--controllers=*",
      "--node-monitor-grace-period=40s",
    ]);
    spawnComponent(state, "kube-scheduler", [...common, `--secure-port=${String(schedPort)}`]);
    const stages = join(dir, "kwok-stages.yaml");
    const { stdout } = await run(binary, ["kwok-stages"], { maxBuffer: 1 << 22 });
    writeFileSync(stages, stdout);
    // KWOK's heartbeat stage writes node status only every ten minutes and relies on node
    // leases in between: without them the node controller marks every node NotReady.
    // Only the fake nodes: real nodes have kubelets of their own.
    spawnComponent(state, "kwok", [`--kubeconfig=${kubeconfig}`, "--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake", `--config=${stages}`, `--server-address=127.0.0.1:${String(kwokPort)}`, "--node-lease-duration-seconds=40"]);
    await waitFor("kube-controller-manager", () => httpOk(`https://127.0.0.1:${String(cmPort)}/healthz`, "self-signed"), 60_000, state, "kube-controller-manager");
    await waitFor("kube-scheduler", () => httpOk(`https://127.0.0.1:${String(schedPort)}/healthz`, "self-signed"), 60_000, state, "kube-scheduler");
    log("controllers and scheduler up");
    return state;
  } catch (err) {
    await stopControlPlane(dir).catch(() => undefined);
    throw err;
  }
}

/** Stops every component recorded in DIR (kept on disk for the logs unless `remove`). */
export async function stopControlPlane(dir: string, remove = false): Promise<void> {
  const state = readState(dir);
  await stopRealNodes(state);
  // While the API server still runs, the lock is held (holderAlive): no cluster starting now
  // can claim the address this removes.
  if (state.apiAddress !== undefined) await releaseApiAddress(state.apiAddress);
  const order: Component[] = ["kwok", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"];
  for (const c of order) await stopPid(state.processes[c]?.pid);
  releaseLock(state.dir);
  if (remove) rmSync(dir, { recursive: true, force: true });
}

/** Stops one component (a test of outages stops the API server), keeping its arguments. */
export async function stopComponent(dir: string, component: Component): Promise<void> {
  const state = readState(dir);
  await stopPid(state.processes[component]?.pid);
}

/** Starts a stopped component again with the arguments it had; waits until the API answers. */
export async function restartComponent(dir: string, component: Component): Promise<void> {
  const state = readState(dir);
  const record = state.processes[component];
  if (!record) throw new Error(`${component} was never started in ${dir}`);
  if (isAlive(record.pid)) return;
  spawnComponent(state, component, record.args, record.command, record.env);
  // A kubelet started before its containerd serves the CRI exits at once ("validate CRI v1
  // runtime API ... Unavailable"), and the node stays NotReady: callers restart containerd
  // first, so it must be answering when this returns.
  const node = /^node\/([^/]+)\/containerd$/.exec(component)?.[1];
  if (node !== undefined) {
    const socket = join(dir, "nodes", node, "containerd.sock");
    const answers = () => run("ctr", ["--address", socket, "version"]).then(() => true, () => false);
    await waitFor(`containerd of ${node}`, answers, 30_000, state, component);
  }
  if (component === "kube-apiserver") {
    const certs = join(dir, "certs");
    const tls = { ca: readFileSync(join(certs, "ca.crt")), cert: readFileSync(join(certs, "admin.crt")), key: readFileSync(join(certs, "admin.key")) };
    await waitFor("kube-apiserver", () => httpOk(`${state.server}/readyz`, tls), 90_000, state, "kube-apiserver");
  }
  writeState(state);
}
