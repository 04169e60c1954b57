/**
 * Names derived from a tenant name. Every derived name must be valid for every valid
 * tenant name, and unique per tenant: where a target's rules are tighter than a DNS label
 * (Azure Key Vault, storage accounts, AKS node pools), the name is truncated and a short
 * hash of the platform and tenant names keeps it unique.
 */
import { createHash } from "node:crypto";
import type { PlatformConfig } from "./platform-schema.js";

export interface TenantNames {
  readonly namespace: string;
  readonly keyVault: string;
  readonly storageAccount: string;
  readonly nodePool: string;
  readonly dedicatedCluster: string;
  readonly resourceGroup: string;
}

/**
 * Base-36 digits of sha256(platform/tenant). Eight digits are 41 bits: across 10,000
 * tenants the chance of any clash is about 2 in 100,000 (and checkFleet still catches it).
 */
function shortHash(platformName: string, tenantName: string, length: number): string {
  const digest = createHash("sha256").update(`${platformName}/${tenantName}`).digest();
  return digest.readBigUInt64BE(0).toString(36).padStart(13, "0").slice(0, length);
}

const HASH = 8;

export function tenantNames(platform: PlatformConfig, tenantName: string): TenantNames {
  const { namespacePrefix, name: platformName } = platform.platform;
  const alnum = tenantName.replace(/[^a-z0-9]/g, "");
  const kvPrefix = platform.integrations.keyVault.namePrefix;
  const kvRoom = 24 - kvPrefix.length - 1 - HASH;
  const kvBody = tenantName.replace(/-+/g, "-").slice(0, kvRoom).replace(/-+$/, "");
  const kvJoined = `${kvPrefix}${kvBody}`.replace(/-+/g, "-").replace(/-$/, "");
  const stPrefix = platform.integrations.azure.storageAccountPrefix;
  return {
    namespace: `${namespacePrefix}${tenantName}`,
    keyVault: `${kvJoined}-${shortHash(platformName, tenantName, HASH)}`,
    storageAccount: `${stPrefix}${alnum.slice(0, 24 - stPrefix.length - HASH)}${shortHash(platformName, tenantName, HASH)}`,
    // AKS pool names are 12 characters at most: the hash is most of it.
    nodePool: `t${alnum.slice(0, 11 - HASH)}${shortHash(platformName, tenantName, HASH)}`,
    dedicatedCluster: `aks-${tenantName}`,
    resourceGroup: `${platform.integrations.azure.resourceGroupPrefix}${tenantName}`,
  };
}

/** Kubernetes namespaces no tenant may take, whatever the prefix. */
export function reservedNamespaces(platform: PlatformConfig): Set<string> {
  const i = platform.integrations;
  return new Set([
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    i.ingress.namespace,
    i.monitoring.namespace,
    i.cnpg.namespace,
    i.dnsResolver.namespace,
    i.certManager.namespace,
    "external-secrets",
    "argocd",
    "landlord-system",
    // The local secret provider's namespace holds every tenant's secrets: no tenant may be its admin.
    ...(i.keyVault.provider.type === "kubernetes" ? [i.keyVault.provider.namespace] : []),
  ]);
}

export function reservedTenantNames(platform: PlatformConfig): Set<string> {
  return new Set([...reservedNamespaces(platform), "landlord", "platform", "system", ...platform.platform.reservedNames]);
}
