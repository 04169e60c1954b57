/**
 * When is a tenant live? Namespace Active, quota usage computed, the app Deployment rolled
 * out and Available for its current generation, and (where their operators run) the
 * CloudNativePG Cluster and the cert-manager Certificate Ready. Anything not waited for is
 * said, never assumed.
 */
import type { KubeObject } from "../../render/object.js";
import type { Applier } from "./applier.js";

export interface ObjectReadiness {
  readonly object: string;
  readonly ready: boolean;
  /** Why not, or why not waited for. */
  readonly reason?: string;
  readonly waited: boolean;
}

type Live = Record<string, unknown>;

interface Condition {
  type?: string;
  status?: string;
  observedGeneration?: number;
  reason?: string;
  message?: string;
}

function conditions(live: Live): Condition[] {
  const c = (live.status as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(c) ? (c as Condition[]) : [];
}

function condition(live: Live, type: string): Condition | undefined {
  return conditions(live).find((c) => c.type === type);
}

function num(v: unknown): number {
  return typeof v === "number" ? v : 0;
}

/** Readiness of one live object by kind; undefined for kinds that have no readiness of their own. */
export function readinessOf(kind: string, live: Live | undefined): { ready: boolean; reason?: string } | undefined {
  if (!live) return { ready: false, reason: "not found" };
  const status = (live.status ?? {}) as Record<string, unknown>;
  const meta = (live.metadata ?? {}) as { generation?: number };
  switch (kind) {
    case "Namespace":
      return status.phase === "Active" ? { ready: true } : { ready: false, reason: `phase ${typeof status.phase === "string" ? status.phase : "unknown"}` };
    case "ResourceQuota":
      return status.hard !== undefined && status.used !== undefined ? { ready: true } : { ready: false, reason: "usage not computed yet (resourcequota controller)" };
    case "Deployment": {
      const spec = (live.spec ?? {}) as { replicas?: number };
      const want = spec.replicas ?? 1;
      if (num(status.observedGeneration) < num(meta.generation)) return { ready: false, reason: "rollout of the current generation not observed yet" };
      if (num(status.updatedReplicas) < want) return { ready: false, reason: `${String(num(status.updatedReplicas))}/${String(want)} replicas updated` };
      if (num(status.availableReplicas) < want) return { ready: false, reason: `${String(num(status.availableReplicas))}/${String(want)} replicas available` };
      const available = condition(live, "Available");
      if (available?.status !== "True") return { ready: false, reason: available?.message ?? "not Available" };
      return { ready: true };
    }
    case "Cluster": {
      const ready = condition(live, "Ready");
      if (ready?.status === "True") {
        // A database whose WAL does not reach its archive serves, but cannot be restored: not alive yet.
        const plugins = ((live.spec ?? {}) as { plugins?: { isWALArchiver?: boolean; enabled?: boolean }[] }).plugins ?? [];
        if (!plugins.some((p) => p.isWALArchiver === true && p.enabled !== false)) return { ready: true };
        const archiving = condition(live, "ContinuousArchiving");
        return archiving?.status === "True" ? { ready: true } : { ready: false, reason: `WAL archiving ${archiving === undefined ? "not started yet" : `failing: ${archiving.message ?? archiving.reason ?? "no message"}`}` };
      }
      // CloudNativePG's phase says which stage it is in ("Setting up primary", "Waiting for the instances to become active").
      const phase = typeof status.phase === "string" && status.phase !== "" ? status.phase : undefined;
      const why = typeof status.phaseReason === "string" && status.phaseReason !== "" ? `: ${status.phaseReason}` : "";
      return { ready: false, reason: phase !== undefined ? `${phase}${why}` : (ready?.message ?? ready?.reason ?? "no Ready condition yet") };
    }
    case "Certificate": {
      const ready = condition(live, "Ready");
      // Right after an update (a new domain), Ready still speaks of the certificate issued for the old spec.
      if (ready?.status === "True" && num(ready.observedGeneration) < num(meta.generation)) return { ready: false, reason: `the current spec (generation ${String(num(meta.generation))}) not judged by cert-manager yet` };
      return ready?.status === "True" ? { ready: true } : { ready: false, reason: ready?.message ?? ready?.reason ?? "no Ready condition yet" };
    }
    default:
      return undefined;
  }
}

export interface OperatorPresence {
  /** undefined when the operator runs; otherwise why its objects are not waited for. */
  readonly cnpg?: string;
  readonly certManager?: string;
}

/** Is an operator's Deployment running in its namespace? Without it nothing would ever turn Ready. */
export async function operatorsPresent(applier: Applier, cnpgNamespace: string, certManagerNamespace: string): Promise<OperatorPresence> {
  const running = async (namespace: string): Promise<boolean> => {
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments`;
    const list = await applier.client.send<{ items?: { status?: { availableReplicas?: number } }[] }>({ method: "GET", path }).catch(() => ({ items: [] }));
    return (list.items ?? []).some((d) => num(d.status?.availableReplicas) > 0);
  };
  const [cnpg, cm] = await Promise.all([running(cnpgNamespace), running(certManagerNamespace)]);
  return {
    ...(cnpg ? {} : { cnpg: `not waited for: no CloudNativePG operator is running in namespace ${cnpgNamespace}` }),
    ...(cm ? {} : { certManager: `not waited for: no cert-manager is running in namespace ${certManagerNamespace}` }),
  };
}

interface PodStatusView {
  metadata?: { name?: string };
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: { name?: string; state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number } }; lastState?: { terminated?: { reason?: string; exitCode?: number } } }[];
  };
}

/**
 * What holds a Deployment's pods back, in the kubelet's and scheduler's words: the first
 * pod that waits (an image that cannot be pulled, a Secret not there yet, a crash loop) or
 * cannot be placed. Undefined when no pod says why.
 */
export function podTrouble(pods: readonly PodStatusView[]): string | undefined {
  for (const pod of pods) {
    const name = pod.metadata?.name ?? "?";
    for (const c of pod.status?.containerStatuses ?? []) {
      const waiting = c.state?.waiting;
      if (waiting?.reason !== undefined && waiting.reason !== "ContainerCreating" && waiting.reason !== "PodInitializing") {
        const last = c.lastState?.terminated;
        const exited = last !== undefined ? `; last exit ${String(last.exitCode ?? "?")} (${last.reason ?? "?"})` : "";
        return `pod ${name}: ${waiting.reason}${waiting.message !== undefined && waiting.message !== "" ? ` (${waiting.message})` : ""}${exited}`;
      }
    }
    const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    if (scheduled?.status === "False") return `pod ${name}: not scheduled (${scheduled.message ?? scheduled.reason ?? "no reason given"})`;
  }
  return undefined;
}

/**
 * One pass over the objects that have a readiness of their own; `live` reads an object
 * (from the API server, or from objects a caller already holds), `pods` lists the pods of a
 * label selector, so a Deployment that is not Available says what its pods wait for.
 */
export async function checkReadiness(
  objects: readonly KubeObject[],
  operators: OperatorPresence,
  live: (o: KubeObject) => Promise<Live | undefined>,
  pods?: (namespace: string, selector: string) => Promise<readonly PodStatusView[]>,
): Promise<ObjectReadiness[]> {
  const out: ObjectReadiness[] = [];
  for (const o of objects) {
    const name = `${o.kind}/${o.metadata.name}`;
    if (o.kind === "Cluster" && o.apiVersion.startsWith("postgresql.cnpg.io/") && operators.cnpg !== undefined) {
      out.push({ object: name, ready: false, waited: false, reason: operators.cnpg });
      continue;
    }
    if (o.kind === "Certificate" && o.apiVersion.startsWith("cert-manager.io/") && operators.certManager !== undefined) {
      out.push({ object: name, ready: false, waited: false, reason: operators.certManager });
      continue;
    }
    if (!["Namespace", "ResourceQuota", "Deployment", "Cluster", "Certificate"].includes(o.kind)) continue;
    const r = readinessOf(o.kind, await live(o));
    if (!r) continue;
    let reason = r.reason;
    if (!r.ready && o.kind === "Deployment" && pods !== undefined && o.metadata.namespace !== undefined) {
      const labels = (o.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels ?? {};
      const selector = Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      const trouble = selector === "" ? undefined : podTrouble(await pods(o.metadata.namespace, selector));
      if (trouble !== undefined) reason = `${reason ?? "not ready"}; ${trouble}`;
    }
    out.push({ object: name, ready: r.ready, waited: true, ...(reason !== undefined ? { reason } : {}) });
  }
  return out;
}
