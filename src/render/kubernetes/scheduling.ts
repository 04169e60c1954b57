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
