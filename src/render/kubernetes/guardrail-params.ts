/**
 * The tenant's parameters for the platform's admission policies: its name, hosts and node
 * pool. The tenant's roles cannot write ConfigMaps, so it cannot widen its own fence.
 */
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import { asObject, meta, type KubeObject, type RenderContext } from "../object.js";
import { defaultGroups } from "./rbac.js";

export const GUARDRAIL_PARAMS = "landlord-guardrails";

export function guardrailParams({ t }: RenderContext): KubeObject {
  const cm: IConfigMap & { metadata: ReturnType<typeof meta> } = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(t, GUARDRAIL_PARAMS),
    data: {
      tenant: t.tenant.metadata.name,
      // Served domains only: a custom domain still pending its DNS challenge is not the tenant's yet.
      hosts: t.domains.served.map((d) => d.toLowerCase()).join(","),
      dedicatedNodePool: t.placement.nodePool === undefined ? "false" : "true",
      // Who acts as the tenant's people (one per line): their Jobs may not mount Secrets
      // unless the platform lets tenant admins read them (policy.tenantAdmin.readSecrets).
      adminGroups: defaultGroups(t).admins.join("\n"),
    },
  };
  return asObject(cm);
}
