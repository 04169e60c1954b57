/**
 * Argo CD objects of the fleet repository (docs/adr/0016-gitops-layout.md):
 *
 * - one fleet-wide ApplicationSet for tenants (Git files generator over each tenant's
 *   placement file), auto-sync with prune and self-heal, no progressive sync: onboarding,
 *   config changes and offboarding of one tenant never wait for another;
 * - one ApplicationSet for clusters (cluster generator over the cluster Secrets Landlord
 *   registers), installing the cluster bootstrap on every registered cluster;
 * - an AppProject per tenant and per cluster, each with the resources finalizer;
 * - a cluster registration that carries no credential (External Secrets fills in the
 *   API server address and CA; Argo CD authenticates with its workload identity);
 * - deletion protection (docs/adr/0026-argocd-deletion-protection.md): the fleet-wide objects
 *   the root app applies are never pruned nor cascade-deleted, and no generated app deletes
 *   what it deployed when it goes; a tenant's namespace is deleted only by offboarding.
 *
 * Version rollouts are paced by Landlord committing wave by wave (rollout.ts), not by
 * RollingSync, which holds every change of every app behind the earlier steps.
 */
import { InputError } from "../../errors.js";
import type { PlatformConfig } from "../../spec/platform-schema.js";
import type { KubeObject } from "../object.js";
import { LABEL } from "../object.js";
import { WAVE_LABEL } from "../../spec/waves.js";
import { clusterBootstrap } from "../platform/bootstrap.js";
import { addonSettings, type AddonSettings } from "./addons.js";

export interface GitopsSettings {
  readonly repoURL: string;
  readonly revision: string;
  readonly argocdNamespace: string;
  readonly namespacePrefix: string;
  /** Shared clusters of landlord.yaml: each is registered with Argo CD. */
  readonly sharedClusters: readonly string[];
  /** What every cluster gets before tenants (the `landlord bootstrap` objects). */
  readonly bootstrap: readonly KubeObject[];
  /** Cluster add-ons from landlord.yaml (docs/adr/0019); absent: none are rendered. */
  readonly addons?: AddonSettings;
}

export function gitopsSettings(platform: PlatformConfig): GitopsSettings {
  const g = platform.integrations.gitops;
  if (!g) {
    throw new InputError([
      { path: "integrations.gitops", message: "GitOps delivery is not configured", fix: "add integrations.gitops: {repoURL, revision, argocdNamespace} to landlord.yaml" },
    ]);
  }
  return {
    repoURL: g.repoURL,
    revision: g.revision,
    argocdNamespace: g.argocdNamespace,
    namespacePrefix: platform.platform.namespacePrefix,
    sharedClusters: platform.clusters.map((c) => c.name),
    bootstrap: clusterBootstrap(platform),
    addons: addonSettings(platform),
  };
}

/** Argo CD's own finalizer: the object goes only after what it holds (resources, apps) is gone. */
export const RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io";
/** Label Argo CD reads to treat a Secret as a cluster registration. */
export const ARGOCD_SECRET_TYPE = "argocd.argoproj.io/secret-type";
export const CLUSTER_LABEL = "landlord.dev/cluster";
export const CLUSTER_KIND_LABEL = "landlord.dev/cluster-kind";
/** ClusterSecretStore (platform Key Vault) the cluster registrations read from. */
export const PLATFORM_SECRET_STORE = "landlord-platform";
export const TENANTS_APPSET = "landlord-tenants";
export const CLUSTERS_APPSET = "landlord-clusters";
export const PLATFORM_PROJECT = "landlord-platform";
export const ROOT_APP = "landlord-root";
export const PLACEMENT_FILE = "placement.json";
export const BOOTSTRAP_PATH = "platform/bootstrap";

export const projectName = (tenant: string): string => `tenant-${tenant}`;
export const clusterProjectName = (cluster: string): string => `cluster-${cluster}`;
export const registrationSecretName = (cluster: string): string => `cluster-${cluster}`;
/** Key Vault secret names the registration reads (written by the Terraform that owns the cluster). */
export const registrationKeys = (cluster: string): { server: string; caData: string } => ({
  server: `argocd-${cluster}-server`,
  caData: `argocd-${cluster}-ca`,
});

/** Argo CD's per-resource sync options (comma-separated). */
export const SYNC_OPTIONS = "argocd.argoproj.io/sync-options";
/**
 * Prune=false: the root app keeps the object when its file leaves Git (a bad commit, a
 * rename). Delete=false: it keeps it when the root app itself is deleted with cascade.
 */
export const KEEP_IN_CLUSTER = ["Prune=false", "Delete=false"] as const;

/**
 * For the fleet-wide objects of the root app, which no Landlord operation removes: losing
 * the tenants ApplicationSet to a bad commit would delete every tenant's app at once.
 * Per-tenant and per-cluster files are left prunable, since offboarding and `removeCluster`
 * remove them on purpose and their pruning deletes nothing of a tenant's.
 */
export function keptInCluster(o: KubeObject): KubeObject {
  const current = o.metadata.annotations?.[SYNC_OPTIONS];
  const options = current === undefined ? [] : current.split(",").map((x) => x.trim()).filter((x) => x !== "" && !/^(Prune|Delete)=/.test(x));
  return { ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, [SYNC_OPTIONS]: [...options, ...KEEP_IN_CLUSTER].join(",") } } };
}

const managed = { [LABEL.managedBy]: "landlord" };
const IN_CLUSTER = "https://kubernetes.default.svc";

/** What the tenants ApplicationSet reads per tenant (tenants/<tenant>/placement.json). */
export interface TenantPlacementFile {
  readonly tenant: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly wave: string;
}

function syncPolicy(): Record<string, unknown> {
  return {
    // Prune: an object removed from Git is removed from the cluster, so the app converges.
    automated: { prune: true, selfHeal: true },
    syncOptions: ["ServerSideApply=true", "PruneLast=true"],
    retry: { limit: 5, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
  };
}

/**
 * Every tenant of the fleet, whatever its cluster: the app of a tenant is created, changed
 * and deleted as soon as its own files change. No `strategy`: RollingSync would switch off
 * auto-sync for every app and hold each one behind the health of all earlier steps.
 *
 * An app's deletion never cascades: an app also goes when its placement file is lost, the
 * generator's path or the app name pattern changes, or the ApplicationSet itself goes, and
 * a cascade would delete the tenant's namespace, volumes included, with no final backup.
 * Offboarding deletes the namespace itself, after the backup check (GitopsDelivery.remove).
 */
export function tenantsApplicationSet(s: GitopsSettings): KubeObject {
  return keptInCluster({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "ApplicationSet",
    metadata: { name: TENANTS_APPSET, namespace: s.argocdNamespace, labels: managed },
    spec: {
      goTemplate: true,
      goTemplateOptions: ["missingkey=error"],
      // Without it the controller adds the resources finalizer to every app whose template has none.
      syncPolicy: { preserveResourcesOnDeletion: true },
      generators: [{ git: { repoURL: s.repoURL, revision: s.revision, files: [{ path: `tenants/*/${PLACEMENT_FILE}` }] } }],
      template: {
        // No resources finalizer: a finalizer in the template wins over preserveResourcesOnDeletion.
        metadata: {
          name: "tenant-{{ .tenant }}",
          labels: { ...managed, [LABEL.tenant]: "{{ .tenant }}", [CLUSTER_LABEL]: "{{ .cluster }}", [WAVE_LABEL]: "{{ .wave }}" },
        },
        spec: {
          project: "tenant-{{ .tenant }}",
          source: { repoURL: s.repoURL, targetRevision: s.revision, path: "tenants/{{ .tenant }}/manifests" },
          destination: { name: "{{ .cluster }}", namespace: "{{ .namespace }}" },
          syncPolicy: syncPolicy(),
        },
      },
    },
  });
}

/**
 * One bootstrap app per cluster registered with the Landlord label: a new cluster gets its
 * guardrails from its registration alone. No resources finalizer: a cluster is unregistered
 * when it is being destroyed, and a cascade against an unreachable cluster would hang.
 */
export function clustersApplicationSet(s: GitopsSettings): KubeObject {
  return keptInCluster({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "ApplicationSet",
    metadata: { name: CLUSTERS_APPSET, namespace: s.argocdNamespace, labels: managed },
    spec: {
      goTemplate: true,
      goTemplateOptions: ["missingkey=error"],
      // A template without finalizers is not enough: the controller would add the resources finalizer.
      syncPolicy: { preserveResourcesOnDeletion: true },
      generators: [{ clusters: { selector: { matchLabels: managed } } }],
      template: {
        metadata: { name: "bootstrap-{{ .name }}", labels: { ...managed, [CLUSTER_LABEL]: "{{ .name }}" } },
        spec: {
          project: "cluster-{{ .name }}",
          source: { repoURL: s.repoURL, targetRevision: s.revision, path: BOOTSTRAP_PATH },
          destination: { name: "{{ .name }}" },
          syncPolicy: syncPolicy(),
        },
      },
    },
  });
}

/** `chartRepos`: where the tenant's app package chart comes from, besides the fleet repository (docs/adr/0013). */
export function appProject(tenant: string, cluster: string, namespace: string, s: GitopsSettings, chartRepos: readonly string[] = []): KubeObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AppProject",
    metadata: {
      name: projectName(tenant),
      namespace: s.argocdNamespace,
      labels: { ...managed, [LABEL.tenant]: tenant },
      // Argo CD keeps the project until no app refers to it: removing it in the same
      // commit as the app cannot strand the app's deletion.
      finalizers: [RESOURCES_FINALIZER],
    } as KubeObject["metadata"],
    spec: {
      description: `Landlord tenant ${tenant}: may deploy only into namespace ${namespace} on ${cluster}`,
      sourceRepos: [s.repoURL, ...chartRepos],
      destinations: [{ name: cluster, namespace }],
      // The bundle creates its own Namespace; nothing else cluster-scoped is allowed.
      clusterResourceWhitelist: [{ group: "", kind: "Namespace" }],
      namespaceResourceWhitelist: [{ group: "*", kind: "*" }],
    },
  };
}

/** The cluster's bootstrap may hold exactly the cluster-scoped kinds the bootstrap renders. */
export function clusterProject(cluster: string, s: GitopsSettings): KubeObject {
  const kinds = new Map<string, { group: string; kind: string }>();
  for (const o of s.bootstrap) {
    const group = o.apiVersion.includes("/") ? (o.apiVersion.split("/")[0] ?? "") : "";
    kinds.set(`${group}/${o.kind}`, { group, kind: o.kind });
  }
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AppProject",
    metadata: {
      name: clusterProjectName(cluster),
      namespace: s.argocdNamespace,
      labels: { ...managed, [CLUSTER_LABEL]: cluster },
      finalizers: [RESOURCES_FINALIZER],
    } as KubeObject["metadata"],
    spec: {
      description: `Landlord bootstrap of cluster ${cluster}: admission guardrails only`,
      sourceRepos: [s.repoURL],
      destinations: [{ name: cluster, namespace: "*" }],
      clusterResourceWhitelist: [...kinds.values()].sort((a, b) => `${a.group}/${a.kind}`.localeCompare(`${b.group}/${b.kind}`)),
      namespaceResourceBlacklist: [{ group: "*", kind: "*" }],
    },
  };
}

/**
 * The Argo CD cluster Secret, as an ExternalSecret: the Secret Argo CD reads is built in the
 * Argo CD namespace from two Key Vault entries (API server URL, CA certificate); no token or
 * key is in Git. Argo CD reaches AKS with `argocd-k8s-auth azure` under its own workload
 * identity, which needs the AKS RBAC role on the cluster (granted by the cluster's Terraform).
 */
export function clusterRegistration(cluster: string, kind: "shared" | "dedicated", s: GitopsSettings): KubeObject {
  const keys = registrationKeys(cluster);
  const config = {
    execProviderConfig: {
      command: "argocd-k8s-auth",
      args: ["azure"],
      env: { AAD_ENVIRONMENT_NAME: "AzurePublicCloud", AAD_LOGIN_METHOD: "workloadidentity" },
      apiVersion: "client.authentication.k8s.io/v1beta1",
    },
    tlsClientConfig: { insecure: false, caData: "{{ .caData }}" },
  };
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: registrationSecretName(cluster), namespace: s.argocdNamespace, labels: { ...managed, [CLUSTER_LABEL]: cluster } },
    spec: {
      refreshInterval: "1h",
      secretStoreRef: { kind: "ClusterSecretStore", name: PLATFORM_SECRET_STORE },
      target: {
        name: registrationSecretName(cluster),
        creationPolicy: "Owner",
        deletionPolicy: "Delete",
        template: {
          engineVersion: "v2",
          metadata: { labels: { [ARGOCD_SECRET_TYPE]: "cluster", ...managed, [CLUSTER_LABEL]: cluster, [CLUSTER_KIND_LABEL]: kind } },
          data: { name: cluster, server: "{{ .server }}", config: JSON.stringify(config) },
        },
      },
      data: [
        { secretKey: "server", remoteRef: { key: keys.server } },
        { secretKey: "caData", remoteRef: { key: keys.caData } },
      ],
    },
  };
}

/** The project of the root app: only Argo CD's own objects, only in its namespace. */
export function platformProject(s: GitopsSettings): KubeObject {
  return keptInCluster({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AppProject",
    metadata: { name: PLATFORM_PROJECT, namespace: s.argocdNamespace, labels: managed, finalizers: [RESOURCES_FINALIZER] } as KubeObject["metadata"],
    spec: {
      description: "Landlord fleet: ApplicationSets, projects and cluster registrations in the Argo CD namespace",
      sourceRepos: [s.repoURL],
      destinations: [{ server: IN_CLUSTER, namespace: s.argocdNamespace }],
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: [
        { group: "argoproj.io", kind: "Application" },
        { group: "argoproj.io", kind: "ApplicationSet" },
        { group: "argoproj.io", kind: "AppProject" },
        { group: "external-secrets.io", kind: "ExternalSecret" },
      ],
    },
  });
}

/**
 * The one object applied by hand, once per Argo CD (with its project): it syncs argocd/,
 * which holds everything else, itself included. It has no resources finalizer, but
 * `argocd app delete` cascades by default: what it applies and must survive that carries
 * Delete=false. It keeps itself too: a commit that lost its file would otherwise switch
 * GitOps off without anyone noticing.
 */
export function rootApplication(s: GitopsSettings): KubeObject {
  return keptInCluster({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: ROOT_APP, namespace: s.argocdNamespace, labels: managed },
    spec: {
      project: PLATFORM_PROJECT,
      source: { repoURL: s.repoURL, targetRevision: s.revision, path: "argocd", directory: { recurse: true } },
      destination: { server: IN_CLUSTER, namespace: s.argocdNamespace },
      syncPolicy: syncPolicy(),
    },
  });
}
