/** Object identity, apply order and the annotations Landlord keeps on what it applies. */
import { createHash } from "node:crypto";
import { GUARDRAIL_PARAMS } from "../../render/kubernetes/guardrail-params.js";
import type { KubeObject } from "../../render/object.js";
import { sortKeys } from "../../util/plain.js";

export const ANNOTATION = {
  /** sha256 of the object as rendered: unchanged hash and no drift means nothing to write. */
  hash: "landlord.dev/applied-hash",
  /** On the tenant's Namespace: every object Landlord applied for the tenant (prune source). */
  inventory: "landlord.dev/inventory",
} as const;

export const FIELD_MANAGER = "landlord";

/** "apiVersion|Kind|name": the namespace is the tenant's, or none for cluster-scoped kinds. */
export type ObjectRef = string;

export function refOf(o: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): ObjectRef {
  return `${o.apiVersion}|${o.kind}|${o.metadata.name}`;
}

export function parseRef(ref: ObjectRef): { apiVersion: string; kind: string; name: string } | undefined {
  const [apiVersion, kind, name] = ref.split("|");
  return apiVersion && kind && name ? { apiVersion, kind, name } : undefined;
}

export function displayRef(o: { kind: string; metadata: { name: string; namespace?: string } }): string {
  return `${o.kind}/${o.metadata.name}${o.metadata.namespace === undefined ? "" : ` in ${o.metadata.namespace}`}`;
}

export function objectHash(o: KubeObject): string {
  return createHash("sha256").update(JSON.stringify(sortKeys(o))).digest("hex").slice(0, 32);
}

/** The object as applied: the rendered object plus its hash annotation. */
export function withHash(o: KubeObject, hash: string = objectHash(o)): KubeObject {
  return { ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, [ANNOTATION.hash]: hash } } };
}

const BUILTIN_GROUPS = new Set(["v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1", "scheduling.k8s.io/v1", "admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1"]);

/**
 * Apply phases: cluster-scoped objects and the namespace first; then the fences and
 * identity before workloads (a quota must exist before pods are admitted under it); custom
 * resources last, once their CRDs are known to be served.
 */
export function phaseOf(o: KubeObject): 0 | 1 | 2 | 3 {
  if (o.kind === "Namespace" || o.kind === "CustomResourceDefinition") return 0;
  if (!BUILTIN_GROUPS.has(o.apiVersion)) return 3;
  if (["ResourceQuota", "LimitRange", "NetworkPolicy", "ServiceAccount", "Role", "RoleBinding"].includes(o.kind)) return 1;
  // The admission policies' parameters: pods admitted before they exist would be refused.
  if (o.kind === "ConfigMap" && o.metadata.name === GUARDRAIL_PARAMS) return 1;
  return 2;
}

const SERVER_METADATA = new Set(["managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink"]);

/** Server-managed fields removed before showing or comparing an object. */
export function withoutServerFields(o: Record<string, unknown>): Record<string, unknown> {
  const rest = Object.fromEntries(Object.entries(o).filter(([k]) => k !== "status"));
  const metadata = Object.fromEntries(Object.entries((rest.metadata ?? {}) as Record<string, unknown>).filter(([k]) => !SERVER_METADATA.has(k)));
  return { ...rest, metadata };
}
