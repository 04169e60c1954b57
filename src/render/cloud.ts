/**
 * The tenant's cloud side, as inputs to rendering: values that exist only once the tenant's
 * cloud resources do (Terraform outputs), absent on a first render, filled in after the
 * cloud-resources step, so rendering stays pure. The names of those resources are in
 * src/spec/cloud-names.ts.
 */
import type { PlatformConfig } from "../spec/platform-schema.js";
import { tenantNames } from "../spec/names.js";

export interface CloudOutputs {
  /** Client id of the app's user-assigned identity (reads the tenant's Key Vault). */
  readonly appIdentityClientId?: string;
  /** Client id of the database's user-assigned identity (writes the backups). */
  readonly databaseIdentityClientId?: string;
  /**
   * Client id of the one identity that tenants made before the split had; it serves both
   * workloads until the next cloud-resources run records the two.
   */
  readonly identityClientId?: string;
  /** The resource group Terraform made: a resource group never moves, so its name is pinned once made. */
  readonly resourceGroupName?: string;
}

export type Workload = "app" | "database";

export function workloadIdentityAnnotations(cloud: CloudOutputs, workload: Workload): Record<string, string> {
  const id = (workload === "app" ? cloud.appIdentityClientId : cloud.databaseIdentityClientId) ?? cloud.identityClientId;
  return id ? { "azure.workload.identity/client-id": id } : {};
}

/** Whether both workloads have the identity Terraform made for them. */
export function hasWorkloadIdentities(cloud: CloudOutputs | undefined): boolean {
  return cloud !== undefined && Object.keys(workloadIdentityAnnotations(cloud, "app")).length > 0 && Object.keys(workloadIdentityAnnotations(cloud, "database")).length > 0;
}

/**
 * The tenant's resource group. Once made, its recorded name wins (renaming would replace
 * everything in it). Outputs recorded before resource groups were named per incarnation
 * carry only the single identity: that resource group has the per-name name.
 */
export function resourceGroupOf(platform: PlatformConfig, tenantName: string, resolved: string, cloud: CloudOutputs): string {
  if (cloud.resourceGroupName !== undefined) return cloud.resourceGroupName;
  if (cloud.identityClientId !== undefined) return tenantNames(platform, tenantName).resourceGroup;
  return resolved;
}

/**
 * Where a dedicated cluster's ingress address lives (terraform/modules/customer-instance/
 * ingress.tf names it the same way; test/terraform checks both agree): a resource group of
 * its own beside the tenant's, so the cluster's identity needs rights there and nowhere else.
 */
export interface IngressAddress {
  readonly publicIpName: string;
  readonly resourceGroup: string;
}

export function dedicatedIngressAddress(platform: PlatformConfig, tenantName: string): IngressAddress {
  const names = tenantNames(platform, tenantName);
  return { publicIpName: `pip-${names.dedicatedCluster}-ingress`, resourceGroup: `${names.resourceGroup}-ingress` };
}
