/**
 * A tenant's bundle: every Kubernetes object of its instance in a fixed order, plus the
 * Terraform inputs of its cloud resources. Pure and byte-stable: no clock, no env, no I/O.
 */
import type { PlatformConfig } from "../spec/platform-schema.js";
import type { Placement } from "../spec/placement.js";
import type { ResolvedTenant } from "../spec/resolve.js";
import { autoscaler, configMap, deployment, disruptionBudget, service } from "./kubernetes/app.js";
import { databaseObjects } from "./kubernetes/database.js";
import { certificate, ingress } from "./kubernetes/ingress.js";
import { monitoringObjects } from "./kubernetes/monitoring.js";
import { guardrailParams } from "./kubernetes/guardrail-params.js";
import { limitRange, namespace, resourceQuota } from "./kubernetes/namespace.js";
import { networkPolicies } from "./kubernetes/network-policies.js";
import { rbac, serviceAccounts } from "./kubernetes/rbac.js";
import { secretObjects } from "./kubernetes/secrets.js";
import { canonicalHash } from "./canonical-hash.js";
import type { CloudOutputs } from "./cloud.js";
import type { KubeObject, RenderContext } from "./object.js";
import { customerInstanceVars, type CustomerInstanceVars } from "./terraform/tfvars.js";
import { ProgrammingError } from "../errors.js";
import { exposePackage } from "./package/expose.js";
import { BUILTIN_APP_OBJECTS } from "./package/names.js";
import type { PackagedApp } from "./package/types.js";

export interface Bundle {
  readonly tenant: string;
  readonly tier: string;
  readonly namespace: string;
  readonly placement: Placement;
  readonly version: string;
  /** Namespace first, then fences, identity, data, workload, exposure, monitoring. */
  readonly objects: readonly KubeObject[];
  /** incarnation: the name's life (absent for the first), which picks the Terraform state key. */
  readonly terraform: { readonly module: "customer-instance"; readonly variables: CustomerInstanceVars; readonly incarnation?: string };
  /** The app package as rendered for this tenant (docs/adr/0013); absent for the built-in app. */
  readonly app?: PackagedApp;
}

const hashes = new WeakMap<Bundle, string>();

/**
 * sha256 over the canonical JSON (keys sorted at every level) of objects and Terraform
 * inputs, computed on first use: only delivery needs it (to skip unchanged tenants), and
 * it costs more than rendering. Canonical because user maps (labels, annotations, env,
 * overrides) keep the key order of the file they came from: specs that differ only in
 * that order give the same YAML, and so the same hash.
 */
export function bundleHash(bundle: Bundle): string {
  let hash = hashes.get(bundle);
  if (hash === undefined) {
    hash = canonicalHash({ objects: bundle.objects, variables: bundle.terraform.variables });
    hashes.set(bundle, hash);
  }
  return hash;
}

export function renderObjects(ctx: RenderContext, app?: PackagedApp): KubeObject[] {
  const { t } = ctx;
  // A package replaces the built-in app's workload objects; the platform keeps the rest.
  if (app) {
    // The package's objects go where the built-in app's were: before the Certificate, or,
    // with no domain served yet, before the monitoring objects.
    const platformObjects = renderObjects(ctx).filter((o) => !isBuiltinApp(o));
    const cert = platformObjects.findIndex((o) => o.kind === "Certificate");
    const monitoring = platformObjects.findIndex((o) => o.apiVersion.startsWith("monitoring.coreos.com/"));
    const at = cert >= 0 ? cert : monitoring >= 0 ? monitoring : platformObjects.length;
    return exposePackage([...platformObjects.slice(0, at), ...app.objects, ...platformObjects.slice(at)], app);
  }
  return [
    namespace(ctx),
    resourceQuota(t),
    limitRange(t),
    guardrailParams(ctx),
    ...networkPolicies(ctx),
    ...serviceAccounts(ctx),
    ...rbac(ctx),
    ...secretObjects(ctx),
    ...databaseObjects(ctx),
    configMap(t),
    deployment(ctx),
    service(t),
    autoscaler(t),
    disruptionBudget(t),
    // Absent while every domain is a custom one still pending its DNS challenge.
    ...present(certificate(ctx), ingress(ctx)),
    ...monitoringObjects(ctx),
  ];
}

function present(...objects: (KubeObject | undefined)[]): KubeObject[] {
  return objects.filter((o): o is KubeObject => o !== undefined);
}

export function renderBundle(platform: PlatformConfig, t: ResolvedTenant, cloud: CloudOutputs = {}, app?: PackagedApp): Bundle {
  const ctx: RenderContext = { t, platform, cloud };
  if (platform.app && !app) {
    // Every caller templates the package first (src/io/package/render-package.ts): rendering the generic app instead would deploy the wrong thing.
    throw new ProgrammingError("landlord.yaml names an app package (app.package), and this code path renders only the built-in app; it must render through bundleFor/renderTenantBundle (src/io/package/render-package.ts)");
  }
  const objects = renderObjects(ctx, app);
  const variables = customerInstanceVars(ctx);
  return {
    tenant: t.tenant.metadata.name,
    tier: t.tier.name,
    namespace: t.names.namespace,
    placement: t.placement,
    version: t.version,
    objects,
    terraform: { module: "customer-instance", variables, ...(t.incarnation !== null ? { incarnation: t.incarnation } : {}) },
    ...(app ? { app } : {}),
  };
}

function isBuiltinApp(o: KubeObject): boolean {
  return BUILTIN_APP_OBJECTS.some(([kind, name]) => o.kind === kind && o.metadata.name === name);
}
