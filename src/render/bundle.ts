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

export interface Bundle {
  readonly tenant: string;
  readonly tier: string;
  readonly namespace: string;
  readonly placement: Placement;
  readonly version: string;
  /** Namespace first, then fences, identity, data, workload, exposure, monitoring. */
  readonly objects: readonly KubeObject[];
  readonly terraform: { readonly module: "customer-instance"; readonly variables: CustomerInstanceVars };
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

export function renderObjects(ctx: RenderContext): KubeObject[] {
  const { t } = ctx;
  return [
    namespace(t),
    resourceQuota(t),
    limitRange(t),
    guardrailParams(ctx),
    ...networkPolicies(ctx),
    ...serviceAccounts(ctx),
    ...rbac(t),
    ...secretObjects(ctx),
    ...databaseObjects(t, ctx.cloud),
    configMap(t),
    deployment(ctx),
    service(t),
    autoscaler(t),
    disruptionBudget(t),
    certificate(ctx),
    ingress(ctx),
    ...monitoringObjects(ctx),
  ];
}

export function renderBundle(platform: PlatformConfig, t: ResolvedTenant, cloud: CloudOutputs = {}): Bundle {
  const ctx: RenderContext = { t, platform, cloud };
  const objects = renderObjects(ctx);
  const variables = customerInstanceVars(ctx);
  return {
    tenant: t.tenant.metadata.name,
    tier: t.tier.name,
    namespace: t.names.namespace,
    placement: t.placement,
    version: t.version,
    objects,
    terraform: { module: "customer-instance", variables },
  };
}
