/**
 * Who can open a connection to whom, read from the NetworkPolicies of every tenant's
 * bundle: the rules of networking.k8s.io/v1 (a pod selected by no policy of a direction
 * is open in that direction; once selected, only what some rule allows), evaluated for the
 * pod groups each tenant runs and the ports they listen on. Any path from one tenant to
 * another is a failure.
 */
import type { KubeObject } from "../render/object.js";

type Labels = Readonly<Record<string, string>>;

export interface PodGroup {
  readonly tenant: string;
  readonly namespace: string;
  readonly namespaceLabels: Labels;
  /** e.g. app, database, job. */
  readonly name: string;
  readonly labels: Labels;
  /** Ports the group listens on. */
  readonly ports: readonly number[];
  /**
   * An address outside the pod network (a listener standing for the internet): only ipBlock
   * peers can name it, and no policy of the cluster selects it.
   */
  readonly ip?: string;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr?: string; except?: string[] };
}

interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { port?: number | string; protocol?: string }[];
}

interface PolicySpec {
  podSelector?: LabelSelector;
  policyTypes?: string[];
  ingress?: Rule[];
  egress?: Rule[];
}

export function matches(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const ok =
      e.operator === "In" ? has && (e.values ?? []).includes(value ?? "") :
      e.operator === "NotIn" ? !has || !(e.values ?? []).includes(value ?? "") :
      e.operator === "Exists" ? has :
      e.operator === "DoesNotExist" ? !has : false;
    if (!ok) return false;
  }
  return true;
}

function ipv4(text: string): number | undefined {
  const parts = text.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split("/");
  const a = ipv4(base ?? "");
  const b = ipv4(ip);
  const bits = Number(bitsText ?? "32");
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

function peerMatches(peer: Peer, policyNamespace: string, other: PodGroup): boolean {
  // ipBlock peers name addresses outside the pod network (the model's pods have none).
  if (peer.ipBlock !== undefined) {
    const { cidr, except } = peer.ipBlock;
    return other.ip !== undefined && cidr !== undefined && cidrContains(cidr, other.ip) && !(except ?? []).some((e) => cidrContains(e, other.ip ?? ""));
  }
  if (other.ip !== undefined) return false;
  if (peer.namespaceSelector === undefined) return other.namespace === policyNamespace && matches(peer.podSelector, other.labels);
  return matches(peer.namespaceSelector, other.namespaceLabels) && matches(peer.podSelector, other.labels);
}

function portMatches(rule: Rule, port: number, named: (name: string) => boolean): boolean {
  if (rule.ports === undefined || rule.ports.length === 0) return true;
  return rule.ports.some((p) => p.port === undefined || p.port === port || (typeof p.port === "string" && named(p.port)));
}

function allowedBy(policies: PolicySpecs, direction: "Ingress" | "Egress", self: PodGroup, other: PodGroup, port: number): boolean {
  const selecting = policies.filter((p) => p.namespace === self.namespace && matches(p.spec.podSelector, self.labels) && (p.spec.policyTypes ?? ["Ingress"]).includes(direction));
  if (selecting.length === 0) return true;
  // Named ports are resolved on the destination; the model names only what the tenant's app declares.
  const named = () => false;
  return selecting.some((p) => {
    const rules = (direction === "Ingress" ? p.spec.ingress : p.spec.egress) ?? [];
    return rules.some((r) => {
      const peers = direction === "Ingress" ? r.from : r.to;
      const peerOk = peers === undefined || peers.length === 0 || peers.some((peer) => peerMatches(peer, p.namespace, other));
      return peerOk && portMatches(r, port, named);
    });
  });
}

export interface Path {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly allowed: boolean;
  readonly crossTenant: boolean;
}

export type PolicySpecs = readonly { namespace: string; spec: PolicySpec }[];

export function policiesOf(objects: readonly KubeObject[]): { namespace: string; spec: PolicySpec }[] {
  return objects.filter((o) => o.kind === "NetworkPolicy").map((o) => ({ namespace: o.metadata.namespace ?? "", spec: (o.spec ?? {}) }));
}

/**
 * Every ordered pair of groups and every port of the destination; `targets` are
 * destinations only (addresses outside the cluster).
 */
export function reachability(groups: readonly PodGroup[], policies: PolicySpecs, targets: readonly PodGroup[] = []): Path[] {
  const out: Path[] = [];
  for (const src of groups) {
    for (const dst of [...groups, ...targets]) {
      for (const port of dst.ports) {
        const allowed = allowedBy(policies, "Egress", src, dst, port) && allowedBy(policies, "Ingress", dst, src, port);
        out.push({ from: `${src.tenant}/${src.name}`, to: `${dst.tenant}/${dst.name}`, port, allowed, crossTenant: src.tenant !== dst.tenant });
      }
    }
  }
  return out;
}
