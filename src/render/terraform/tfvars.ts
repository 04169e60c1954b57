/**
 * Inputs of terraform/modules/customer-instance for one tenant. The variable names are
 * a contract with the module's variables.tf; test/terraform checks both sides agree.
 */
import { poolLabelsAndTaints } from "../kubernetes/scheduling.js";
import { APP, DB, type RenderContext } from "../object.js";
import { BACKUP_CONTAINER } from "../kubernetes/database.js";
import { t, type HclType } from "./hcl-type.js";

export interface DnsRecord {
  name: string;
  type: "A" | "CNAME";
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
  dns_zone_name: string;
  dns_zone_resource_group_name: string;
  dns_records: DnsRecord[];
  workload_identity: { oidc_issuer_url: string; namespace: string; service_account: string };
  extra_service_accounts: string[];
  node_pool: {
    enabled: boolean;
    kubernetes_cluster_id: string;
    name: string;
    vm_size: string;
    min_count: number;
    max_count: number;
    labels: Record<string, string>;
    taints: string[];
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
  };
  tags: Record<string, string>;
}

/** Records for the tenant domains inside the platform zone; other domains are the customer's to point. */
export function dnsRecords({ t, platform }: RenderContext): DnsRecord[] {
  const { zone, target } = platform.integrations.dns;
  return t.tenant.spec.domains
    .filter((d) => d.endsWith(`.${zone}`))
    .map((d) => ({ name: d.slice(0, -(zone.length + 1)), type: target.type, target: target.value }));
}

const STRICT_COMPLIANCE = new Set(["gdpr", "hipaa", "pci"]);

export function customerInstanceVars(ctx: RenderContext): CustomerInstanceVars {
  const { t, platform } = ctx;
  const tier = t.tier.tier;
  const cluster = platform.clusters.find((c) => c.name === t.placement.cluster);
  const pool = poolLabelsAndTaints(t);
  return {
    tenant_name: t.tenant.metadata.name,
    customer: t.tenant.spec.customerId ?? t.tenant.metadata.name,
    tier: t.tier.name,
    isolation: tier.isolation,
    location: t.placement.region,
    resource_group_name: t.names.resourceGroup,
    compliance: [...t.tenant.spec.compliance].sort(),
    key_vault_name: t.names.keyVault,
    key_vault_soft_delete_retention_days: t.tenant.spec.compliance.some((c) => STRICT_COMPLIANCE.has(c)) ? 90 : 30,
    storage_account_name: t.names.storageAccount,
    backup_container_name: BACKUP_CONTAINER,
    backup_retention_days: t.effective.database.backup.retentionDays,
    dns_zone_name: platform.integrations.dns.zone,
    dns_zone_resource_group_name: platform.integrations.dns.resourceGroup,
    dns_records: dnsRecords(ctx),
    workload_identity: {
      oidc_issuer_url: t.placement.dedicatedCluster ? "" : (cluster?.oidcIssuerUrl ?? ""),
      namespace: t.names.namespace,
      service_account: APP,
    },
    // CloudNativePG runs as a ServiceAccount named after its cluster; its backups need the identity too.
    extra_service_accounts: [DB],
    node_pool: {
      enabled: tier.isolation === "nodepool",
      kubernetes_cluster_id: tier.isolation === "nodepool" ? (cluster?.resourceId ?? "") : "",
      name: tier.isolation === "nodepool" ? t.names.nodePool : "",
      vm_size: tier.nodePool?.vmSize ?? "",
      min_count: tier.nodePool?.minCount ?? 0,
      max_count: tier.nodePool?.maxCount ?? 0,
      labels: tier.isolation === "nodepool" ? pool.labels : {},
      taints: tier.isolation === "nodepool" ? pool.taints : [],
    },
    dedicated_cluster: {
      enabled: tier.isolation === "cluster",
      name: tier.isolation === "cluster" ? t.names.dedicatedCluster : "",
      kubernetes_version: tier.cluster?.kubernetesVersion ?? "",
      system_vm_size: tier.cluster?.systemVmSize ?? "",
      system_node_count: tier.cluster?.systemNodeCount ?? 0,
      app_vm_size: tier.cluster?.appVmSize ?? "",
      app_min_count: tier.cluster?.appMinCount ?? 0,
      app_max_count: tier.cluster?.appMaxCount ?? 0,
      sku_tier: tier.cluster?.skuTier ?? "",
    },
    tags: { platform: platform.platform.name },
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
  dns_zone_name: t.string,
  dns_zone_resource_group_name: t.string,
  dns_records: t.list(dnsRecord),
  workload_identity: t.object({ oidc_issuer_url: t.string, namespace: t.string, service_account: t.string }),
  extra_service_accounts: t.list(t.string),
  node_pool: t.object({
    enabled: t.bool,
    kubernetes_cluster_id: t.string,
    name: t.string,
    vm_size: t.string,
    min_count: t.number,
    max_count: t.number,
    labels: t.map(t.string),
    taints: t.list(t.string),
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
  }),
  tags: t.map(t.string),
};
