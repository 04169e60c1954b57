/** The namespace and its fences: quota and container defaults. */
import type { ILimitRange } from "kubernetes-models/v1/LimitRange";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { IResourceQuota } from "kubernetes-models/v1/ResourceQuota";
import type { ResolvedTenant } from "../../spec/resolve.js";
import { asObject, meta, ownershipLabels, type KubeObject, type RenderContext } from "../object.js";

/**
 * Tenant labels reach the Namespace only under Landlord's own prefix: other tools find
 * and configure namespaces by labels (control-plane, istio-injection, pod-security.*), and
 * a tenant must not be able to switch those on or off. The rollout wave label is ours.
 */
export function namespaceLabels(tenantLabels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tenantLabels)) {
    if (key.startsWith("landlord.dev/")) out[key] = value;
    else out[`${TENANT_LABEL_PREFIX}${key.slice(key.lastIndexOf("/") + 1)}`] = value;
  }
  return out;
}

export const TENANT_LABEL_PREFIX = "tenant.landlord.dev/";

export function namespace({ t, platform }: Pick<RenderContext, "t" | "platform">): KubeObject {
  const psaVersion = platform.policy.podSecurityVersion;
  const compliance = Object.fromEntries(t.tenant.spec.compliance.map((c) => [`compliance.landlord.dev/${c}`, "true"]));
  const ns: INamespace & { metadata: { name: string; labels: Record<string, string> } } = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: t.names.namespace,
      labels: {
        ...namespaceLabels(t.tenant.metadata.labels),
        ...compliance,
        "landlord.dev/isolation": t.tier.tier.isolation,
        "pod-security.kubernetes.io/enforce": "restricted",
        // Pinned: "latest" would let a cluster upgrade change what tenants may run without review.
        "pod-security.kubernetes.io/enforce-version": psaVersion,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
        ...ownershipLabels(t),
      },
      annotations: {
        "landlord.dev/display-name": t.tenant.spec.displayName,
        "landlord.dev/cluster": t.placement.cluster,
        "landlord.dev/region": t.placement.region,
      },
    },
  };
  return asObject(ns);
}

export function resourceQuota(t: ResolvedTenant): KubeObject {
  const q = t.effective.quota;
  const quota: IResourceQuota & { metadata: ReturnType<typeof meta> } = {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: meta(t, "tenant-quota"),
    spec: {
      hard: {
        "requests.cpu": q.cpu,
        "requests.memory": q.memory,
        "limits.memory": q.memory,
        "requests.storage": q.storage,
        persistentvolumeclaims: String(q.pvcs),
        pods: String(q.pods),
        // Tenants are reached through the shared ingress only; no tenant may open its own door.
        "services.loadbalancers": "0",
        "services.nodeports": "0",
        // Scratch space and object counts: a tenant must not fill a node's disk or the API server's etcd.
        "requests.ephemeral-storage": EPHEMERAL.quota,
        "limits.ephemeral-storage": EPHEMERAL.quota,
        ...OBJECT_COUNTS,
      },
    },
  };
  return asObject(quota);
}

/** Scratch disk per container and per namespace. */
const EPHEMERAL = { defaultRequest: "100Mi", defaultLimit: "1Gi", maxPerContainer: "4Gi", quota: "20Gi" } as const;

/** Object counts per tenant namespace (API objects cost etcd space and controller work). */
export const OBJECT_COUNTS: Readonly<Record<string, string>> = {
  "count/configmaps": "50",
  "count/secrets": "50",
  "count/jobs.batch": "20",
  "count/cronjobs.batch": "10",
  "count/backups.postgresql.cnpg.io": "100",
};

/** Defaults so a pod without requests is admitted under the quota instead of rejected. */
export function limitRange(t: ResolvedTenant): KubeObject {
  const lr: ILimitRange & { metadata: ReturnType<typeof meta> } = {
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: meta(t, "container-defaults"),
    spec: {
      limits: [
        {
          type: "Container",
          defaultRequest: { cpu: "100m", memory: "128Mi", "ephemeral-storage": EPHEMERAL.defaultRequest },
          default: { cpu: "500m", memory: "256Mi", "ephemeral-storage": EPHEMERAL.defaultLimit },
          // No single container may take the whole namespace's share.
          max: { cpu: t.effective.quota.cpu, memory: t.effective.quota.memory, "ephemeral-storage": EPHEMERAL.maxPerContainer },
        },
        { type: "PersistentVolumeClaim", min: { storage: "1Gi" }, max: { storage: t.effective.quota.storage } },
      ],
    },
  };
  return asObject(lr);
}
