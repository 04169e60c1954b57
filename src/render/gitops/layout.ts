/**
 * The GitOps repository layout, as plain files:
 *
 *   clusters/<cluster>/bootstrap.yaml                  Argo CD Application syncing the folder below
 *   clusters/<cluster>/applicationset.yaml             one ApplicationSet per cluster
 *   clusters/<cluster>/projects/<tenant>.yaml          one AppProject per tenant
 *   clusters/<cluster>/waves/<wave>/<tenant>/          pointer the ApplicationSet generates from
 *   tenants/<tenant>/tenant.yaml                       the tenant spec
 *   tenants/<tenant>/manifests/                        rendered objects, one file each
 *
 * Changing a tenant's overrides touches only tenants/<tenant>/.
 */
import type { Bundle } from "../bundle.js";
import type { KubeObject } from "../object.js";
import { LABEL } from "../object.js";
import { toYaml } from "../serialize.js";
import { applicationSet, appProject, wavePath, type GitopsSettings } from "./argocd.js";
import type { Wave } from "../../spec/waves.js";

export type RepoFiles = Map<string, string>;

export function manifestFileName(o: KubeObject): string {
  return `${o.kind.toLowerCase()}-${o.metadata.name}.yaml`;
}

/** Files every tenant of a cluster shares; written once, identical for all. */
export function clusterFiles(cluster: string, s: GitopsSettings): RepoFiles {
  const bootstrap: KubeObject = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: `landlord-${cluster}`, namespace: s.argocdNamespace, labels: { [LABEL.managedBy]: "landlord" } },
    spec: {
      project: "default",
      source: {
        repoURL: s.repoURL,
        targetRevision: s.revision,
        path: `clusters/${cluster}`,
        directory: { recurse: true, exclude: "{bootstrap.yaml,waves/**}" },
      },
      destination: { server: "https://kubernetes.default.svc", namespace: s.argocdNamespace },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
  };
  return new Map([
    [`clusters/${cluster}/bootstrap.yaml`, toYaml(bootstrap)],
    [`clusters/${cluster}/applicationset.yaml`, toYaml(applicationSet(cluster, s))],
  ]);
}

export function tenantFiles(bundle: Bundle, tenantSpecYaml: string, wave: Wave, s: GitopsSettings): RepoFiles {
  const { tenant, placement, namespace } = bundle;
  const files: RepoFiles = new Map();
  const manifests = `tenants/${tenant}/manifests`;
  const names = bundle.objects.map(manifestFileName);
  files.set(`tenants/${tenant}/tenant.yaml`, tenantSpecYaml);
  bundle.objects.forEach((o, i) => files.set(`${manifests}/${names[i] ?? ""}`, toYaml(o)));
  files.set(`${manifests}/kustomization.yaml`, toYaml({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: [...names].sort() }));
  files.set(`clusters/${placement.cluster}/projects/${tenant}.yaml`, toYaml(appProject(tenant, placement.cluster, namespace, s)));
  files.set(
    `${wavePath(placement.cluster, wave, tenant)}/kustomization.yaml`,
    toYaml({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: [`../../../../../${manifests}`] }),
  );
  return files;
}

/** Whether a repository path belongs to the tenant (for pruning what it no longer has). */
export function ownedByTenant(path: string, tenant: string): boolean {
  const parts = path.split("/");
  if (parts[0] === "tenants") return parts[1] === tenant;
  if (parts[0] === "clusters" && parts[2] === "projects") return parts[3] === `${tenant}.yaml`;
  if (parts[0] === "clusters" && parts[2] === "waves") return parts[4] === tenant;
  return false;
}
