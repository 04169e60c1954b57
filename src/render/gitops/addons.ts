/**
 * Cluster add-ons in the fleet repository (docs/adr/0019): what tenants depend on in every
 * cluster (ingress controller, cert-manager, CloudNativePG, External Secrets, the monitoring
 * stack), installed by Argo CD from Helm charts pinned in landlord.yaml (`addons`).
 *
 *   argocd/applicationsets/addons.yaml            cluster generator: an `addons-<cluster>` app per registered cluster
 *   argocd/clusters/<cluster>/addons-project.yaml AppProject addons-<cluster>: the add-ons' namespaces and cluster-scoped kinds
 *   platform/clusters/<cluster>/addons/           one Application per add-on, with sync waves
 *
 * The per-cluster parent (`addons-<cluster>`) syncs the add-on Applications of its cluster in
 * wave order: the add-ons that own CRDs tenants use first, then the ones that use those CRDs
 * themselves. One cluster's failing add-on holds only that cluster's parent, not the fleet.
 */
import type { PlatformConfig } from "../../spec/platform-schema.js";
import { tenantNames } from "../../spec/names.js";
import { isPlainObject } from "../../util/plain.js";
import { dedicatedIngressAddress, type IngressAddress } from "../cloud.js";
import type { KubeObject } from "../object.js";
import { LABEL } from "../object.js";

export const ADDONS_APPSET = "landlord-addons";
export const ADDON_LABEL = "landlord.dev/addon";
export const SYNC_WAVE = "argocd.argoproj.io/sync-wave";
/** Azure cloud provider annotations for a pre-created public IP (kubernetes-sigs/cloud-provider-azure). */
export const AZURE_PIP_NAME = "service.beta.kubernetes.io/azure-pip-name";
export const AZURE_PIP_RESOURCE_GROUP = "service.beta.kubernetes.io/azure-load-balancer-resource-group";

/**
 * Waves inside a cluster's add-ons parent. CRD owners come first; the ingress controller
 * follows because its ServiceMonitor needs the monitoring CRDs. Both are below 0, the wave of
 * the guardrails bootstrap and of tenant objects in their own apps.
 */
export const ADDON_WAVES = { crdOwner: "-2", dependent: "-1" } as const;

export type AddonKey = keyof PlatformConfig["addons"];

type Kind = { group: string; kind: string };
const CRD: Kind = { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" };
const RBAC: Kind[] = [
  { group: "rbac.authorization.k8s.io", kind: "ClusterRole" },
  { group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding" },
];
const WEBHOOKS: Kind[] = [
  { group: "admissionregistration.k8s.io", kind: "MutatingWebhookConfiguration" },
  { group: "admissionregistration.k8s.io", kind: "ValidatingWebhookConfiguration" },
];
const NAMESPACE: Kind = { group: "", kind: "Namespace" };

interface AddonDefinition {
  /** Short name in app names and labels. */
  readonly id: string;
  readonly wave: string;
  readonly namespace: (p: PlatformConfig) => string;
  /** Cluster-scoped kinds the chart creates (its project allows exactly the union). */
  readonly clusterKinds: readonly Kind[];
  /** The chart Landlord's defaults pin; `base` values apply only to it. */
  readonly defaultChart: string;
  /** Values Landlord relies on (CRDs installed, names its integrations use). */
  readonly base: (p: PlatformConfig) => Record<string, unknown>;
}

const DEFINITIONS: Record<AddonKey, AddonDefinition> = {
  certManager: {
    id: "cert-manager",
    wave: ADDON_WAVES.crdOwner,
    namespace: (p) => p.integrations.certManager.namespace,
    clusterKinds: [CRD, ...RBAC, ...WEBHOOKS],
    defaultChart: "cert-manager",
    // CRDs stay when the chart goes: deleting them would delete every tenant's Certificate.
    base: (p) => ({ crds: { enabled: true, keep: true }, global: { leaderElection: { namespace: p.integrations.certManager.namespace } } }),
  },
  cloudnativePg: {
    id: "cloudnative-pg",
    wave: ADDON_WAVES.crdOwner,
    namespace: (p) => p.integrations.cnpg.namespace,
    clusterKinds: [CRD, ...RBAC, ...WEBHOOKS],
    defaultChart: "cloudnative-pg",
    base: () => ({ crds: { create: true } }),
  },
  barmanCloud: {
    id: "barman-cloud",
    // Its chart makes its TLS with cert-manager's kinds, and CloudNativePG finds plugins in its own namespace.
    wave: ADDON_WAVES.dependent,
    namespace: (p) => p.integrations.cnpg.namespace,
    clusterKinds: [CRD, ...RBAC],
    defaultChart: "plugin-barman-cloud",
    base: () => ({}),
  },
  externalSecrets: {
    id: "external-secrets",
    wave: ADDON_WAVES.crdOwner,
    namespace: () => "external-secrets",
    clusterKinds: [CRD, ...RBAC, ...WEBHOOKS],
    defaultChart: "external-secrets",
    base: () => ({ installCRDs: true }),
  },
  monitoring: {
    id: "monitoring",
    wave: ADDON_WAVES.crdOwner,
    namespace: (p) => p.integrations.monitoring.namespace,
    clusterKinds: [CRD, ...RBAC, ...WEBHOOKS],
    defaultChart: "kube-prometheus-stack",
    base: (p) => ({
      crds: { enabled: true },
      // The tenants' PrometheusRules carry integrations.monitoring.ruleLabels: select exactly those.
      ...(Object.keys(p.integrations.monitoring.ruleLabels).length > 0
        ? { prometheus: { prometheusSpec: { ruleSelectorNilUsesHelmValues: false, ruleSelector: { matchLabels: p.integrations.monitoring.ruleLabels } } } }
        : {}),
      // AKS manages the control plane: there is nothing of it to scrape.
      kubeControllerManager: { enabled: false },
      kubeScheduler: { enabled: false },
      kubeEtcd: { enabled: false },
      kubeProxy: { enabled: false },
    }),
  },
  ingress: {
    id: "ingress",
    wave: ADDON_WAVES.dependent,
    namespace: (p) => p.integrations.ingress.namespace,
    clusterKinds: [...RBAC, { group: "admissionregistration.k8s.io", kind: "ValidatingWebhookConfiguration" }, { group: "networking.k8s.io", kind: "IngressClass" }],
    defaultChart: "ingress-nginx",
    base: (p) => ({
      controller: {
        // The class tenants' Ingresses name (integrations.ingress.className).
        ingressClassResource: { name: p.integrations.ingress.className },
        metrics: { enabled: true, serviceMonitor: { enabled: true } },
        // Azure's load balancer probes over HTTP since AKS 1.24; the controller answers on /healthz.
        service: { annotations: { "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": "/healthz" } },
      },
    }),
  },
};

/** Install order of the add-ons (also the order of their files). */
export const ADDON_KEYS: readonly AddonKey[] = ["certManager", "cloudnativePg", "externalSecrets", "monitoring", "barmanCloud", "ingress"];

export interface AddonSettings {
  readonly platform: PlatformConfig;
  /** The ingress address of a dedicated cluster (named by the tenant's Terraform), by cluster name. */
  readonly dedicatedIngress: (cluster: string) => IngressAddress | undefined;
}

export function addonSettings(platform: PlatformConfig): AddonSettings {
  return {
    platform,
    dedicatedIngress: (cluster) => {
      // Dedicated clusters are named aks-<tenant> (spec/names.ts); check the round trip.
      const tenant = cluster.replace(/^aks-/, "");
      return tenantNames(platform, tenant).dedicatedCluster === cluster ? dedicatedIngressAddress(platform, tenant) : undefined;
    },
  };
}

/** Plain objects merge key by key, anything else (lists included) is replaced. */
export function mergeValues(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? mergeValues(b, v) : v;
  }
  return out;
}

/** `{a: {b: value}}` for the path "a.b". */
function atPath(path: string, value: Record<string, unknown>): Record<string, unknown> {
  return path
    .split(".")
    .reverse()
    .reduce<Record<string, unknown>>((inner, key) => ({ [key]: inner }), value);
}

const managed = { [LABEL.managedBy]: "landlord" };
const CLUSTER_LABEL = "landlord.dev/cluster";
const IN_CLUSTER = "https://kubernetes.default.svc";

export const addonsProjectName = (cluster: string): string => `addons-${cluster}`;
export const addonsPath = (cluster: string): string => `platform/clusters/${cluster}/addons`;
export const addonAppName = (cluster: string, key: AddonKey): string => `${cluster}-${DEFINITIONS[key].id}`;

function enabled(p: PlatformConfig): AddonKey[] {
  return ADDON_KEYS.filter((k) => p.addons[k].enabled);
}

/**
 * Values for one add-on on one cluster: Landlord's base values (for the chart it pins), then
 * landlord.yaml's `values`, then `clusterValues.<cluster>`, then what only Landlord knows about
 * the cluster (a dedicated cluster's ingress address), which wins.
 */
export function addonValues(key: AddonKey, cluster: string, kind: "shared" | "dedicated", s: AddonSettings): Record<string, unknown> {
  const d = DEFINITIONS[key];
  const a = s.platform.addons[key];
  let values = a.chart === d.defaultChart ? d.base(s.platform) : {};
  values = mergeValues(values, a.values);
  values = mergeValues(values, a.clusterValues[cluster] ?? {});
  if (key === "ingress" && kind === "dedicated") {
    const address = s.dedicatedIngress(cluster);
    if (address) {
      const path = s.platform.addons.ingress.serviceAnnotationsPath;
      values = mergeValues(values, atPath(path, { [AZURE_PIP_NAME]: address.publicIpName, [AZURE_PIP_RESOURCE_GROUP]: address.resourceGroup }));
    }
  }
  return values;
}

export function addonApplication(key: AddonKey, cluster: string, kind: "shared" | "dedicated", argocdNamespace: string, s: AddonSettings): KubeObject {
  const d = DEFINITIONS[key];
  const a = s.platform.addons[key];
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: {
      name: addonAppName(cluster, key),
      namespace: argocdNamespace,
      labels: { ...managed, [CLUSTER_LABEL]: cluster, [ADDON_LABEL]: d.id },
      annotations: { [SYNC_WAVE]: d.wave },
      // No resources finalizer: the app goes when its cluster is unregistered, which happens
      // once the cluster is destroyed; a cascade against it would hang.
    },
    spec: {
      project: addonsProjectName(cluster),
      source: { repoURL: a.repoURL, chart: a.chart, targetRevision: a.version, helm: { releaseName: a.releaseName, valuesObject: addonValues(key, cluster, kind, s) } },
      destination: { name: cluster, namespace: d.namespace(s.platform) },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        // Server-side apply: the CRDs of these charts are larger than a client-side apply's annotation.
        syncOptions: ["CreateNamespace=true", "ServerSideApply=true"],
        retry: { limit: 10, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
      },
    },
  };
}

/** The add-ons may create exactly the cluster-scoped kinds their charts hold, in their own namespaces. */
export function addonsProject(cluster: string, argocdNamespace: string, s: AddonSettings): KubeObject {
  const keys = enabled(s.platform);
  const kinds = new Map<string, Kind>([[`/${NAMESPACE.kind}`, NAMESPACE]]);
  for (const k of keys) for (const kind of DEFINITIONS[k].clusterKinds) kinds.set(`${kind.group}/${kind.kind}`, kind);
  const namespaces = [...new Set([...keys.map((k) => DEFINITIONS[k].namespace(s.platform)), "kube-system"])].sort();
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AppProject",
    metadata: {
      name: addonsProjectName(cluster),
      namespace: argocdNamespace,
      labels: { ...managed, [CLUSTER_LABEL]: cluster },
      finalizers: ["resources-finalizer.argocd.argoproj.io"],
    } as KubeObject["metadata"],
    spec: {
      description: `Landlord cluster add-ons of ${cluster}: pinned Helm charts in their own namespaces`,
      sourceRepos: [...new Set(keys.map((k) => s.platform.addons[k].repoURL))].sort(),
      // kube-system: the monitoring stack's exporter Services for cluster components live there.
      destinations: namespaces.map((namespace) => ({ name: cluster, namespace })),
      clusterResourceWhitelist: [...kinds.values()].sort((a, b) => `${a.group}/${a.kind}`.localeCompare(`${b.group}/${b.kind}`)),
      namespaceResourceWhitelist: [{ group: "*", kind: "*" }],
    },
  };
}

export function addonApplications(cluster: string, kind: "shared" | "dedicated", argocdNamespace: string, s: AddonSettings): KubeObject[] {
  return enabled(s.platform).map((k) => addonApplication(k, cluster, kind, argocdNamespace, s));
}

/**
 * One parent per registered cluster, syncing that cluster's add-on Applications in wave order.
 * It runs in Argo CD's own cluster (always reachable), so it carries the resources finalizer:
 * when the cluster is unregistered, its add-on apps go with it (they have none themselves).
 */
export function addonsApplicationSet(repoURL: string, revision: string, argocdNamespace: string, project: string): KubeObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "ApplicationSet",
    metadata: { name: ADDONS_APPSET, namespace: argocdNamespace, labels: managed },
    spec: {
      goTemplate: true,
      goTemplateOptions: ["missingkey=error"],
      generators: [{ clusters: { selector: { matchLabels: managed } } }],
      template: {
        metadata: {
          name: "addons-{{ .name }}",
          labels: { ...managed, [CLUSTER_LABEL]: "{{ .name }}" },
          finalizers: ["resources-finalizer.argocd.argoproj.io"],
        },
        spec: {
          project,
          source: { repoURL, targetRevision: revision, path: "platform/clusters/{{ .name }}/addons" },
          destination: { server: IN_CLUSTER, namespace: argocdNamespace },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions: ["ServerSideApply=true"],
            retry: { limit: 5, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
          },
        },
      },
    },
  };
}
