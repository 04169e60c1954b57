/**
 * A copy of a tenant's database restored from its archive into a namespace of its own: a
 * backup drill (`landlord backup verify`) or a look at the data as it was (`landlord restore
 * --into`). The tenant's namespace is left alone: a second database there would count
 * against its quota and share its Services. The scratch namespace carries the tenant's
 * fences (admission parameters, quota, container defaults, network policies) and label, so
 * it runs on the tenant's node pool, is billed to it and gets the same guardrails; it
 * never archives, so nothing it does can reach the tenant's archive (docs/adr/0030).
 */
import type { Bundle } from "../bundle.js";
import { DB, LABEL, type KubeObject } from "../object.js";
import { withRecovery, type BackupArchive, type RecoveryTarget } from "./database.js";

export type { RecoveryTarget } from "./database.js";
import { GUARDRAIL_PARAMS } from "./guardrail-params.js";

/** Marks a namespace as a restored copy, not the tenant's instance: offboarding and audits tell them apart by it. */
export const RESTORE_LABEL = "landlord.dev/restore";

/** The one scratch namespace a tenant's restores use by default; the Terraform module federates its database identity there. */
export function scratchNamespace(tenantNamespace: string): string {
  return `${tenantNamespace}-restore`;
}

/** The core kinds the scratch namespace takes from the tenant's bundle: its fences. */
const FENCE_KINDS = new Set(["ResourceQuota", "LimitRange"]);

function retarget(o: KubeObject, namespace: string): KubeObject {
  return { ...o, metadata: { ...o.metadata, namespace } };
}

/**
 * The objects of the scratch copy, in apply order: Namespace, fences, ObjectStore, Cluster.
 * `bundle` is the tenant's own rendered bundle (its placement, pool, sizes and credentials).
 */
export function scratchRestoreObjects(bundle: Bundle, opts: { readonly namespace: string; readonly from: BackupArchive; readonly target: RecoveryTarget }): KubeObject[] {
  const { namespace } = opts;
  if (namespace === bundle.namespace) throw new Error(`a restored copy cannot go into the tenant's own namespace ${namespace}: it would replace the running database; name another namespace`);
  const picked: KubeObject[] = [];
  for (const o of bundle.objects) {
    if (o.kind === "Namespace" && o.apiVersion === "v1") {
      const labels = { ...o.metadata.labels, [RESTORE_LABEL]: "true" };
      picked.push({ ...o, metadata: { ...o.metadata, name: namespace, labels, annotations: { ...(o.metadata.annotations ?? {}), "landlord.dev/restore-of": bundle.namespace } } });
    } else if ((o.kind === "ConfigMap" && o.metadata.name === GUARDRAIL_PARAMS) || (FENCE_KINDS.has(o.kind) && o.apiVersion === "v1")) {
      picked.push(retarget(o, namespace));
    } else if (o.kind === "NetworkPolicy" || (o.kind === "ObjectStore" && o.apiVersion.startsWith("barmancloud.cnpg.io/"))) {
      picked.push(retarget(o, namespace));
    } else if (o.kind === "Cluster" && o.apiVersion.startsWith("postgresql.cnpg.io/") && o.metadata.name === DB) {
      const spec = { ...((o.spec ?? {}) as Record<string, unknown>) };
      // A copy never archives: its WAL would land beside the tenant's, and its timeline is not the tenant's.
      delete spec.plugins;
      // One instance is enough to read the data; replicas would only cost the tenant.
      spec.instances = 1;
      // archive_mode off: with no archiver CloudNativePG would still mark every segment archived and report ContinuousArchiving True.
      const annotations = { ...(o.metadata.annotations ?? {}), "cnpg.io/skipWalArchiving": "enabled" };
      picked.push({ ...o, metadata: { ...o.metadata, namespace, annotations }, spec });
    }
  }
  if (!picked.some((o) => o.kind === "Cluster")) throw new Error(`tenant ${bundle.tenant}'s bundle has no database Cluster ${DB}: nothing to restore`);
  return withRecovery(picked, opts.from, opts.target);
}

/** The scratch copy as a bundle of its own, so delivery applies it, waits for it and prunes it like any other. */
export function scratchBundle(bundle: Bundle, opts: { readonly namespace: string; readonly from: BackupArchive; readonly target: RecoveryTarget }): Bundle {
  // No app package: the copy runs no app, so no migrations run before it is applied.
  return { tenant: bundle.tenant, tier: bundle.tier, placement: bundle.placement, version: bundle.version, terraform: bundle.terraform, namespace: opts.namespace, objects: scratchRestoreObjects(bundle, opts) };
}

/** True for a namespace Landlord made as a restored copy of `tenant`. */
export function isScratchOf(labels: Readonly<Record<string, string>> | undefined, tenant: string): boolean {
  return labels?.[RESTORE_LABEL] === "true" && labels[LABEL.tenant] === tenant;
}
