/**
 * A tenant's GitOps files when its app is a Helm package: the chart's objects leave the
 * synced manifests (Argo CD renders the chart from the Application), and Landlord's own
 * templating of the same chart and values is kept under tenants/<t>/app/ for review and diff.
 */
import { InputError } from "../../errors.js";
import type { Bundle } from "../bundle.js";
import type { KubeObject } from "../object.js";
import { toJson, toYamlStream } from "../serialize.js";
import { chartRepoPath, chartSource, packageApplication } from "./application.js";

export interface PackageGitops {
  /** What goes into tenants/<t>/manifests. */
  readonly manifests: readonly KubeObject[];
  /** Extra repository files: the review copy, the values, a local chart's files. */
  readonly files: ReadonlyMap<string, string>;
  /** The Application, written beside the tenant's AppProject. */
  readonly application?: KubeObject;
  /** Repositories the tenant's AppProject must allow besides the fleet repository. */
  readonly sourceRepos: readonly string[];
}

export function packageGitops(bundle: Bundle, wave: string, s: { repoURL: string; revision: string; argocdNamespace: string }, project: string): PackageGitops {
  const app = bundle.app;
  if (app?.origin.kind !== "helm") return { manifests: bundle.objects, files: new Map(), sourceRepos: [] };
  const packaged = new Set<KubeObject>(app.objects);
  const target = { tenant: bundle.tenant, cluster: bundle.placement.cluster, namespace: bundle.namespace, wave, project, argocdNamespace: s.argocdNamespace, repoURL: s.repoURL, revision: s.revision };
  const files = new Map<string, string>([
    [`tenants/${bundle.tenant}/app/rendered.yaml`, toYamlStream(app.objects)],
    [`tenants/${bundle.tenant}/app/values.json`, toJson(app.values)],
  ]);
  const helm = app.origin.helm;
  if (helm && helm.repository === undefined && !helm.chart.startsWith("oci://") && !app.chartFiles) {
    throw new InputError([{ path: "app.package.helm.chart", message: "a local chart archive (.tgz) cannot be read by Argo CD from the fleet repository", fix: "point chart at the unpacked chart directory, or publish the chart to a Helm repository or OCI registry" }]);
  }
  if (app.chartFiles && helm) for (const [path, text] of app.chartFiles) files.set(`${chartRepoPath(app.chartName ?? "chart", helm.version)}/${path}`, text);
  const src = chartSource(app, target);
  const application = packageApplication(app, target);
  return {
    manifests: bundle.objects.filter((o) => !packaged.has(o)),
    files,
    ...(application ? { application } : {}),
    sourceRepos: src && src.repo !== s.repoURL ? [src.repo] : [],
  };
}
