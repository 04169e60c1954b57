/**
 * What every cluster of the fleet needs before tenants arrive, as plain objects any GitOps
 * tool can apply: the admission guardrails. `landlord bootstrap` applies exactly these.
 *
 * The cluster add-ons (ingress controller, cert-manager, CloudNativePG, External Secrets,
 * monitoring stack) are not part of it (docs/adr/0019): with GitOps delivery Argo CD installs
 * them per cluster from the charts pinned in landlord.yaml (src/render/gitops/addons.ts); with
 * kubernetes delivery the operator installs them, and delivery refuses a tenant whose kinds
 * the cluster does not serve, naming the operator to install (src/delivery/kubernetes/discovery.ts).
 * Installing charts is a package manager's job with its own upgrade and rollback story;
 * server-side applying a rendered chart once would leave nothing to upgrade it.
 */
import type { PlatformConfig } from "../../spec/platform-schema.js";
import type { KubeObject } from "../object.js";
import { admissionPolicies } from "./admission-policies.js";

export function clusterBootstrap(config: PlatformConfig): KubeObject[] {
  return admissionPolicies(config);
}
