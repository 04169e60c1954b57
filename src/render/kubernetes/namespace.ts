/** The namespace and its fences: quota and container defaults. */
import type { ILimitRange } from "kubernetes-models/v1/LimitRange";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { IResourceQuota } from "kubernetes-models/v1/ResourceQuota";
import type { ResolvedTenant } from "../../spec/resolve.js";
import { asObject, meta, ownershipLabels, type KubeObject } from "../object.js";

export function namespace(t: ResolvedTenant): KubeObject {
  const compliance = Object.fromEntries(t.tenant.spec.compliance.map((c) => [`compliance.landlord.dev/${c}`, "true"]));
  const ns: INamespace & { metadata: { name: string; labels: Record<string, string> } } = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: t.names.namespace,
      labels: {
        ...t.tenant.metadata.labels,
        ...compliance,
        "landlord.dev/isolation": t.tier.tier.isolation,
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
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
      },
    },
  };
  return asObject(quota);
}

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
          defaultRequest: { cpu: "100m", memory: "128Mi" },
          default: { cpu: "500m", memory: "256Mi" },
        },
      ],
    },
  };
  return asObject(lr);
}
