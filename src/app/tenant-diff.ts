/**
 * What delivering a tenant's bundle would change, per object, as unified diffs: `landlord
 * diff` and GET /api/v1/tenants/:name/diff. With delivery.mode kubernetes the cluster
 * answers (a server-side dry-run apply); otherwise the rendered objects are compared with
 * what the delivery last wrote.
 */
import { createTwoFilesPatch } from "diff";
import { objectKey } from "../delivery/delivered.js";
import { ConflictError } from "../errors.js";
import type { Bundle } from "../render/bundle.js";
import { toYaml } from "../render/serialize.js";
import type { TenantRecord } from "../store/index.js";
import { storedTenant } from "../workflows/tenant/services.js";
import { kubernetesOf } from "./cluster-delivery.js";
import type { Runtime } from "./runtime.js";

/** The phases a diff compares: something of the tenant is delivered. */
export const DELIVERED_PHASES: readonly TenantRecord["phase"][] = ["Ready", "Failed", "Updating", "Provisioning"];

export function objectDiffs(tenant: string, before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: string[] = [];
  for (const key of keys) {
    const a = before.get(key) ?? "";
    const b = after.get(key) ?? "";
    if (a === b) continue;
    out.push(createTwoFilesPatch(before.has(key) ? `delivered/${tenant}/${key}` : "/dev/null", after.has(key) ? `rendered/${tenant}/${key}` : "/dev/null", a, b, "", "", { context: 3 }));
  }
  return out;
}

/** Unified diffs between the live objects and a server-side dry run of the bundle. */
export async function serverDiff(rt: Runtime, bundle: Bundle): Promise<string[]> {
  const k = kubernetesOf(rt);
  const { before, after } = await k.preview(bundle);
  const out: string[] = [];
  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.has(key) ? toYaml(before.get(key)) : "";
    const b = after.has(key) ? toYaml(after.get(key)) : "";
    if (a === b) continue;
    out.push(createTwoFilesPatch(before.has(key) ? `live/${bundle.tenant}/${key}` : "/dev/null", `dry-run/${bundle.tenant}/${key}`, a, b, "", "", { context: 3 }));
  }
  return out;
}

/** The patches delivering `bundle` would apply: the cluster's dry run in kubernetes mode, else rendered against delivered. */
export async function bundlePatches(rt: Runtime, tenant: string, bundle: Bundle): Promise<string[]> {
  if (rt.services.delivery.kind === "kubernetes") return serverDiff(rt, bundle);
  const rendered = new Map(bundle.objects.map((o) => [objectKey(o), toYaml(o)]));
  const delivered = (await rt.services.delivery.delivered?.(tenant)) ?? new Map<string, string>();
  return objectDiffs(tenant, delivered, rendered);
}

/** A stored tenant's spec, rendered with landlord.yaml as it is now, against what is delivered. */
export async function tenantDiff(rt: Runtime, record: TenantRecord) {
  if (!DELIVERED_PHASES.includes(record.phase)) throw new ConflictError(`tenant '${record.name}' is ${record.phase}: nothing of it is delivered to compare`);
  const { bundle } = await storedTenant(rt.services, record);
  const kubernetes = rt.services.delivery.kind === "kubernetes";
  const patches = await bundlePatches(rt, record.name, bundle);
  // A Terraform plan takes minutes and holds the state lock: the CLI shows it, the API says where.
  const notConfigured = await rt.services.terraform.notConfigured();
  return {
    tenant: record.name,
    method: kubernetes ? ("server-dry-run" as const) : ("render" as const),
    differences: patches.length,
    patches,
    terraform: notConfigured ?? `configured; \`landlord diff ${record.name}\` shows its plan`,
  };
}
