/**
 * Real nodes beside the control plane: per node a containerd (Debian's, with runc) and a
 * kubelet built from the same Kubernetes release, CNI bridge networking, and per machine
 * kube-proxy (nftables), kube-network-policies, the node-local volume provisioner and a distribution
 * registry that serves the images; CoreDNS runs as pods (cluster-dns.ts). Every node shares the machine's network namespace with
 * its own address; docs/adr/0021-real-test-nodes.md says why and what it costs.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { CoreV1Api, DiscoveryV1Api, KubeConfig, type V1Taint } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { nodeClientCert } from "./certs.js";
import { bridgeName, HostSetupError, NODE_NETWORK, nodeIp, podCidr, prepareHostNetwork, realNodePrerequisites, sh, takeLock, teardownHostNetwork, type HostNetworkState } from "./host-network.js";
import { clusterDnsObjects } from "./cluster-dns.js";
import { clusterStorageObjects, DEFAULT_STORAGE_CLASS, NODE_LOCAL_PROVISIONER } from "./cluster-storage.js";
import { Applier } from "../delivery/kubernetes/applier.js";
import { KubeClient } from "../delivery/kubernetes/client.js";
import { waitDeploymentAvailable } from "./wait.js";
import { imagePrograms, pushBaseImages, type ImagePusher } from "./images.js";
import { freePort } from "./ports.js";
import { isAlive, readState, stopPid, spawnComponent, tail, writeState, type ClusterState, type Component } from "./processes.js";
import { sleep } from "../util/sleep.js";

const run = promisify(execFile);

export interface RealNodeSpec {
  readonly name: string;
  /** The AKS agent pool it stands for (kubernetes.azure.com/agentpool). */
  readonly pool: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly V1Taint[];
}

export interface RealNodesOptions {
  readonly nodes: readonly RealNodeSpec[];
  /** Example app releases pushed at start (more with pushExampleApp). */
  readonly appVersions?: readonly string[];
  readonly log?: (line: string) => void;
}

/** What tests and commands need to find the real nodes' parts again. */
export type RealNode = RealNodeSpec & { readonly ip: string; readonly podCidr: string; readonly dir: string; readonly containerdSocket: string; readonly cgroupRoot: string };

export interface RealNodesState {
  readonly nodes: readonly RealNode[];
  readonly registry: string;
  readonly pusher: ImagePusher;
  readonly host: HostNetworkState;
}

const CGROUP_FS = "/sys/fs/cgroup";

/**
 * Node processes may reach the control plane and the local registry and nothing else: a
 * registry fallback to a real host (containerd tries the image's own host after the
 * mirror) goes to a closed local port instead of the internet.
 */
const NO_OUTSIDE_ENV = {
  HTTPS_PROXY: "http://127.0.0.1:9",
  HTTP_PROXY: "http://127.0.0.1:9",
  NO_PROXY: "127.0.0.1,localhost,10.0.0.0/16,10.244.0.0/16,10.250.0.0/24",
};

function v1Controllers(): string[] {
  return readdirSync(CGROUP_FS, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(CGROUP_FS, d.name));
}

/** The cgroup v1 parent a node's kubelet puts its pods under, made in every hierarchy. */
function makeCgroupRoot(name: string): void {
  for (const controller of v1Controllers()) {
    const dir = join(controller, name);
    mkdirSync(dir, { recursive: true });
    // A new cpuset group starts with no CPUs or memory nodes; its tasks could not run.
    if (existsSync(join(dir, "cpuset.cpus"))) {
      for (const f of ["cpuset.cpus", "cpuset.mems"]) {
        if (readFileSync(join(dir, f), "utf8").trim() === "") writeFileSync(join(dir, f), readFileSync(join(controller, f), "utf8"));
      }
    }
  }
}

function cgroupProcs(dir: string): number[] {
  const pids: number[] = [];
  if (!existsSync(dir)) return pids;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) pids.push(...cgroupProcs(join(dir, e.name)));
  try {
    for (const line of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")) if (line.trim() !== "") pids.push(Number(line));
  } catch {
    /* gone meanwhile */
  }
  return pids;
}

function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  try {
    rmdirSync(dir);
  } catch {
    /* still busy: left for the next start to reuse */
  }
}

function containerdConfig(dir: string, socket: string, registry: string, cniDir: string): string {
  return `version = 2
root = "${join(dir, "root")}"
state = "${join(dir, "state")}"
[grpc]
  address = "${socket}"
[ttrpc]
  address = "${socket}.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "${join(dir, "opt")}"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  # This machine's root lacks CAP_SYS_RESOURCE: a negative oom_score_adj (the kubelet's -998
  # for sandboxes) fails runc's init, so scores are clamped at containerd's own.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "${join(dir, "runc")}"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${cniDir}"
  # Every registry host is served by the local registry (containerd 1.6 has no _default hosts.toml).
  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."*"]
    endpoint = ["http://${registry}"]
`;
}

function cniConfig(index: number, ipamDir: string): string {
  return JSON.stringify(
    {
      cniVersion: "1.0.0",
      name: `landlord-${String(index)}`,
      plugins: [
        {
          type: "bridge",
          bridge: bridgeName(index),
          isGateway: true,
          // No masquerade: pod traffic keeps its source address (policies see the pod) and
          // has nowhere to go but other pods and the stand-in outside.
          ipMasq: false,
          hairpinMode: true,
          ipam: { type: "host-local", ranges: [[{ subnet: podCidr(index) }]], routes: [{ dst: "0.0.0.0/0" }], dataDir: ipamDir },
        },
      ],
    },
    null,
    2,
  );
}

function kubeletConfig(opts: { ip: string; socket: string; cgroupRoot: string; caCert: string; dir: string }): string {
  return stringify({
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    // This kernel mounts cgroup v1; the kubelet refuses it unless told (docs/adr/0021).
    failCgroupV1: false,
    cgroupDriver: "cgroupfs",
    cgroupRoot: opts.cgroupRoot,
    cgroupsPerQOS: true,
    enforceNodeAllocatable: ["pods"],
    failSwapOn: false,
    address: opts.ip,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: opts.ip,
    healthzPort: 10248,
    containerRuntimeEndpoint: `unix://${opts.socket}`,
    imageServiceEndpoint: `unix://${opts.socket}`,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: false }, x509: { clientCAFile: opts.caCert } },
    // Only the API server holds a certificate of this CA for the kubelet port.
    authorization: { mode: "AlwaysAllow" },
    clusterDomain: "cluster.local",
    clusterDNS: [NODE_NETWORK.dnsServiceIp],
    // Pods get the cluster's DNS only, never the machine's resolver.
    resolvConf: "",
    serializeImagePulls: false,
    volumePluginDir: join(opts.dir, "volume-plugins"),
    podLogsDir: join(opts.dir, "pod-logs"),
    evictionHard: { "memory.available": "100Mi", "nodefs.available": "1%", "nodefs.inodesFree": "1%", "imagefs.available": "1%" },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    protectKernelDefaults: false,
    shutdownGracePeriod: "0s",
    maxPods: 110,
  });
}

function kubeconfigFor(server: string, caCert: string, cert: string, key: string): string {
  const b64 = (p: string) => readFileSync(p).toString("base64");
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "landlord-dev", cluster: { server, "certificate-authority-data": b64(caCert) } }],
    users: [{ name: "node", user: { "client-certificate-data": b64(cert), "client-key-data": b64(key) } }],
    contexts: [{ name: "landlord-dev", context: { cluster: "landlord-dev", user: "node" } }],
    "current-context": "landlord-dev",
  });
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, state: ClusterState, component: Component): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    const record = state.processes[component];
    if (record !== undefined && !isAlive(record.pid)) break;
    await sleep(250);
  }
  const log = state.processes[component]?.log;
  throw new HostSetupError(`${what} did not come up within ${String(timeoutMs / 1000)} s; last lines of ${log ?? "its log"}:\n${log ? tail(log, 30) : ""}`);
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** The kubernetes Service's endpoint: the API server's address on the node network. */
export async function publishApiServer(kubeconfig: string, api: { ip: string; port: number }): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  await kc
    .makeApiClient(DiscoveryV1Api)
    .createNamespacedEndpointSlice({
      namespace: "default",
      body: {
        metadata: { name: "kubernetes", labels: { "kubernetes.io/service-name": "kubernetes", "endpointslice.kubernetes.io/managed-by": "landlord.dev-devcluster" } },
        addressType: "IPv4",
        endpoints: [{ addresses: [api.ip], conditions: { ready: true } }],
        ports: [{ name: "https", port: api.port, protocol: "TCP" }],
      },
    })
    .catch(ignoreConflict);
}

/** A cluster holds real nodes while its API server or its registry runs. */
function holderAlive(holder: string): boolean {
  try {
    const p = readState(holder).processes;
    return isAlive(p["kube-apiserver"]?.pid) || isAlive(p["host/registry"]?.pid);
  } catch {
    return false;
  }
}

/** Takes the machine's real-node lock for DIR and puts the API address on lo. */
export async function claimApiAddress(dir: string): Promise<{ ip: string; port: number }> {
  const missing = realNodePrerequisites();
  if (missing.length > 0) throw new HostSetupError(`real nodes cannot run on this machine; missing:\n  - ${missing.join("\n  - ")}`);
  takeLock(dir, holderAlive);
  const api = NODE_NETWORK.apiServer;
  await sh("ip", ["addr", "replace", `${api.ip}/32`, "dev", "lo"]);
  return { ip: api.ip, port: api.port };
}

export async function releaseApiAddress(ip: string): Promise<void> {
  await sh("ip", ["addr", "del", `${ip}/32`, "dev", "lo"], { allowFail: true });
}


function ignoreConflict(err: unknown): void {
  if ((err as { code?: number }).code !== 409) throw err;
}

/**
 * Starts the real nodes and the machine's services for them, and waits until every node is
 * Ready. Fails with what is missing when the machine cannot run them (never falls back).
 */
export async function startRealNodes(state: ClusterState, opts: RealNodesOptions): Promise<RealNodesState> {
  const log = opts.log ?? (() => undefined);
  const missing = realNodePrerequisites();
  if (missing.length > 0) throw new HostSetupError(`real nodes cannot run on this machine; missing:\n  - ${missing.join("\n  - ")}`);
  const dir = state.dir;
  if (state.apiAddress === undefined) throw new HostSetupError("real nodes need a control plane started with realNodes: true (its API server must listen where pods reach it)");
  const host = await prepareHostNetwork(dir, holderAlive);
  writeFileSync(join(dir, "real-nodes.json"), JSON.stringify({ host, nodes: opts.nodes.map((n) => n.name) }));

  // The registry and the images.
  const registryPort = await freePort();
  const registry = `127.0.0.1:${String(registryPort)}`;
  const registryConfig = join(dir, "registry.yml");
  writeFileSync(
    registryConfig,
    stringify({ version: 0.1, log: { level: "warn", accesslog: { disabled: true } }, storage: { filesystem: { rootdirectory: join(dir, "registry") }, delete: { enabled: true } }, http: { addr: registry, secret: "landlord-test-registry" } }),
  );
  spawnComponent(state, "host/registry", ["serve", registryConfig]);
  await waitUntil("the image registry", () => httpOk(`http://${registry}/v2/`), 30_000, state, "host/registry");
  const pusher: ImagePusher = { binary: state.binary, registry, workDir: join(dir, "images"), programs: await imagePrograms() };
  await pushBaseImages(pusher, opts.appVersions ?? ["1.0.0"]);
  log(`registry up at ${registry} with the node images`);

  const nodes: RealNode[] = [];
  for (const [index, spec] of opts.nodes.entries()) nodes.push(await startNode(state, spec, index, registry));

  // Services of the machine: Service addresses, cluster DNS, NetworkPolicy per node.
  const [proxyMetrics, proxyHealth] = await Promise.all([freePort(), freePort()]);
  const first = nodes[0];
  if (first === undefined) throw new HostSetupError("startRealNodes needs at least one node");
  spawnWithEnv(state, "host/kube-proxy", [
    `--kubeconfig=${state.kubeconfig}`,
    "--proxy-mode=nftables",
    `--cluster-cidr=${NODE_NETWORK.clusterCidr}`,
    `--hostname-override=${first.name}`,
    `--metrics-bind-address=127.0.0.1:${String(proxyMetrics)}`,
    `--healthz-bind-address=127.0.0.1:${String(proxyHealth)}`,
    // The machine's conntrack settings are not this test's to change.
    "--conntrack-max-per-core=0",
    "--conntrack-tcp-timeout-established=0s",
    "--conntrack-tcp-timeout-close-wait=0s",
  ]);
  // One verdict loop for every real node's pods: they share this network namespace.
  spawnWithEnv(state, "host/kube-network-policies", [
    `--kubeconfig=${state.kubeconfig}`,
    `--pod-cidr=${NODE_NETWORK.clusterCidr}`,
    "--nfqueue-id=100",
    `--metrics-bind-address=127.0.0.1:${String(await freePort())}`,
  ]);
  spawnWithEnv(state, "host/node-local-provisioner", [`--kubeconfig=${state.kubeconfig}`, `--root=${join(dir, "volumes")}`, `--name=${NODE_LOCAL_PROVISIONER}`]);
  const kc = new KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  await waitUntil("kube-proxy", () => httpOk(`http://127.0.0.1:${String(proxyHealth)}/healthz`), 60_000, state, "host/kube-proxy");
  for (const n of nodes) {
    await waitNodeReady(kc, state, n.name);
    log(`real node ${n.name} Ready (pool ${n.pool}, ${n.ip}, pods ${n.podCidr})`);
  }
  const client = new KubeClient(kc, kc.getCurrentContext());
  try {
    await new Applier(client).applyPlatform([...clusterDnsObjects(), ...clusterStorageObjects()], { force: true, repairDrift: true, dryRun: false, parallelism: 4 });
  } finally {
    client.close();
  }
  await waitDeploymentAvailable(kc, "kube-system", "coredns", 120_000, `; the kubelets' logs are in ${state.dir}`);
  log(`cluster DNS (CoreDNS pods in kube-system) available; claims of storage class ${DEFAULT_STORAGE_CLASS} become node-local volumes`);
  const result: RealNodesState = { host, nodes, registry, pusher };
  writeFileSync(join(dir, "real-nodes.json"), JSON.stringify(result, null, 2));
  return result;
}

/** One node: its address, cgroup parent, containerd with its CNI config, and its kubelet. */
async function startNode(state: ClusterState, spec: RealNodeSpec, index: number, registry: string): Promise<RealNode> {
  const dir = state.dir;
  const certs = join(dir, "certs");
  const caCert = join(certs, "ca.crt");
  const nodeDir = join(dir, "nodes", spec.name);
  const containerdDir = join(nodeDir, "containerd");
  const cniDir = join(nodeDir, "cni");
  mkdirSync(containerdDir, { recursive: true });
  mkdirSync(cniDir, { recursive: true });
  const socket = join(nodeDir, "containerd.sock");
  const cgroupRoot = `landlord-${spec.name}`;
  makeCgroupRoot(cgroupRoot);
  const ip = nodeIp(index);
  await sh("ip", ["addr", "replace", `${ip}/32`, "dev", NODE_NETWORK.dummy]);
  writeFileSync(join(containerdDir, "config.toml"), containerdConfig(containerdDir, socket, registry, cniDir));
  writeFileSync(join(cniDir, "10-landlord.conflist"), cniConfig(index, join(nodeDir, "ipam")));
  const containerd: Component = `node/${spec.name}/containerd`;
  spawnWithEnv(state, containerd, ["--config", join(containerdDir, "config.toml"), "--log-level", "warn"], "/usr/bin/containerd");
  await waitUntil(`containerd of ${spec.name}`, () => run("ctr", ["--address", socket, "version"]).then(() => true), 30_000, state, containerd);

  const kubeletDir = join(nodeDir, "kubelet");
  mkdirSync(kubeletDir, { recursive: true });
  const { cert, key } = await nodeClientCert(certs, spec.name, caCert, join(certs, "ca.key"));
  const kubeconfig = join(nodeDir, "kubeconfig");
  writeFileSync(kubeconfig, kubeconfigFor(state.server, caCert, cert, key), { mode: 0o600 });
  const config = join(nodeDir, "kubelet.yaml");
  writeFileSync(config, kubeletConfig({ ip, socket, cgroupRoot: `/${cgroupRoot}`, caCert, dir: kubeletDir }));
  const labels = { "kubernetes.azure.com/agentpool": spec.pool, "landlord.dev/real-node": "true", ...spec.labels };
  const args = [
    `--config=${config}`,
    `--kubeconfig=${kubeconfig}`,
    `--root-dir=${kubeletDir}`,
    `--cert-dir=${join(kubeletDir, "pki")}`,
    `--hostname-override=${spec.name}`,
    `--node-ip=${ip}`,
    `--node-labels=${Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",")}`,
    "--v=1",
  ];
  if ((spec.taints ?? []).length > 0) args.push(`--register-with-taints=${(spec.taints ?? []).map((t) => `${t.key}=${t.value ?? ""}:${t.effect}`).join(",")}`);
  spawnWithEnv(state, `node/${spec.name}/kubelet`, args);
  return { ...spec, ip, podCidr: podCidr(index), dir: nodeDir, containerdSocket: socket, cgroupRoot };
}

async function waitNodeReady(kc: KubeConfig, state: ClusterState, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await waitUntil(
    `node ${name}`,
    async () => {
      const node = await core.readNode({ name });
      const ready = node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
      return ready && !(node.spec?.taints ?? []).some((t) => t.key === "node.kubernetes.io/not-ready");
    },
    120_000,
    state,
    `node/${name}/kubelet`,
  );
}

/**
 * Another real node on a running cluster: what a cloud's node pool does when it scales
 * out, for a medium tenant's pool when no Terraform is configured.
 */
export async function addRealNode(state: ClusterState, spec: RealNodeSpec, log: (line: string) => void = () => undefined): Promise<RealNode> {
  const current = readRealNodes(state.dir);
  if (current === undefined) throw new HostSetupError(`no real nodes run in ${state.dir}; start them first (npm run cluster:up)`);
  const existing = current.nodes.find((n) => n.name === spec.name);
  if (existing !== undefined) return existing;
  const node = await startNode(state, spec, current.nodes.length, current.registry);
  const kc = new KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  await waitNodeReady(kc, state, spec.name);
  writeFileSync(join(state.dir, "real-nodes.json"), JSON.stringify({ ...current, nodes: [...current.nodes, node] }, null, 2));
  log(`real node ${spec.name} Ready (pool ${spec.pool}, ${node.ip}, pods ${node.podCidr})`);
  return node;
}

function spawnWithEnv(state: ClusterState, component: Component, args: readonly string[], command?: string): void {
  spawnComponent(state, component, args, command, NO_OUTSIDE_ENV);
}

export function readRealNodes(dir: string): RealNodesState | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, "real-nodes.json"), "utf8")) as Partial<RealNodesState>;
    return parsed.nodes !== undefined && typeof parsed.nodes[0] === "object" ? (parsed as RealNodesState) : undefined;
  } catch {
    return undefined;
  }
}

/** Mount points under DIR, deepest first (pod volumes, container root filesystems). */
function mountsUnder(dir: string): string[] {
  const lines = readFileSync("/proc/self/mountinfo", "utf8").split("\n");
  const points = lines.map((l) => l.split(" ")[4] ?? "").filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/**
 * Stops everything startRealNodes began: pods first (through their kubelets while the API
 * answers, then whatever is left in the nodes' cgroups), then the agents, the mounts and
 * the host network. Safe to call when no real node was started.
 */
export async function stopRealNodes(state: ClusterState): Promise<void> {
  const components = Object.keys(state.processes).filter((c) => c.startsWith("node/") || c.startsWith("host/")) as Component[];
  const saved = (() => {
    try {
      return JSON.parse(readFileSync(join(state.dir, "real-nodes.json"), "utf8")) as { host?: HostNetworkState; nodes?: (string | { name: string; cgroupRoot?: string })[] };
    } catch {
      return undefined;
    }
  })();
  if (components.length === 0 && saved === undefined) return;
  const names = (saved?.nodes ?? []).map((n) => (typeof n === "string" ? n : n.name));
  // Kubelets first, so nothing restarts what is killed next.
  for (const c of components.filter((c) => c.endsWith("/kubelet"))) await stopPid(state.processes[c]?.pid);
  for (const name of names) {
    const group = `landlord-${name}`;
    const pids = cgroupProcs(join(CGROUP_FS, "pids", group));
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
  await sleep(pidsLeft(names) ? 1_000 : 0);
  for (const c of components.filter((c) => !c.endsWith("/kubelet"))) await stopPid(state.processes[c]?.pid);
  // containerd's shims outlive it; they hold nothing once their containers are gone.
  await sh("pkill", ["-KILL", "-f", `containerd-shim-runc-v2 .*-address ${state.dir}/`], { allowFail: true });
  for (const point of mountsUnder(state.dir)) await sh("umount", ["-l", point], { allowFail: true });
  for (const name of names) for (const controller of v1Controllers()) removeCgroupTree(join(controller, `landlord-${name}`));
  await teardownHostNetwork(saved?.host);
  writeState(state);
}

function pidsLeft(names: readonly string[]): boolean {
  return names.some((n) => cgroupProcs(join(CGROUP_FS, "pids", `landlord-${n}`)).length > 0);
}
