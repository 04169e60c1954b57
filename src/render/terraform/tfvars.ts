/**
 * Inputs of terraform/modules/customer-instance for one tenant. The variable names are
 * a contract with the module's variables.tf; test/terraform checks both sides agree.
 */
import { poolLabelsAndTaints } from "../kubernetes/scheduling.js";
import { APP, DB, type RenderContext } from "../object.js";
import { BACKUP_CONTAINER } from "../kubernetes/database.js";
import { t, type HclType } from "./hcl-type.js";
import { backupWindow } from "./backup-window.js";
import type { PlatformConfig } from "../../spec/platform-schema.js";
import { billingIdentity } from "../../spec/resolve.js";
import { dedicatedIngressAddress, resourceGroupOf } from "../cloud.js";

export interface DnsRecord {
  name: string;
  /** INGRESS: an alias of the tenant's dedicated cluster's ingress address, which the module creates (target ""). */
  type: "A" | "CNAME" | "INGRESS";
  target: string;
}

export interface CustomerInstanceVars {
  tenant_name: string;
  customer: string;
  tier: string;
  isolation: string;
  location: string;
  resource_group_name: string;
  compliance: string[];
  key_vault_name: string;
  key_vault_soft_delete_retention_days: number;
  storage_account_name: string;
  backup_container_name: string;
  backup_retention_days: number;
  database_backups: { recovery_window_days: number; base_backup_interval_days: number };
  dns_zone_name: string;
  dns_zone_resource_group_name: string;
  dns_records: DnsRecord[];
  workload_identity: { oidc_issuer_url: string; namespace: string; app_service_account: string; database_service_account: string };
  /** The tenant is offboarded: only its data is kept until the purge (module README, Lifecycle). */
  retained: boolean;
  node_pool: {
    enabled: boolean;
    kubernetes_cluster_id: string;
    name: string;
    vm_size: string;
    min_count: number;
    max_count: number;
    labels: Record<string, string>;
    taints: string[];
    vnet_subnet_id: string;
  };
  dedicated_cluster: {
    enabled: boolean;
    name: string;
    kubernetes_version: string;
    system_vm_size: string;
    system_node_count: number;
    app_vm_size: string;
    app_min_count: number;
    app_max_count: number;
    sku_tier: string;
    vnet_subnet_id: string;
    ingress_public_ip_name: string;
    ingress_resource_group_name: string;
  };
  tags: Record<string, string>;
  cloud_posture: {
    public_network_access_enabled: boolean;
    private_endpoint_subnet_id: string;
    key_vault_private_dns_zone_id: string;
    blob_private_dns_zone_id: string;
    diagnostics_enabled: boolean;
    log_analytics_workspace_id: string;
    locks_enabled: boolean;
    purge_protection_enabled: boolean;
  };
  argocd_registration: { key_vault_id: string; principal_id: string };
}

/**
 * Records for the tenant domains inside the platform zone; other domains are the customer's to
 * point. A tenant on a dedicated cluster is served by that cluster's own ingress controller, so
 * its names alias that cluster's address (docs/adr/0019); the others point at the shared ingress.
 */
export function dnsRecords({ t, platform }: RenderContext): DnsRecord[] {
  const { zone, target } = platform.integrations.dns;
  const own = t.tier.tier.isolation === "cluster";
  return t.tenant.spec.domains
    .filter((d) => d.endsWith(`.${zone}`))
    .map((d) => ({ name: d.slice(0, -(zone.length + 1)), ...(own ? { type: "INGRESS" as const, target: "" } : { type: target.type, target: target.value }) }));
}

/** What lets a dedicated cluster register itself with Argo CD (docs/adr/0016); "" leaves it to the operator. */
export function argocdRegistrationVars(platform: PlatformConfig): CustomerInstanceVars["argocd_registration"] {
  const r = platform.integrations.gitops?.clusterRegistration;
  return { key_vault_id: r?.platformKeyVaultId ?? "", principal_id: r?.argocdPrincipalId ?? "" };
}

/**
 * Azure's maximum, for every tenant: the retention cannot be changed once the vault
 * exists, so it must not follow anything that can (compliance tags, tiers).
 */
export const KEY_VAULT_SOFT_DELETE_RETENTION_DAYS = 90;

export function cloudPostureVars(platform: PlatformConfig): CustomerInstanceVars["cloud_posture"] {
  const p = platform.integrations.cloudPosture;
  return {
    public_network_access_enabled: p.publicNetworkAccess,
    private_endpoint_subnet_id: p.privateEndpointSubnetId ?? "",
    key_vault_private_dns_zone_id: p.privateDnsZoneIds.keyVault ?? "",
    blob_private_dns_zone_id: p.privateDnsZoneIds.blob ?? "",
    diagnostics_enabled: p.diagnostics,
    log_analytics_workspace_id: p.logAnalyticsWorkspaceId ?? "",
    locks_enabled: p.locks,
    purge_protection_enabled: p.purgeProtection,
  };
}

export function customerInstanceVars(ctx: RenderContext): CustomerInstanceVars {
  const { t, platform } = ctx;
  const tier = t.tier.tier;
  const cluster = platform.clusters.find((c) => c.name === t.placement.cluster);
  const pool = poolLabelsAndTaints(t);
  const ingress = tier.isolation === "cluster" ? dedicatedIngressAddress(platform, t.tenant.metadata.name) : undefined;
  const backups = backupWindow(t.effective.database.backup.schedule, t.effective.database.backup.retentionDays);
  return {
    tenant_name: t.tenant.metadata.name,
    customer: billingIdentity(t.tenant),
    tier: t.tier.name,
    isolation: tier.isolation,
    location: t.placement.region,
    resource_group_name: resourceGroupOf(platform, t.tenant.metadata.name, t.names.resourceGroup, ctx.cloud),
    compliance: [...t.tenant.spec.compliance].sort(),
    key_vault_name: t.names.keyVault,
    key_vault_soft_delete_retention_days: KEY_VAULT_SOFT_DELETE_RETENTION_DAYS,
    storage_account_name: t.names.storageAccount,
    backup_container_name: BACKUP_CONTAINER,
    backup_retention_days: backups.storageRetentionDays,
    database_backups: { recovery_window_days: backups.recoveryWindowDays, base_backup_interval_days: backups.baseBackupIntervalDays },
    dns_zone_name: platform.integrations.dns.zone,
    dns_zone_resource_group_name: platform.integrations.dns.resourceGroup,
    dns_records: dnsRecords(ctx),
    workload_identity: {
      oidc_issuer_url: t.placement.dedicatedCluster ? "" : (cluster?.oidcIssuerUrl ?? ""),
      namespace: t.names.namespace,
      app_service_account: APP,
      // CloudNativePG runs as a ServiceAccount named after its cluster.
      database_service_account: DB,
    },
    retained: false,
    node_pool: {
      enabled: tier.isolation === "nodepool",
      kubernetes_cluster_id: tier.isolation === "nodepool" ? (cluster?.resourceId ?? "") : "",
      name: tier.isolation === "nodepool" ? t.names.nodePool : "",
      vm_size: tier.nodePool?.vmSize ?? "",
      min_count: tier.nodePool?.minCount ?? 0,
      max_count: tier.nodePool?.maxCount ?? 0,
      labels: tier.isolation === "nodepool" ? pool.labels : {},
      taints: tier.isolation === "nodepool" ? pool.taints : [],
      vnet_subnet_id: tier.isolation === "nodepool" ? (cluster?.nodeSubnetId ?? "") : "",
    },
    dedicated_cluster: {
      enabled: tier.isolation === "cluster",
      name: tier.isolation === "cluster" ? t.names.dedicatedCluster : "",
      kubernetes_version: tier.cluster === undefined ? "" : (tier.cluster.kubernetesVersion ?? platform.platform.kubernetesVersion ?? ""),
      system_vm_size: tier.cluster?.systemVmSize ?? "",
      system_node_count: tier.cluster?.systemNodeCount ?? 0,
      app_vm_size: tier.cluster?.appVmSize ?? "",
      app_min_count: tier.cluster?.appMinCount ?? 0,
      app_max_count: tier.cluster?.appMaxCount ?? 0,
      sku_tier: tier.cluster?.skuTier ?? "",
      vnet_subnet_id: tier.isolation === "cluster" ? (platform.integrations.cloudPosture.dedicatedClusterSubnetId ?? "") : "",
      ingress_public_ip_name: ingress?.publicIpName ?? "",
      ingress_resource_group_name: ingress?.resourceGroup ?? "",
    },
    tags: { platform: platform.platform.name },
    cloud_posture: cloudPostureVars(platform),
    argocd_registration: argocdRegistrationVars(platform),
  };
}


/** The type of every variable the generator writes: the contract test/terraform checks. */
const dnsRecord = t.object({ name: t.string, type: t.string, target: t.string });
export const CUSTOMER_INSTANCE_TYPES: Record<keyof CustomerInstanceVars, HclType> = {
  tenant_name: t.string,
  customer: t.string,
  tier: t.string,
  isolation: t.string,
  location: t.string,
  resource_group_name: t.string,
  compliance: t.list(t.string),
  key_vault_name: t.string,
  key_vault_soft_delete_retention_days: t.number,
  storage_account_name: t.string,
  backup_container_name: t.string,
  backup_retention_days: t.number,
  database_backups: t.object({ recovery_window_days: t.number, base_backup_interval_days: t.number }),
  dns_zone_name: t.string,
  dns_zone_resource_group_name: t.string,
  dns_records: t.list(dnsRecord),
  workload_identity: t.object({ oidc_issuer_url: t.string, namespace: t.string, app_service_account: t.string, database_service_account: t.string }),
  retained: t.bool,
  node_pool: t.object({
    enabled: t.bool,
    kubernetes_cluster_id: t.string,
    name: t.string,
    vm_size: t.string,
    min_count: t.number,
    max_count: t.number,
    labels: t.map(t.string),
    taints: t.list(t.string),
    vnet_subnet_id: t.string,
  }),
  dedicated_cluster: t.object({
    enabled: t.bool,
    name: t.string,
    kubernetes_version: t.string,
    system_vm_size: t.string,
    system_node_count: t.number,
    app_vm_size: t.string,
    app_min_count: t.number,
    app_max_count: t.number,
    sku_tier: t.string,
    vnet_subnet_id: t.string,
    ingress_public_ip_name: t.string,
    ingress_resource_group_name: t.string,
  }),
  tags: t.map(t.string),
  cloud_posture: t.object({
    public_network_access_enabled: t.bool,
    private_endpoint_subnet_id: t.string,
    key_vault_private_dns_zone_id: t.string,
    blob_private_dns_zone_id: t.string,
    diagnostics_enabled: t.bool,
    log_analytics_workspace_id: t.string,
    locks_enabled: t.bool,
    purge_protection_enabled: t.bool,
  }),
  argocd_registration: t.object({ key_vault_id: t.string, principal_id: t.string }),
};
