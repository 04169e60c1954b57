/** Reading rendered objects without trusting their shape: audits judge bundles from anywhere. */
import type { Bundle } from "../render/bundle.js";
import type { KubeObject } from "../render/object.js";
import type { PlatformConfig } from "../spec/platform-schema.js";

export interface Check {
  readonly id: string;
  readonly title: string;
  readonly mtb?: string;
  readonly fix: string;
  /** undefined when it passes, else what is wrong. `fleet` holds every bundle audited. */
  run(b: Bundle, config: PlatformConfig, fleet: readonly Bundle[]): string | undefined;
}

export type Json = Record<string, unknown>;

export const find = (b: Bundle, kind: string, name?: string): KubeObject | undefined => b.objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
export const all = (b: Bundle, kind: string): KubeObject[] => b.objects.filter((o) => o.kind === kind);
export const str = (v: unknown): string => (typeof v === "string" ? v : "");
export const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined), o);
export const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x): x is Json => typeof x === "object" && x !== null) : []);

/** Every pod spec a bundle would run: pods, workload templates, CronJob job templates. */
export function podSpecs(b: Bundle): { where: string; spec: Json }[] {
  const out: { where: string; spec: Json }[] = [];
  for (const o of b.objects) {
    const spec =
      o.kind === "Pod" ? get(o, "spec") : o.kind === "CronJob" ? get(o, "spec", "jobTemplate", "spec", "template", "spec") : ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"].includes(o.kind) ? get(o, "spec", "template", "spec") : undefined;
    if (typeof spec === "object" && spec !== null) out.push({ where: `${o.kind}/${o.metadata.name}`, spec: spec as Json });
  }
  return out;
}

export const containersOf = (spec: Json): Json[] => [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)];
