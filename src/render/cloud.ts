/**
 * The tenant's cloud side, as inputs to rendering.
 *
 * Names: Azure names that outlive a tenant (a Key Vault is reserved through its soft-delete
 * window, backups live in the storage account until retention ends) and the Terraform state
 * key are derived per tenant incarnation, not per name: a name offboarded and onboarded
 * again is a new incarnation, and must never be handed the previous customer's vault,
 * backups or state.
 *
 * Outputs: values that exist only once the tenant's cloud resources do (Terraform outputs),
 * absent on a first render, filled in after the cloud-resources step, so rendering stays pure.
 */
import { createHash } from "node:crypto";
import { InputError } from "../errors.js";
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
 * One onboarding of a tenant name, until its cloud resources are destroyed: 6-12 lowercase
 * letters and digits, chosen by the store when it records the onboarding and never reused.
 */
export type IncarnationId = string & { readonly __incarnation: true };

const INCARNATION = /^[a-z0-9]{6,12}$/;

export function incarnationId(value: string): IncarnationId {
  if (!INCARNATION.test(value)) {
    throw new InputError([{ path: "incarnation", message: `'${value}' is not an incarnation id`, fix: "use 6-12 lowercase letters and digits, as the store records them" }]);
  }
  return value as IncarnationId;
}

/** A fresh incarnation id from random bytes (base 36, 10 characters: about 51 bits). */
export function newIncarnationId(random: (bytes: number) => Buffer): IncarnationId {
  return incarnationId(random(8).readBigUInt64BE(0).toString(36).padStart(13, "0").slice(-10));
}

export interface CloudNames {
  readonly resourceGroup: string;
  readonly keyVault: string;
  readonly storageAccount: string;
  /** Key of the tenant's Terraform state in the backend container. */
  readonly stateKey: string;
}

/** Base-36 digits of sha256(text), as many as `length`. */
function hash36(text: string, length: number): string {
  return createHash("sha256").update(text).digest().readBigUInt64BE(0).toString(36).padStart(13, "0").slice(0, length);
}

const HASH = 8;

/**
 * Cloud names of a tenant incarnation. Without an incarnation: the names of today (per name,
 * from spec/names.ts; state key `<prefix><tenant>.tfstate`), so callers that do not pass one
 * yet keep working. With one: the same shapes and limits (Key Vault 24 characters with '-',
 * storage account 24 lowercase alphanumerics), the hash taken over platform, name and
 * incarnation, and the state key `<prefix><tenant>/<incarnation>.tfstate`. The resource
 * group carries the hash too, and with it everything named inside it (the identities and
 * their federated credentials, a dedicated cluster).
 */
export function cloudNames(platform: PlatformConfig, tenantName: string, incarnation?: IncarnationId): CloudNames {
  const prefix = platform.integrations.terraform.stateKeyPrefix;
  if (incarnation === undefined) {
    const names = tenantNames(platform, tenantName);
    return { resourceGroup: names.resourceGroup, keyVault: names.keyVault, storageAccount: names.storageAccount, stateKey: `${prefix}${tenantName}.tfstate` };
  }
  const h = hash36(`${platform.platform.name}/${tenantName}/${incarnation}`, HASH);
  const kvPrefix = platform.integrations.keyVault.namePrefix;
  const kvBody = tenantName.replace(/-+/g, "-").slice(0, 24 - kvPrefix.length - 1 - HASH).replace(/-+$/, "");
  const kvJoined = `${kvPrefix}${kvBody}`.replace(/-+/g, "-").replace(/-$/, "");
  const stPrefix = platform.integrations.azure.storageAccountPrefix;
  const alnum = tenantName.replace(/[^a-z0-9]/g, "");
  return {
    // Resource groups allow 90 characters: the tenant name (40 at most) always fits whole.
    resourceGroup: `${platform.integrations.azure.resourceGroupPrefix}${tenantName}-${h}`,
    keyVault: `${kvJoined}-${h}`,
    storageAccount: `${stPrefix}${alnum.slice(0, 24 - stPrefix.length - HASH)}${h}`,
    stateKey: `${prefix}${tenantName}/${incarnation}.tfstate`,
  };
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
