/**
 * What a delivery that talks to clusters offers beyond the Delivery port: the per-cluster
 * client, and the applies, reads and dry runs that only a live API server can answer.
 * Callers ask the port for it (`delivery.cluster`) instead of downcasting to the Kubernetes
 * adapter, so a delivery without clusters (directory, GitOps) simply has none, and a
 * wrapper around a delivery offers it only if it forwards it.
 */
import type { Bundle } from "../render/bundle.js";
import type { KubeObject } from "../render/object.js";
import type { ApplyResult, Delivery } from "./delivery.js";
import type { Applier, ApplyReport } from "./kubernetes/applier.js";
import type { ObjectReadiness } from "./kubernetes/readiness.js";

export interface ClusterAccess {
  /** One client (and keep-alive connection pool, discovery cache) per cluster, by name. */
  applierFor(cluster: string): Applier;
  /** Applies the bundle and summarises it as the port's apply does, without the spec file and wave only Git needs. */
  apply(bundle: Bundle): Promise<ApplyResult>;
  /** Server-side applies the bundle at its placement; unchanged objects cost reads only. */
  applyBundle(bundle: Bundle, opts?: { dryRun?: boolean; repairDrift?: boolean; signal?: AbortSignal }): Promise<ApplyReport>;
  /** Applies the cluster bootstrap (admission guardrails) to one cluster. */
  bootstrap(cluster: string, objects: readonly KubeObject[], dryRun: boolean): Promise<ApplyReport>;
  /** Readiness of the bundle's objects; `known` holds objects already read. */
  readiness(bundle: Bundle, signal?: AbortSignal, known?: ReadonlyMap<KubeObject, Record<string, unknown> | undefined>): Promise<ObjectReadiness[]>;
  /** Live objects, and as a server-side dry run of the bundle would leave them. */
  preview(bundle: Bundle): Promise<{ before: Map<string, Record<string, unknown>>; after: Map<string, Record<string, unknown>> }>;
}

/** A delivery known to offer cluster access. */
export type ClusterDelivery = Delivery & { readonly cluster: ClusterAccess };

export function reachesCluster(d: Delivery): d is ClusterDelivery {
  return d.cluster !== undefined;
}
