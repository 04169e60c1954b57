/** The common shape of every rendered object, and the labels every one of them carries. */
import type { PlatformConfig } from "../spec/platform-schema.js";
import { billingIdentity, type ResolvedTenant } from "../spec/resolve.js";
import type { CloudOutputs } from "./cloud.js";

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export const LABEL = {
  managedBy: "app.kubernetes.io/managed-by",
  name: "app.kubernetes.io/name",
  component: "app.kubernetes.io/component",
  tenant: "landlord.dev/tenant",
  tier: "landlord.dev/tier",
  customer: "landlord.dev/customer",
} as const;

/** Name of the app's objects inside the tenant namespace (a namespace holds one tenant). */
export const APP = "app";
/** Name of the CloudNativePG cluster inside the tenant namespace. */
export const DB = "db";

const ownership = new WeakMap<ResolvedTenant, Readonly<Record<string, string>>>();

/**
 * Labels that cost tracking and pruning rely on: on every object Landlord renders. Built
 * once per tenant and shared by its objects (rendered objects are never mutated), which
 * halves the allocations of a fleet render.
 */
export function ownershipLabels(t: ResolvedTenant): Record<string, string> {
  let labels = ownership.get(t);
  if (!labels) {
    labels = Object.freeze({
      [LABEL.managedBy]: "landlord",
      [LABEL.tenant]: t.tenant.metadata.name,
      [LABEL.tier]: t.tier.name,
      [LABEL.customer]: billingIdentity(t.tenant),
    });
    ownership.set(t, labels);
  }
  return labels;
}

export function meta(t: ResolvedTenant, name: string, extra?: Record<string, string>): ObjectMeta {
  const labels = extra === undefined || Object.keys(extra).length === 0 ? ownershipLabels(t) : { ...extra, ...ownershipLabels(t) };
  return { name, namespace: t.names.namespace, labels };
}

/** Selector labels of the app pods: stable across versions so rollouts keep matching. */
export function appSelector(t: ResolvedTenant): Record<string, string> {
  return { [LABEL.name]: APP, [LABEL.tenant]: t.tenant.metadata.name };
}

/** Built-in objects are written against kubernetes-models' interfaces, then widened here. */
export function asObject(o: { apiVersion: string; kind: string; metadata: ObjectMeta }): KubeObject {
  return o;
}

/** What every renderer reads: the resolved tenant and the platform it lives on. */
export interface RenderContext {
  readonly t: ResolvedTenant;
  readonly platform: PlatformConfig;
  readonly cloud: CloudOutputs;
}
