/**
 * GitOps for a Helm package: an Argo CD Application per tenant with the chart and the
 * tenant's values, so Argo CD renders the chart itself (and runs its pre-install and
 * pre-upgrade hooks as PreSync hooks: a failed migration stops that tenant's sync). The
 * values are exactly those Landlord templated for the guardrails, and that templated
 * output is committed beside it for review and diff. A local chart directory is committed
 * to the fleet repository under charts/<name>/<version>/, where the Application reads it.
 */
import { LABEL, type KubeObject } from "../object.js";
import { WAVE_LABEL } from "../../spec/waves.js";
import type { PackagedApp } from "./types.js";

export const chartRepoPath = (name: string, version: string): string => `charts/${name}/${version}`;
export const packageAppName = (tenant: string): string => `tenant-${tenant}-app`;

export interface ApplicationTarget {
  readonly tenant: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly wave: string;
  readonly project: string;
  readonly argocdNamespace: string;
  /** The fleet repository (for local charts) and its revision. */
  readonly repoURL: string;
  readonly revision: string;
}

/** The chart's source as Argo CD names it, and the repository the tenant's AppProject must allow. */
export function chartSource(app: PackagedApp, target: Pick<ApplicationTarget, "repoURL" | "revision">): { source: Record<string, unknown>; repo: string } | undefined {
  const helm = app.origin.helm;
  if (!helm) return undefined;
  const values = { releaseName: helm.releaseName, valuesObject: app.values, skipTests: true };
  if (helm.chart.startsWith("oci://")) {
    // Argo CD's Helm OCI source: the registry path without the scheme, the chart as its last segment.
    const ref = helm.chart.slice("oci://".length);
    const cut = ref.lastIndexOf("/");
    const repo = ref.slice(0, cut);
    return { source: { repoURL: repo, chart: ref.slice(cut + 1), targetRevision: helm.version, helm: values }, repo };
  }
  if (helm.repository !== undefined) return { source: { repoURL: helm.repository, chart: helm.chart, targetRevision: helm.version, helm: values }, repo: helm.repository };
  return { source: { repoURL: target.repoURL, targetRevision: target.revision, path: chartRepoPath(app.chartName ?? "chart", helm.version), helm: values }, repo: target.repoURL };
}

export function packageApplication(app: PackagedApp, target: ApplicationTarget): KubeObject | undefined {
  const src = chartSource(app, target);
  if (!src) return undefined;
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: {
      name: packageAppName(target.tenant),
      namespace: target.argocdNamespace,
      labels: { [LABEL.managedBy]: "landlord", [LABEL.tenant]: target.tenant, "landlord.dev/cluster": target.cluster, [WAVE_LABEL]: target.wave },
      finalizers: ["resources-finalizer.argocd.argoproj.io"],
    } as KubeObject["metadata"],
    spec: {
      project: target.project,
      source: src.source,
      destination: { name: target.cluster, namespace: target.namespace },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ["ServerSideApply=true", "PruneLast=true"],
        retry: { limit: 5, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
      },
    },
  };
}
