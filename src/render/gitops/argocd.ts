/**
 * Argo CD objects for a cluster: one ApplicationSet whose Git directory generator walks
 * clusters/<cluster>/waves/<wave>/<tenant>, syncing wave by wave (RollingSync on the
 * wave label), and one AppProject per tenant fenced to that tenant's namespace.
 */
import { InputError } from "../../errors.js";
import type { PlatformConfig } from "../../spec/platform-schema.js";
import type { KubeObject } from "../object.js";
import { LABEL } from "../object.js";
import { WAVE_LABEL, WAVES } from "../../spec/waves.js";

export interface GitopsSettings {
  readonly repoURL: string;
  readonly revision: string;
  readonly argocdNamespace: string;
  readonly namespacePrefix: string;
}

export function gitopsSettings(platform: PlatformConfig): GitopsSettings {
  const g = platform.integrations.gitops;
  if (!g) {
    throw new InputError([
      { path: "integrations.gitops", message: "GitOps delivery is not configured", fix: "add integrations.gitops: {repoURL, revision, argocdNamespace} to landlord.yaml" },
    ]);
  }
  return { ...g, namespacePrefix: platform.platform.namespacePrefix };
}

export const projectName = (tenant: string): string => `tenant-${tenant}`;
export const wavePath = (cluster: string, wave: string, tenant: string): string => `clusters/${cluster}/waves/${wave}/${tenant}`;

export function applicationSet(cluster: string, s: GitopsSettings): KubeObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "ApplicationSet",
    metadata: { name: `tenants-${cluster}`, namespace: s.argocdNamespace, labels: { [LABEL.managedBy]: "landlord" } },
    spec: {
      goTemplate: true,
      goTemplateOptions: ["missingkey=error"],
      generators: [
        {
          git: {
            repoURL: s.repoURL,
            revision: s.revision,
            directories: [{ path: `clusters/${cluster}/waves/*/*` }],
          },
        },
      ],
      strategy: {
        type: "RollingSync",
        rollingSync: {
          steps: WAVES.map((wave) => ({ matchExpressions: [{ key: WAVE_LABEL, operator: "In", values: [wave] }] })),
        },
      },
      template: {
        metadata: {
          name: "tenant-{{ .path.basename }}",
          labels: {
            [LABEL.managedBy]: "landlord",
            [LABEL.tenant]: "{{ .path.basename }}",
            // path.segments: clusters, <cluster>, waves, <wave>, <tenant>
            [WAVE_LABEL]: "{{ index .path.segments 3 }}",
          },
        },
        spec: {
          project: "tenant-{{ .path.basename }}",
          source: { repoURL: s.repoURL, targetRevision: s.revision, path: "{{ .path.path }}" },
          destination: { name: cluster, namespace: `${s.namespacePrefix}{{ .path.basename }}` },
          // No `automated`: with RollingSync the ApplicationSet controller drives every sync,
          // wave by wave, and disables autosync on the Applications it generates.
          syncPolicy: {
            syncOptions: ["ServerSideApply=true", "PruneLast=true"],
            retry: { limit: 5, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
          },
        },
      },
    },
  };
}

export function appProject(tenant: string, cluster: string, namespace: string, s: GitopsSettings): KubeObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "AppProject",
    metadata: { name: projectName(tenant), namespace: s.argocdNamespace, labels: { [LABEL.managedBy]: "landlord", [LABEL.tenant]: tenant } },
    spec: {
      description: `Landlord tenant ${tenant}: may deploy only into namespace ${namespace} on ${cluster}`,
      sourceRepos: [s.repoURL],
      destinations: [{ name: cluster, namespace }],
      // The bundle creates its own Namespace; nothing else cluster-scoped is allowed.
      clusterResourceWhitelist: [{ group: "", kind: "Namespace" }],
      namespaceResourceWhitelist: [{ group: "*", kind: "*" }],
    },
  };
}
