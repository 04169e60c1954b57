/**
 * The package's peak against the tenant's quota: every workload at its maximum scale
 * (the HPA ceiling, else its replicas) plus its rolling-update surge, every Job and CronJob
 * run at its parallelism, the volumes it claims, plus the platform's own pods (database
 * instances + 1 job pod, pooler). If this fits, quota admission never blocks a scale-up or
 * a rollout, as ADR 0002 asks of the built-in app.
 */
import { peakFootprint } from "../../spec/footprint.js";
import type { EffectiveConfig } from "../../spec/layer-schema.js";
import { bytes, cpuMillis, formatBytes, formatCpu, isQuantity } from "../../spec/quantity.js";
import { list, obj, str, type Json } from "./problems.js";

export interface Contribution {
  /** "Kind/name" of the package object, or "" for the platform's share. */
  readonly key: string;
  /** e.g. "Deployment/web (5 pods: HPA maxReplicas 4 + 1 surge)". */
  readonly what: string;
  /** The field to change, e.g. "Deployment/web spec.template.spec.containers[0].resources.requests.cpu". */
  readonly field: string;
  readonly pods: number;
  readonly pvcs: number;
  readonly cpuMillis: bigint;
  readonly memoryBytes: bigint;
  readonly limitsMemoryBytes: bigint;
  readonly storageBytes: bigint;
}

const q = (v: unknown): string | undefined => {
  const text = typeof v === "number" ? String(v) : str(v);
  return text !== undefined && isQuantity(text) ? text : undefined;
};

/** Effective per-pod amounts: the larger of the sum of containers and the largest init container. */
function perPod(spec: Json): { cpu: bigint; memory: bigint; limitsMemory: bigint } {
  const amount = (c: unknown, kind: "requests" | "limits", key: "cpu" | "memory"): bigint => {
    const text = q(obj(obj(obj(c).resources)[kind])[key]);
    if (text === undefined) return 0n;
    return key === "cpu" ? cpuMillis(text) : bytes(text);
  };
  const sum = (kind: "requests" | "limits", key: "cpu" | "memory") => list(spec.containers).reduce<bigint>((a, c) => a + amount(c, kind, key), 0n);
  const initMax = (kind: "requests" | "limits", key: "cpu" | "memory") => list(spec.initContainers).reduce<bigint>((a, c) => (amount(c, kind, key) > a ? amount(c, kind, key) : a), 0n);
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  return { cpu: max(sum("requests", "cpu"), initMax("requests", "cpu")), memory: max(sum("requests", "memory"), initMax("requests", "memory")), limitsMemory: max(sum("limits", "memory"), initMax("limits", "memory")) };
}

/** Surge pods of a rolling update: maxSurge as a number or a percentage of replicas (rounded up), default 25%. */
function surge(strategy: Json, replicas: number): number {
  if (strategy.type === "Recreate") return 0;
  const raw = obj(strategy.rollingUpdate).maxSurge ?? "25%";
  if (typeof raw === "number") return raw;
  const text = typeof raw === "string" ? raw : "25%";
  const m = /^(\d+)%$/.exec(text);
  return m ? Math.ceil((Number(m[1]) * replicas) / 100) : Number.parseInt(text, 10) || 0;
}

export function contributions(objects: readonly Json[]): Contribution[] {
  const hpaMax = new Map<string, number>();
  for (const o of objects) {
    if (o.kind !== "HorizontalPodAutoscaler") continue;
    const spec = obj(o.spec);
    const ref = obj(spec.scaleTargetRef);
    if (typeof spec.maxReplicas === "number") hpaMax.set(`${str(ref.kind) ?? ""}/${str(ref.name) ?? ""}`, spec.maxReplicas);
  }
  const out: Contribution[] = [];
  for (const o of objects) {
    const name = `${String(o.kind)}/${str(obj(o.metadata).name) ?? ""}`;
    const spec = obj(o.spec);
    let pods = 0;
    let why = "";
    let template: Json = {};
    let templatePath = "spec.template.spec";
    let pvcBytes = 0n;
    let pvcs = 0;
    if (o.kind === "Deployment" || o.kind === "StatefulSet") {
      const hpa = hpaMax.get(name);
      const replicas = hpa ?? (typeof spec.replicas === "number" ? spec.replicas : 1);
      const extra = o.kind === "Deployment" ? surge(obj(spec.strategy), replicas) : 0;
      pods = replicas + extra;
      why = `${String(pods)} pods: ${hpa !== undefined ? `HPA maxReplicas ${String(hpa)}` : `replicas ${String(replicas)}`}${extra > 0 ? ` + ${String(extra)} surge` : ""}`;
      template = obj(obj(spec.template).spec);
      if (o.kind === "StatefulSet") {
        for (const claim of list(spec.volumeClaimTemplates)) {
          const size = q(obj(obj(obj(obj(claim).spec).resources).requests).storage);
          pvcs += replicas;
          if (size !== undefined) pvcBytes += BigInt(replicas) * bytes(size);
        }
      }
    } else if (o.kind === "Job") {
      pods = typeof spec.parallelism === "number" ? spec.parallelism : 1;
      why = `${String(pods)} pod${pods === 1 ? "" : "s"}: parallelism`;
      template = obj(obj(spec.template).spec);
    } else if (o.kind === "CronJob") {
      const job = obj(obj(spec.jobTemplate).spec);
      pods = typeof job.parallelism === "number" ? job.parallelism : 1;
      why = `${String(pods)} pod${pods === 1 ? "" : "s"} per run, one run at a time`;
      template = obj(obj(job.template).spec);
      templatePath = "spec.jobTemplate.spec.template.spec";
    } else if (o.kind === "PersistentVolumeClaim") {
      const size = q(obj(obj(spec.resources).requests).storage);
      out.push({ key: name, what: `${name} (claim)`, field: `${name} spec.resources.requests.storage`, pods: 0, pvcs: 1, cpuMillis: 0n, memoryBytes: 0n, limitsMemoryBytes: 0n, storageBytes: size === undefined ? 0n : bytes(size) });
      continue;
    } else {
      continue;
    }
    // Generic ephemeral volumes are PVCs the pod creates: one per pod, counted like claim templates.
    for (const v of list(template.volumes)) {
      const claim = obj(obj(obj(v).ephemeral).volumeClaimTemplate);
      if (Object.keys(claim).length === 0) continue;
      const size = q(obj(obj(obj(claim.spec).resources).requests).storage);
      pvcs += pods;
      if (size !== undefined) pvcBytes += BigInt(pods) * bytes(size);
    }
    const each = perPod(template);
    const n = BigInt(pods);
    out.push({ key: name, what: `${name} (${why})`, field: `${name} ${templatePath}.containers[*].resources`, pods, pvcs, cpuMillis: n * each.cpu, memoryBytes: n * each.memory, limitsMemoryBytes: n * each.limitsMemory, storageBytes: pvcBytes });
  }
  return out;
}

/** The platform's own share: the database, its job pod and the pooler (the built-in app excluded). */
export function platformContribution(c: EffectiveConfig): Contribution {
  const noApp: EffectiveConfig = { ...c, app: { ...c.app, autoscaling: { ...c.app.autoscaling, maxReplicas: -1 } } };
  const peak = peakFootprint(noApp);
  return { key: "", what: "the tenant's database (with its backup sidecar) and pooler", field: "database", pods: peak.pods, pvcs: peak.pvcs, cpuMillis: peak.requestsCpuMillis, memoryBytes: peak.requestsMemoryBytes, limitsMemoryBytes: peak.limitsMemoryBytes, storageBytes: peak.storageBytes };
}

export interface QuotaProblem {
  /** "Kind/name" of the biggest package contributor ("" when only the platform's share counts). */
  readonly key: string;
  readonly field: string;
  readonly message: string;
}

/** One problem per quota dimension exceeded, naming the biggest package contributor's field. */
export function quotaProblems(c: EffectiveConfig, objects: readonly Json[]): QuotaProblem[] {
  const parts = [...contributions(objects), platformContribution(c)];
  const dims: { key: "pods" | "pvcs" | "cpuMillis" | "memoryBytes" | "limitsMemoryBytes" | "storageBytes"; what: string; quota: bigint; quotaText: string; fmt: (v: bigint) => string }[] = [
    { key: "cpuMillis", what: "cpu requests", quota: cpuMillis(c.quota.cpu), quotaText: c.quota.cpu, fmt: formatCpu },
    { key: "memoryBytes", what: "memory requests", quota: bytes(c.quota.memory), quotaText: c.quota.memory, fmt: formatBytes },
    { key: "limitsMemoryBytes", what: "memory limits", quota: bytes(c.quota.memory), quotaText: c.quota.memory, fmt: formatBytes },
    { key: "storageBytes", what: "storage", quota: bytes(c.quota.storage), quotaText: c.quota.storage, fmt: formatBytes },
    { key: "pods", what: "pod count", quota: BigInt(c.quota.pods), quotaText: String(c.quota.pods), fmt: String },
    { key: "pvcs", what: "PVC count", quota: BigInt(c.quota.pvcs), quotaText: String(c.quota.pvcs), fmt: String },
  ];
  const out: QuotaProblem[] = [];
  for (const d of dims) {
    const amount = (x: Contribution) => BigInt(x[d.key]);
    const total = parts.reduce((a, x) => a + amount(x), 0n);
    if (total <= d.quota) continue;
    const ranked = parts.filter((x) => amount(x) > 0n).sort((a, b) => (amount(b) > amount(a) ? 1 : amount(b) < amount(a) ? -1 : 0));
    const biggest = ranked.find((x) => x.field !== "database") ?? ranked[0];
    out.push({
      key: biggest?.key ?? "",
      field: biggest?.field ?? "quota",
      message: `at its peak the package needs ${d.what} of ${d.fmt(total)}, above the tenant's quota of ${d.quotaText}: ${ranked.map((x) => `${x.what} ${d.fmt(amount(x))}`).join(", ")}`,
    });
  }
  return out;
}
