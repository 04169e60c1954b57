/** Pod placement for nodepool isolation: onto the tenant's own tainted pool, nowhere else. */
import type { ResolvedTenant } from "../../spec/resolve.js";

export const POOL_LABEL = "landlord.dev/tenant";

export interface Scheduling {
  nodeSelector?: Record<string, string>;
  tolerations?: { key: string; operator: "Equal"; value: string; effect: "NoSchedule" }[];
}

export function scheduling(t: ResolvedTenant): Scheduling {
  if (t.placement.nodePool === undefined) return {};
  const name = t.tenant.metadata.name;
  return {
    nodeSelector: { [POOL_LABEL]: name },
    tolerations: [{ key: POOL_LABEL, operator: "Equal", value: name, effect: "NoSchedule" }],
  };
}

/** The node pool's labels and taint, as the Terraform module must create them. */
export function poolLabelsAndTaints(t: ResolvedTenant): { labels: Record<string, string>; taints: string[] } {
  const name = t.tenant.metadata.name;
  return { labels: { [POOL_LABEL]: name }, taints: [`${POOL_LABEL}=${name}:NoSchedule`] };
}

/** Taints the API server's DefaultTolerationSeconds plugin tolerates on every pod, for a while. */
export const EVICTION_TAINTS: readonly string[] = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"];
export const MAX_TOLERATION_SECONDS = 300;
/** Node labels that say what a node is, not which one: a tenant may select on them. */
export const NEUTRAL_NODE_LABELS: readonly string[] = ["kubernetes.io/os", "kubernetes.io/arch"];

/**
 * The tolerations a tenant's pod may carry, an allow-list (admission says the same in CEL):
 * its own pool's taint, and the eviction taints for a bounded time. Anything else opens a
 * node the tenant must not reach (another pool, the system pool, a node gone for good).
 */
export function tolerationAllowed(t: { key?: unknown; operator?: unknown; value?: unknown; effect?: unknown; tolerationSeconds?: unknown }, tenant: string): boolean {
  const own = t.key === POOL_LABEL && t.value === tenant && (t.operator === undefined || t.operator === "Equal") && (t.effect === undefined || t.effect === "NoSchedule");
  const eviction = typeof t.key === "string" && EVICTION_TAINTS.includes(t.key) && t.effect === "NoExecute" && typeof t.tolerationSeconds === "number" && t.tolerationSeconds <= MAX_TOLERATION_SECONDS;
  return own || eviction;
}

/** A nodeSelector key a tenant's pod may use (with its own pool's value for the pool label). */
export function nodeSelectorAllowed(key: string, value: unknown, tenant: string): boolean {
  return NEUTRAL_NODE_LABELS.includes(key) || (key === POOL_LABEL && value === tenant);
}
