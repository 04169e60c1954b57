/**
 * The GitOps repository layout, as plain files (docs/adr/0016-gitops-layout.md):
 *
 *   argocd/root/project.yaml, application.yaml   applied by hand once per Argo CD; syncs argocd/
 *   argocd/applicationsets/tenants.yaml          fleet-wide: one app per tenants/<t>/placement.json
 *   argocd/applicationsets/clusters.yaml         one bootstrap app per registered cluster
 *   argocd/clusters/<cluster>/registration.yaml  cluster Secret (via External Secrets, no credential)
 *   argocd/clusters/<cluster>/project.yaml       AppProject of the cluster's bootstrap
 *   argocd/clusters/<cluster>/addons-project.yaml AppProject of the cluster's add-ons (docs/adr/0019)
 *   argocd/applicationsets/addons.yaml           one add-ons parent per registered cluster
 *   platform/clusters/<cluster>/addons/          the cluster's add-on Applications, sync-waved
 *   argocd/projects/tenant-<tenant>.yaml         AppProject of the tenant
 *   platform/bootstrap/                          `landlord bootstrap` objects, one file each
 *   tenants/<tenant>/tenant.yaml                 the tenant spec
 *   tenants/<tenant>/placement.json              cluster, namespace, wave: the generator's input
 *   tenants/<tenant>/manifests/                  rendered objects, one file each
 *
 * Changing a tenant's overrides touches only tenants/<tenant>/manifests. Cluster files are
 * not the tenant's: they go only when the cluster is removed (`removeCluster`). The fleet's
 * own files under argocd/ (root, applicationsets) are never removed, and their objects stay
 * in the cluster if a commit loses them (docs/adr/0026).
 */
import type { Bundle } from "../bundle.js";
import type { KubeObject } from "../object.js";
import { toJson, toYaml, toYamlStream } from "../serialize.js";
import { packageGitops } from "../package/gitops.js";
import type { Wave } from "../../spec/waves.js";
import { addonApplications, addonsApplicationSet, addonsPath, addonsProject } from "./addons.js";
import {
  appProject,
  BOOTSTRAP_PATH,
  clusterProject,
  clusterRegistration,
  clustersApplicationSet,
  keptInCluster,
  PLACEMENT_FILE,
  PLATFORM_PROJECT,
  platformProject,
  projectName,
  rootApplication,
  tenantsApplicationSet,
  type GitopsSettings,
  type TenantPlacementFile,
} from "./argocd.js";

export type RepoFiles = Map<string, string>;

export function manifestFileName(o: KubeObject): string {
  return `${o.kind.toLowerCase()}-${o.metadata.name}.yaml`;
}

const kustomization = (resources: readonly string[]): string =>
  toYaml({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: [...resources].sort() });

export const clusterDir = (cluster: string): string => `argocd/clusters/${cluster}`;
export const placementPath = (tenant: string): string => `tenants/${tenant}/${PLACEMENT_FILE}`;

/**
 * A cluster's registration and project (shared clusters of landlord.yaml and dedicated ones
 * alike), and its add-ons: their project, and one Application per add-on under
 * platform/clusters/<cluster>/addons, listed in a kustomization (an add-on switched off
 * leaves the list, and the cluster's add-ons parent prunes its app).
 */
export function clusterFiles(cluster: string, kind: "shared" | "dedicated", s: GitopsSettings): RepoFiles {
  const files: RepoFiles = new Map([
    [`${clusterDir(cluster)}/registration.yaml`, toYaml(clusterRegistration(cluster, kind, s))],
    [`${clusterDir(cluster)}/project.yaml`, toYaml(clusterProject(cluster, s))],
  ]);
  if (s.addons) {
    files.set(`${clusterDir(cluster)}/addons-project.yaml`, toYaml(addonsProject(cluster, s.argocdNamespace, s.addons)));
    const apps = addonApplications(cluster, kind, s.argocdNamespace, s.addons);
    for (const o of apps) files.set(`${addonsPath(cluster)}/${manifestFileName(o)}`, toYaml(o));
    files.set(`${addonsPath(cluster)}/kustomization.yaml`, kustomization(apps.map(manifestFileName)));
  }
  return files;
}

/** Files of the fleet as a whole, from landlord.yaml alone: identical whichever tenant writes them. */
export function fleetFiles(s: GitopsSettings): RepoFiles {
  const files: RepoFiles = new Map([
    ["argocd/root/project.yaml", toYaml(platformProject(s))],
    ["argocd/root/application.yaml", toYaml(rootApplication(s))],
    ["argocd/applicationsets/tenants.yaml", toYaml(tenantsApplicationSet(s))],
    ["argocd/applicationsets/clusters.yaml", toYaml(clustersApplicationSet(s))],
  ]);
  // Fleet-wide like the other two ApplicationSets, and never removed by Landlord either.
  if (s.addons) files.set("argocd/applicationsets/addons.yaml", toYaml(keptInCluster(addonsApplicationSet(s.repoURL, s.revision, s.argocdNamespace, PLATFORM_PROJECT))));
  const bootstrap = s.bootstrap;
  for (const o of bootstrap) files.set(`${BOOTSTRAP_PATH}/${manifestFileName(o)}`, toYaml(o));
  files.set(`${BOOTSTRAP_PATH}/kustomization.yaml`, kustomization(bootstrap.map(manifestFileName)));
  for (const c of s.sharedClusters) for (const [path, text] of clusterFiles(c, "shared", s)) files.set(path, text);
  return files;
}

export function tenantFiles(bundle: Bundle, tenantSpecYaml: string, wave: Wave, s: GitopsSettings): RepoFiles {
  const { tenant, placement, namespace } = bundle;
  const files: RepoFiles = new Map();
  const manifests = `tenants/${tenant}/manifests`;
  // A Helm app package is rendered by Argo CD from its own Application (docs/adr/0013).
  const pkg = packageGitops(bundle, wave, s, projectName(tenant));
  const names = pkg.manifests.map(manifestFileName);
  files.set(`tenants/${tenant}/tenant.yaml`, tenantSpecYaml);
  const generatorInput: TenantPlacementFile = { tenant, cluster: placement.cluster, namespace, wave };
  files.set(placementPath(tenant), toJson(generatorInput));
  pkg.manifests.forEach((o, i) => files.set(`${manifests}/${names[i] ?? ""}`, toYaml(o)));
  files.set(`${manifests}/kustomization.yaml`, kustomization(names));
  for (const [path, text] of pkg.files) files.set(path, text);
  const project = appProject(tenant, placement.cluster, namespace, s, pkg.sourceRepos);
  files.set(`argocd/projects/${projectName(tenant)}.yaml`, pkg.application ? toYamlStream([project, pkg.application]) : toYaml(project));
  return files;
}

/** Whether a repository path belongs to the tenant (for pruning what it no longer has). */
export function ownedByTenant(path: string, tenant: string): boolean {
  const parts = path.split("/");
  if (parts[0] === "tenants") return parts[1] === tenant;
  return path === `argocd/projects/${projectName(tenant)}.yaml`;
}

/** Whether a repository path belongs to the cluster's registration or its add-ons. */
export function ownedByCluster(path: string, cluster: string): boolean {
  return path.startsWith(`${clusterDir(cluster)}/`) || path.startsWith(`platform/clusters/${cluster}/`);
}
