/**
 * A tenant's bundle with its app package: values from the three layers plus what Landlord
 * knows, templated by Helm (or built by Kustomize), checked by the guardrails, then handed
 * to the pure renderBundle. Without app.package this is renderBundle itself.
 */
import { InputError } from "../../errors.js";
import { renderBundle, renderObjects, type Bundle } from "../../render/bundle.js";
import type { CloudOutputs } from "../../render/cloud.js";
import type { RenderContext } from "../../render/object.js";
import { acceptPackage } from "../../render/package/guardrails.js";
import { BUILTIN_APP_OBJECTS } from "../../render/package/names.js";
import type { PackagedApp, PackageOrigin, PackageSpec } from "../../render/package/types.js";
import { layerValueProblems, packageValues, tenantValueProblems } from "../../render/package/values.js";
import { dirname, resolve } from "node:path";
import type { PlatformContext } from "../../spec/platform.js";
import type { PlatformConfig } from "../../spec/platform-schema.js";
import type { ResolvedTenant } from "../../spec/resolve.js";
import { validateObjects } from "../../validate/objects.js";
import { parseRendered } from "./docs.js";
import { stat } from "node:fs/promises";
import { defaultCacheDir, helmBinary, helmTemplate, isRemote, readChartFiles, resolveChart, type HelmTools } from "./helm.js";
import { kustomizeBuild } from "./kustomize.js";

export interface PackageOptions {
  /** Directory of landlord.yaml: local chart and base paths are relative to it. */
  readonly baseDir: string;
  readonly cloud?: CloudOutputs;
  /** Helm binary and chart cache; found (or built) on first use when absent. */
  readonly helm?: HelmTools;
}

let helmTools: Promise<HelmTools> | undefined;
function tools(opts: PackageOptions): Promise<HelmTools> {
  if (opts.helm) return Promise.resolve(opts.helm);
  helmTools ??= helmBinary().then((bin) => ({ bin, cacheDir: defaultCacheDir() }));
  return helmTools;
}

/** The chart version a tenant gets: the pin, or its own version when the rollout moves charts. */
function chartVersion(spec: PackageSpec, t: ResolvedTenant): string {
  const helm = spec.helm;
  if (!helm) return "";
  return helm.tenantVersion === "chart" ? t.version : helm.version;
}

/** Renders and checks the package for one tenant. */
export async function renderPackage(platform: PlatformConfig, t: ResolvedTenant, opts: PackageOptions): Promise<PackagedApp> {
  const spec = platform.app?.package;
  if (!spec) throw new Error("renderPackage called without app.package");
  const ctx: RenderContext = { t, platform, cloud: opts.cloud ?? {} };
  const valueProblems = [...tenantValueProblems(t, spec), ...layerValueProblems(ctx)];
  if (valueProblems.length > 0) throw new InputError(valueProblems);
  const values = packageValues(ctx);
  const ns = t.names.namespace;
  let origin: PackageOrigin;
  let chartName: string | undefined;
  let chartDir: string | undefined;
  let text: string;
  if (spec.helm) {
    const helm = await tools(opts);
    const version = chartVersion(spec, t);
    const chart = await resolveChart(spec.helm, version, opts.baseDir, helm);
    chartName = chart.name;
    if ((await stat(chart.path)).isDirectory()) chartDir = chart.path;
    origin = {
      kind: "helm",
      display: `chart ${chart.name} ${chart.version}${isRemote(spec.helm) ? "" : ` (${spec.helm.chart})`}`,
      helm: { chart: spec.helm.chart, ...(spec.helm.repository !== undefined ? { repository: spec.helm.repository } : {}), version, releaseName: spec.releaseName },
    };
    const cluster = platform.clusters.find((c) => c.name === t.placement.cluster);
    // A dedicated cluster runs the tier's pin, else the platform default (the version Terraform gives it).
    const kubeVersion = cluster?.kubernetesVersion ?? t.tier.tier.cluster?.kubernetesVersion ?? (t.placement.dedicatedCluster ? platform.platform.kubernetesVersion : undefined);
    text = await helmTemplate(helm, { path: chart.path, display: origin.display }, spec.releaseName, ns, values, kubeVersion);
  } else if (spec.kustomize) {
    origin = { kind: "kustomize", display: `kustomize base ${spec.kustomize.path}` };
    text = await kustomizeBuild(spec.kustomize.path, opts.baseDir, ns, values);
  } else {
    throw new InputError([{ path: "app.package", message: "neither helm nor kustomize is set", fix: "set one of them" }]);
  }
  const docs = parseRendered(text, origin.display);
  const platformObjects = renderObjects(ctx).filter((o) => !BUILTIN_APP_OBJECTS.some(([k, n]) => o.kind === k && o.metadata.name === n));
  const accepted = acceptPackage(docs, { ctx, origin, expose: spec.expose, platformObjects });
  // Against the upstream schemas, so a broken template is the chart's error here, not a failed apply later.
  const invalid = validateObjects(accepted.objects);
  if (invalid.length > 0) throw new InputError(invalid.map((v) => ({ file: origin.display, path: v.object, message: `does not match the Kubernetes schema: ${v.message}`, fix: "fix the chart's template or the values it is given" })));
  const local = spec.helm !== undefined && !isRemote(spec.helm) ? chartDir : undefined;
  return {
    origin,
    values,
    objects: accepted.objects,
    migrations: accepted.migrations,
    expose: spec.expose,
    ...(chartName !== undefined ? { chartName } : {}),
    ...(local !== undefined ? { chartFiles: await readChartFiles(local) } : {}),
  };
}

/** renderBundle, with the app package templated first when landlord.yaml names one. */
export async function renderTenantBundle(platform: PlatformConfig, t: ResolvedTenant, opts: PackageOptions): Promise<Bundle> {
  if (!platform.app) return renderBundle(platform, t, opts.cloud ?? {});
  return renderBundle(platform, t, opts.cloud ?? {}, await renderPackage(platform, t, opts));
}

/** renderTenantBundle with local chart paths relative to landlord.yaml (the loaded platform's file). */
export function bundleFor(platform: PlatformContext, t: ResolvedTenant, cloud: CloudOutputs = {}): Promise<Bundle> {
  return renderTenantBundle(platform.config, t, { baseDir: dirname(resolve(platform.file)), cloud });
}
