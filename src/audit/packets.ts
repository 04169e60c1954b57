/**
 * Isolation observed with packets: a probe pod stands in for each pod group of the static
 * model (same namespace, labels and ports, same node pool), listens on the group's ports,
 * and from every probe one connection is tried to every other probe's ports and to the
 * stand-in outside. What got through is compared with what the NetworkPolicies promise.
 *
 * Probes never receive a tenant's traffic: they are never Ready (so no Service routes to
 * them) and a controller owner of their own keeps a ReplicaSet with a matching selector
 * from adopting them.
 */
import { Writable } from "node:stream";
import { ApiException, CoreV1Api, DiscoveryV1Api, Exec, type KubeConfig, type V1Pod, type V1Toleration } from "@kubernetes/client-node";
import { mapLimit } from "../delivery/kubernetes/pool.js";
import type { Bundle } from "../render/bundle.js";
import type { PlatformConfig } from "../spec/platform-schema.js";
import { sleep } from "../util/sleep.js";
import { podGroups } from "./checks.js";
import { policiesOf, reachability, type Path, type PodGroup, type PolicySpecs } from "./reachability.js";

export const PROBE_LABEL = "landlord.dev/isolation-probe";

export interface ProbeGroup extends PodGroup {
  /** Where the group's pods run (a dedicated pool's selector and toleration). */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly V1Toleration[];
  /** The image that runs the probe (it must hold /netcheck and pass the namespace's admission). */
  readonly image: string;
}

/** A listener outside the pod network: one standing for the internet, or the cluster's API server. */
export interface OutsideTarget {
  readonly name: string;
  readonly ip: string;
  readonly ports: readonly number[];
  /** Where the path report files it: `outside/NAME` (default) or `cluster/NAME`. */
  readonly scope?: "outside" | "cluster";
}

export interface ObservedPath {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  /** Packets got through: the connection opened, or the far end refused it (a reset came back). */
  readonly allowed: boolean;
  readonly detail: string;
}

export interface Disagreement {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly promised: boolean;
  readonly observed: boolean;
}

export function groupId(g: Pick<PodGroup, "tenant" | "name">): string {
  return `${g.tenant}/${g.name}`;
}

/**
 * A pod always reaches itself (NetworkPolicy never isolates a pod from its own address), so
 * a path from a group to itself is tried against a twin: another pod of the same group, as
 * the model means (database instances reaching each other).
 */
function probeName(g: PodGroup, twin = false): string {
  return `isolation-probe-${g.name}${twin ? "-twin" : ""}`.slice(0, 63);
}

function probePod(g: ProbeGroup, run: string, ownerUid: string, twin = false): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: probeName(g, twin),
      namespace: g.namespace,
      labels: { ...g.labels, [PROBE_LABEL]: run },
      ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: `isolation-probe-${run}`, uid: ownerUid, controller: true }],
    },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      restartPolicy: "Never",
      terminationGracePeriodSeconds: 0,
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
      ...(g.nodeSelector !== undefined ? { nodeSelector: { ...g.nodeSelector } } : {}),
      ...(g.tolerations !== undefined ? { tolerations: [...g.tolerations] } : {}),
      containers: [
        {
          name: "probe",
          image: g.image,
          imagePullPolicy: "Always",
          command: ["/netcheck", "listen", ...g.ports.map(String)],
          // Never Ready: no Service sends a customer's request to a probe.
          readinessProbe: { tcpSocket: { port: 1 }, periodSeconds: 3600 },
          resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
        },
      ],
    },
  };
}

async function execLines(kc: KubeConfig, namespace: string, pod: string, command: string[]): Promise<string> {
  const exec = new Exec(kc);
  let out = "";
  let err = "";
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        append(chunk.toString("utf8"));
        done();
      },
    });
  await new Promise<void>((resolve, reject) => {
    exec
      .exec(namespace, pod, "probe", command, sink((s) => (out += s)), sink((s) => (err += s)), null, false, (status) => {
        if (status.status === "Success") resolve();
        else reject(new Error(`exec in ${namespace}/${pod} failed: ${status.message ?? ""} ${err}`.trim()));
      })
      .catch(reject);
  });
  return out;
}

async function waitRunning(core: CoreV1Api, namespace: string, name: string, deadline: number): Promise<string> {
  for (;;) {
    const pod = await core.readNamespacedPod({ name, namespace });
    const ip = pod.status?.podIP;
    const running = pod.status?.containerStatuses?.every((c) => c.state?.running !== undefined) ?? false;
    if (running && ip !== undefined) return ip;
    if (pod.status?.phase === "Failed" || pod.status?.phase === "Succeeded") throw new Error(`probe ${namespace}/${name} stopped (${pod.status.phase}); the probe image must run /netcheck`);
    if (Date.now() > deadline) {
      const waiting = pod.status?.containerStatuses?.map((c) => c.state?.waiting?.reason).filter(Boolean).join(", ");
      const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
      throw new Error(`probe ${namespace}/${name} not running in time (${waiting !== undefined && waiting !== "" ? waiting : scheduled?.message ?? pod.status?.phase ?? "pending"})`);
    }
    await sleep(250);
  }
}

export interface ObserveOptions {
  readonly outside?: readonly OutsideTarget[];
  /** How long a silent connection attempt waits (a policy drop looks like silence). */
  readonly connectTimeoutMs?: number;
  readonly onProgress?: (line: string) => void;
}

/**
 * Starts a probe per group, tries every path and removes the probes again. Sources that
 * listen on no port still try every connection.
 */
export async function observePaths(kc: KubeConfig, groups: readonly ProbeGroup[], opts: ObserveOptions = {}): Promise<ObservedPath[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const run = Math.random().toString(36).slice(2, 8);
  const progress = opts.onProgress ?? (() => undefined);
  const namespaces = [...new Set(groups.map((g) => g.namespace))];
  const owners = new Map<string, string>();
  try {
    for (const ns of namespaces) {
      const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `isolation-probe-${run}`, labels: { [PROBE_LABEL]: run } }, data: { purpose: "owner of the isolation probes of one audit run" } } });
      owners.set(ns, cm.metadata?.uid ?? "");
    }
    const pods = [...groups.map((g) => ({ g, twin: false })), ...groups.filter((g) => g.ports.length > 0).map((g) => ({ g, twin: true }))];
    await mapLimit(pods, 4, ({ g, twin }) => core.createNamespacedPod({ namespace: g.namespace, body: probePod(g, run, owners.get(g.namespace) ?? "", twin) }));
    const deadline = Date.now() + 120_000;
    const ips = new Map<string, string>();
    for (const { g, twin } of pods) ips.set(probeName(g, twin) + "@" + g.namespace, await waitRunning(core, g.namespace, probeName(g, twin), deadline));
    progress(`${String(pods.length)} probes running`);
    const ipOf = (g: ProbeGroup, twin: boolean) => ips.get(probeName(g, twin) + "@" + g.namespace) ?? "";
    const targetsFor = (src: ProbeGroup) => {
      const targets: { to: string; port: number; address: string }[] = [];
      for (const g of groups) for (const port of g.ports) targets.push({ to: groupId(g), port, address: `${ipOf(g, g === src)}:${String(port)}` });
      for (const o of opts.outside ?? []) for (const port of o.ports) targets.push({ to: groupId(outsideGroup(o)), port, address: `${o.ip}:${String(port)}` });
      return targets;
    };
    const timeout = `${String(opts.connectTimeoutMs ?? 1500)}ms`;
    const observed: ObservedPath[] = [];
    await mapLimit(groups, 3, async (src) => {
      const targets = targetsFor(src);
      const out = await execLines(kc, src.namespace, probeName(src), ["/netcheck", "connect", "--timeout", timeout, ...targets.map((t) => t.address)]);
      const byAddress = new Map<string, { open: boolean; error?: string }>();
      for (const line of out.split("\n")) {
        if (line.trim() === "") continue;
        const r = JSON.parse(line) as { target: string; open: boolean; error?: string };
        byAddress.set(r.target, r);
      }
      for (const t of targets) {
        const r = byAddress.get(t.address);
        if (r === undefined) throw new Error(`probe ${groupId(src)} printed no result for ${t.address}`);
        const refused = r.error?.includes("connection refused") ?? false;
        observed.push({ from: groupId(src), to: t.to, port: t.port, allowed: r.open || refused, detail: r.open ? "open" : (r.error ?? "") });
      }
      progress(`${groupId(src)}: ${String(targets.length)} connections tried`);
    });
    return observed.sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.port - b.port);
  } finally {
    // Deleting the owner deletes its probes (garbage collection); the probes go at once too.
    for (const g of groups) for (const twin of [false, true]) await core.deleteNamespacedPod({ name: probeName(g, twin), namespace: g.namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
    for (const ns of owners.keys()) await core.deleteNamespacedConfigMap({ name: `isolation-probe-${run}`, namespace: ns }).catch(() => undefined);
  }
}

/**
 * The API server as pods reach it: the addresses behind the kubernetes Service (policies
 * judge the packet after the Service's address is translated to one of these).
 */
export async function apiServerTargets(kc: KubeConfig): Promise<OutsideTarget[]> {
  const slices = await kc.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: "default", labelSelector: "kubernetes.io/service-name=kubernetes" });
  const targets: OutsideTarget[] = [];
  for (const slice of slices.items) {
    const ports = (slice.ports ?? []).map((p) => p.port).filter((p): p is number => p !== undefined);
    for (const ep of slice.endpoints) for (const ip of ep.addresses) if (ports.length > 0) targets.push({ name: targets.length === 0 ? "api-server" : `api-server-${String(targets.length)}`, ip, ports, scope: "cluster" });
  }
  return targets;
}

function outsideGroup(o: OutsideTarget): PodGroup {
  return { tenant: o.scope ?? "outside", namespace: "", namespaceLabels: {}, name: o.name, labels: {}, ports: o.ports, ip: o.ip };
}

/** What the policies promise for the same pairs (outside targets as addresses). */
export function promisedPaths(groups: readonly PodGroup[], policies: PolicySpecs, outside: readonly OutsideTarget[] = []): Path[] {
  return reachability(groups, policies, outside.map(outsideGroup));
}

/** Every pair where the packets and the policies disagree. */
export function disagreements(promised: readonly Path[], observed: readonly ObservedPath[]): Disagreement[] {
  const key = (p: { from: string; to: string; port: number }) => `${p.from} -> ${p.to}:${String(p.port)}`;
  const seen = new Map(observed.map((o) => [key(o), o]));
  const out: Disagreement[] = [];
  for (const p of promised) {
    const o = seen.get(key(p));
    if (o === undefined) continue;
    if (o.allowed !== p.allowed) out.push({ from: p.from, to: p.to, port: p.port, promised: p.allowed, observed: o.allowed });
  }
  return out;
}

/** The platform's own pods that tenants' policies name: the ingress controller and the scraper. */
export function platformProbeGroups(config: PlatformConfig, image: string): ProbeGroup[] {
  const i = config.integrations;
  const group = (name: string, namespace: string, labels: Readonly<Record<string, string>>): ProbeGroup => ({
    tenant: "platform",
    namespace,
    namespaceLabels: { "kubernetes.io/metadata.name": namespace },
    name,
    labels,
    ports: [],
    image,
  });
  return [group("ingress", i.ingress.namespace, i.ingress.podLabels), group("monitoring", i.monitoring.namespace, i.monitoring.scraperPodLabels)];
}

/** A tenant's groups as probes, scheduled as its pods are (a dedicated pool's node). */
export function tenantProbeGroups(b: Bundle, image: string): ProbeGroup[] {
  const deployment = b.objects.find((o) => o.kind === "Deployment");
  const pod = (deployment?.spec as { template?: { spec?: { nodeSelector?: Record<string, string>; tolerations?: V1Toleration[] } } } | undefined)?.template?.spec;
  return podGroups(b).map((g) => ({
    ...g,
    image,
    ...(pod?.nodeSelector !== undefined ? { nodeSelector: pod.nodeSelector } : {}),
    ...(pod?.tolerations !== undefined ? { tolerations: pod.tolerations } : {}),
  }));
}

export interface PacketAudit {
  /** Why no packet was sent, when none was. */
  readonly skipped?: string;
  readonly observed: readonly ObservedPath[];
  readonly promised: readonly Path[];
  readonly disagreements: readonly Disagreement[];
}

/** True when some Ready node runs containers (KWOK's simulated nodes run nothing). */
export async function runsContainers(kc: KubeConfig): Promise<boolean> {
  const nodes = await kc.makeApiClient(CoreV1Api).listNode();
  return nodes.items.some(
    (n) => n.metadata?.annotations?.["kwok.x-k8s.io/node"] !== "fake" && (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
  );
}

/**
 * `landlord audit --live`'s packets for one cluster: the tenants' bundles, the platform's
 * ingress and scraper namespaces (those that exist) and any outside listeners.
 */
export async function auditPackets(kc: KubeConfig, bundles: readonly Bundle[], config: PlatformConfig, opts: ObserveOptions = {}): Promise<PacketAudit> {
  const none = (skipped: string): PacketAudit => ({ skipped, observed: [], promised: [], disagreements: [] });
  const image = config.policy.isolationProbeImage;
  if (image === undefined) return none("policy.isolationProbeImage is not set in landlord.yaml: name an image under an allowed registry that holds /netcheck (controlplane/images builds one)");
  if (bundles.length === 0) return none("no tenants on this cluster");
  if (!(await runsContainers(kc))) return none("no node of this cluster runs containers (simulated nodes only): nothing to send packets through");
  const core = kc.makeApiClient(CoreV1Api);
  const platform: ProbeGroup[] = [];
  for (const g of platformProbeGroups(config, image)) {
    const exists = await core.readNamespace({ name: g.namespace }).then(
      () => true,
      () => false,
    );
    if (exists) platform.push(g);
  }
  const groups = [...bundles.flatMap((b) => tenantProbeGroups(b, image)), ...platform];
  const targets = [...(opts.outside ?? []), ...(await apiServerTargets(kc))];
  let observed: ObservedPath[];
  try {
    observed = await observePaths(kc, groups, { ...opts, outside: targets });
  } catch (err) {
    // The guardrails refuse the probe when they were rendered without policy.isolationProbeImage
    // (its repository is then not on the cluster's allow-list): say so, not the bare 403.
    if (err instanceof ApiException && err.code === 403 && String(err.body).includes("images must come from")) {
      return none(`the cluster's admission refused the probe image ${image}: its repository is not on the cluster's allow-list; run landlord bootstrap with policy.isolationProbeImage set, then audit again`);
    }
    throw err;
  }
  const promised = promisedPaths(groups, policiesOf(bundles.flatMap((b) => b.objects)), targets);
  return { observed, promised, disagreements: disagreements(promised, observed) };
}
