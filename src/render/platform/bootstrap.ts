/**
 * What every cluster of the fleet needs before tenants arrive, as plain objects any GitOps
 * tool can apply: today the admission guardrails.
 */
import type { PlatformConfig } from "../../spec/platform-schema.js";
import type { KubeObject } from "../object.js";
import { admissionPolicies } from "./admission-policies.js";

export function clusterBootstrap(config: PlatformConfig): KubeObject[] {
  return admissionPolicies(config);
}
