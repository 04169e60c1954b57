# -----------------------------------------------------------------------------
# Interface written by the Landlord generator (terraform.tfvars.json).
# Names and types are a contract with the TypeScript side: do not rename.
# -----------------------------------------------------------------------------

variable "tenant_name" {
  description = "Tenant identifier. A DNS label (1-40 characters of lowercase letters, digits and '-', starting and ending with a letter or digit); used in resource names and the `tenant` tag."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.tenant_name) >= 1 && length(var.tenant_name) <= 40 && can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.tenant_name))
    error_message = "The tenant_name must be a DNS label of 1-40 characters: lowercase letters, digits and '-', starting and ending with a letter or digit."
  }
}

variable "customer" {
  description = "Customer display name or identifier; recorded in the `customer` tag."
  type        = string
  nullable    = false

  validation {
    condition     = length(trimspace(var.customer)) > 0 && length(var.customer) <= 256
    error_message = "The customer must be a non-empty string of at most 256 characters (the Azure tag value limit)."
  }
}

variable "tier" {
  description = "Service tier of the tenant: small, medium or large."
  type        = string
  nullable    = false

  validation {
    condition     = contains(["small", "medium", "large"], var.tier)
    error_message = "The tier must be one of: small, medium, large."
  }
}

variable "isolation" {
  description = "Isolation level: namespace (shared pools), nodepool (dedicated node pool in the shared cluster, requires node_pool.enabled) or cluster (dedicated AKS cluster, requires dedicated_cluster.enabled)."
  type        = string
  nullable    = false

  validation {
    condition     = contains(["namespace", "nodepool", "cluster"], var.isolation)
    error_message = "The isolation must be one of: namespace, nodepool, cluster."
  }
}

variable "location" {
  description = "Azure region for the tenant's resources, e.g. westeurope."
  type        = string
  nullable    = false

  validation {
    condition     = length(trimspace(var.location)) > 0
    error_message = "The location must not be empty."
  }
}

variable "resource_group_name" {
  description = "Name of the tenant's resource group. The module creates it."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[-\\w.()]{1,90}$", var.resource_group_name)) && !endswith(var.resource_group_name, ".")
    error_message = "The resource_group_name must be 1-90 characters of letters, digits, '_', '-', '.', '(' or ')' and must not end with '.'."
  }
}

variable "compliance" {
  description = "Compliance regimes that apply to the tenant, e.g. [\"gdpr\", \"pci\"]. Recorded in the `compliance` tag only: it changes no setting that Azure refuses to change later (soft-delete retention, purge protection)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for c in var.compliance : can(regex("^[a-z0-9][a-z0-9-]{0,31}$", c))])
    error_message = "Each compliance entry must be a lowercase tag of 1-32 characters (letters, digits, '-'), e.g. gdpr, hipaa, pci."
  }
}

variable "key_vault_name" {
  description = "Globally unique name of the tenant's Key Vault (3-24 characters, starts with a letter, letters/digits/'-', no '--')."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$", var.key_vault_name)) && !can(regex("--", var.key_vault_name))
    error_message = "The key_vault_name must be 3-24 characters, start with a letter, end with a letter or digit, contain only letters, digits and '-', and have no consecutive hyphens."
  }
}

variable "key_vault_soft_delete_retention_days" {
  description = "Days a deleted Key Vault (and its deleted secrets) stay recoverable. Azure allows 7-90; it can only be set at creation, so it is fixed for the life of the vault (terraform_data.key_vault_settings refuses a change at plan time)."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = var.key_vault_soft_delete_retention_days >= 7 && var.key_vault_soft_delete_retention_days <= 90 && floor(var.key_vault_soft_delete_retention_days) == var.key_vault_soft_delete_retention_days
    error_message = "The key_vault_soft_delete_retention_days must be a whole number between 7 and 90."
  }
}

variable "storage_account_name" {
  description = "Globally unique name of the storage account holding the CloudNativePG backups (3-24 lowercase letters and digits)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.storage_account_name))
    error_message = "The storage_account_name must be 3-24 characters of lowercase letters and digits only."
  }
}

variable "backup_container_name" {
  description = "Name of the private blob container the CloudNativePG backups are written to."
  type        = string
  default     = "cnpg-backups"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.backup_container_name)) && !can(regex("--", var.backup_container_name))
    error_message = "The backup_container_name must be 3-63 characters of lowercase letters, digits and '-', start and end with a letter or digit, and have no consecutive hyphens."
  }
}

variable "backup_retention_days" {
  description = "Blobs (and their versions and snapshots) in the backup container are deleted by a lifecycle rule this many days after they were last modified. Must exceed database_backups.recovery_window_days + database_backups.base_backup_interval_days (checked at plan time): the base backup a point-in-time recovery starts from is that old at the far end of the window."
  type        = number
  nullable    = false

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 3650 && floor(var.backup_retention_days) == var.backup_retention_days
    error_message = "The backup_retention_days must be a whole number between 1 and 3650."
  }
}

variable "database_backups" {
  description = "What CloudNativePG needs from the backup container: recovery_window_days is its retentionPolicy (how far back a point-in-time recovery may go); base_backup_interval_days the longest gap between two scheduled base backups."
  type = object({
    recovery_window_days      = number
    base_backup_interval_days = number
  })
  nullable = false

  validation {
    condition     = var.database_backups.recovery_window_days >= 1 && var.database_backups.base_backup_interval_days >= 1 && floor(var.database_backups.recovery_window_days) == var.database_backups.recovery_window_days && floor(var.database_backups.base_backup_interval_days) == var.database_backups.base_backup_interval_days
    error_message = "The database_backups days must be whole numbers of at least 1."
  }
}

variable "cloud_posture" {
  description = "Network and audit posture of the tenant's Key Vault and backup storage, defaulting to the Azure Verified Modules defaults: no public network access (private endpoints in private_endpoint_subnet_id, with the privatelink DNS zones), diagnostic settings to a Log Analytics workspace, CanNotDelete locks, Key Vault purge protection. Each is an explicit opt-out in landlord.yaml (integrations.cloudPosture)."
  type = object({
    public_network_access_enabled = bool
    private_endpoint_subnet_id    = string
    key_vault_private_dns_zone_id = string
    blob_private_dns_zone_id      = string
    diagnostics_enabled           = bool
    log_analytics_workspace_id    = string
    locks_enabled                 = bool
    purge_protection_enabled      = bool
  })
  default = {
    public_network_access_enabled = false
    private_endpoint_subnet_id    = ""
    key_vault_private_dns_zone_id = ""
    blob_private_dns_zone_id      = ""
    diagnostics_enabled           = true
    log_analytics_workspace_id    = ""
    locks_enabled                 = true
    purge_protection_enabled      = true
  }
  nullable = false

  validation {
    condition     = var.cloud_posture.private_endpoint_subnet_id == "" || can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Network/virtualNetworks/[^/]+/subnets/[^/]+$", var.cloud_posture.private_endpoint_subnet_id))
    error_message = "The cloud_posture.private_endpoint_subnet_id must be \"\" or a subnet resource ID (/subscriptions/.../virtualNetworks/VNET/subnets/SUBNET)."
  }

  validation {
    condition     = alltrue([for z in [var.cloud_posture.key_vault_private_dns_zone_id, var.cloud_posture.blob_private_dns_zone_id] : z == "" || can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Network/privateDnsZones/[^/]+$", z))])
    error_message = "The cloud_posture private DNS zone IDs must be \"\" or private DNS zone resource IDs (privatelink.vaultcore.azure.net, privatelink.blob.core.windows.net)."
  }

  validation {
    condition     = var.cloud_posture.log_analytics_workspace_id == "" || can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.OperationalInsights/workspaces/[^/]+$", var.cloud_posture.log_analytics_workspace_id))
    error_message = "The cloud_posture.log_analytics_workspace_id must be \"\" or the resource ID of a Log Analytics workspace."
  }
}

variable "dns_zone_name" {
  description = "Existing public DNS zone (normally the platform zone) in which the tenant's records are created, e.g. apps.example.com."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.dns_zone_name) <= 253 && can(regex("^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)+[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.dns_zone_name))
    error_message = "The dns_zone_name must be a lowercase fully qualified domain name without a trailing dot, e.g. apps.example.com."
  }
}

variable "dns_zone_resource_group_name" {
  description = "Resource group that holds dns_zone_name."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[-\\w.()]{1,90}$", var.dns_zone_resource_group_name)) && !endswith(var.dns_zone_resource_group_name, ".")
    error_message = "The dns_zone_resource_group_name must be 1-90 characters of letters, digits, '_', '-', '.', '(' or ')' and must not end with '.'."
  }
}

variable "dns_records" {
  description = "Records to create in dns_zone_name. `name` is relative to the zone (\"@\" is the apex, \"*\" a wildcard); `type` is \"A\" (target = IPv4 address), \"CNAME\" (target = host name) or \"INGRESS\" (target = \"\": an A alias record of the dedicated cluster's ingress public IP, ingress.tf; only with dedicated_cluster.enabled). Several A entries with the same name form one record set."
  type = list(object({
    name   = string
    type   = string
    target = string
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for r in var.dns_records : contains(["A", "CNAME", "INGRESS"], r.type)])
    error_message = "Each dns_records entry must have type \"A\", \"CNAME\" or \"INGRESS\"."
  }

  validation {
    condition     = alltrue([for r in var.dns_records : r.type != "INGRESS" || (r.target == "" && length([for o in var.dns_records : o if o.name == r.name && o.type != "INGRESS"]) == 0)])
    error_message = "An INGRESS record has an empty target (the module knows the address), and its name must not be used by an A or CNAME record."
  }

  validation {
    condition     = alltrue([for r in var.dns_records : can(regex("^(@|\\*|(\\*\\.)?[a-z0-9_]([-a-z0-9_]{0,61}[a-z0-9_])?(\\.[a-z0-9_]([-a-z0-9_]{0,61}[a-z0-9_])?)*)$", r.name))])
    error_message = "Each dns_records name must be \"@\", \"*\" or a lowercase name relative to the zone (dot-separated labels, optionally starting with \"*.\")."
  }

  validation {
    condition     = alltrue([for r in var.dns_records : r.type != "A" || can(regex("^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$", r.target))])
    error_message = "The target of an A record must be an IPv4 address."
  }

  validation {
    condition     = alltrue([for r in var.dns_records : r.type != "CNAME" || (length(r.target) <= 253 && can(regex("^([a-zA-Z0-9_]([-a-zA-Z0-9_]{0,61}[a-zA-Z0-9])?\\.)*[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?\\.?$", r.target)))])
    error_message = "The target of a CNAME record must be a host name, e.g. ingress.apps.example.com."
  }

  validation {
    condition     = alltrue([for r in var.dns_records : r.type != "CNAME" || (r.name != "@" && length([for o in var.dns_records : o if o.name == r.name]) == 1)])
    error_message = "A CNAME record cannot be at the zone apex (\"@\") and its name must not be used by any other record."
  }
}

variable "workload_identity" {
  description = "Kubernetes service accounts federated with the tenant's two user-assigned identities: app_service_account with the app identity (reads the Key Vault), database_service_account with the database identity (writes the backups; CloudNativePG names it after its cluster). oidc_issuer_url is the issuer of the cluster the workload runs in; it may be \"\" when dedicated_cluster.enabled is true (the dedicated cluster's issuer is used then)."
  type = object({
    oidc_issuer_url          = string
    namespace                = string
    app_service_account      = string
    database_service_account = string
  })
  nullable = false

  validation {
    condition     = var.workload_identity.oidc_issuer_url == "" || can(regex("^https://[^\\s/]+(/\\S*)?$", var.workload_identity.oidc_issuer_url))
    error_message = "The workload_identity.oidc_issuer_url must be an https:// URL (or \"\" for a dedicated cluster)."
  }

  validation {
    condition     = length(var.workload_identity.namespace) <= 63 && can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.workload_identity.namespace))
    error_message = "The workload_identity.namespace must be a Kubernetes namespace name (DNS label, 1-63 characters)."
  }

  validation {
    condition = alltrue([for sa in [var.workload_identity.app_service_account, var.workload_identity.database_service_account] :
    length(sa) <= 253 && can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", sa))])
    error_message = "The workload_identity service accounts must be Kubernetes service account names (DNS subdomain, 1-253 characters)."
  }

  validation {
    condition     = var.workload_identity.app_service_account != var.workload_identity.database_service_account
    error_message = "The workload_identity app and database service accounts must differ: each identity trusts one workload."
  }
}

variable "retained" {
  description = "The tenant was offboarded and its data is kept until the purge: true destroys everything that grants access, runs or serves (identities, federation, role assignments, node pool, dedicated cluster, ingress address, DNS records, private endpoints, Argo CD registration) and keeps the resource group, Key Vault, backup storage and their locks."
  type        = bool
  default     = false
  nullable    = false
}

variable "node_pool" {
  description = "Dedicated node pool in the shared AKS cluster (isolation = nodepool, medium tier). Ignored unless enabled; the pool autoscales between min_count and max_count and gets the given Kubernetes labels and taints (\"key=value:Effect\")."
  type = object({
    enabled               = bool
    kubernetes_cluster_id = string
    name                  = string
    vm_size               = string
    min_count             = number
    max_count             = number
    labels                = map(string)
    taints                = list(string)
    vnet_subnet_id        = string
  })
  default = {
    enabled               = false
    kubernetes_cluster_id = ""
    name                  = ""
    vm_size               = ""
    min_count             = 0
    max_count             = 0
    labels                = {}
    taints                = []
    vnet_subnet_id        = ""
  }
  nullable = false

  validation {
    condition     = var.node_pool.vnet_subnet_id == "" || can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Network/virtualNetworks/[^/]+/subnets/[^/]+$", var.node_pool.vnet_subnet_id))
    error_message = "The node_pool.vnet_subnet_id must be \"\" (the cluster's node subnet) or a subnet resource ID (/subscriptions/.../virtualNetworks/VNET/subnets/SUBNET) in the shared cluster's virtual network."
  }

  validation {
    condition     = !var.node_pool.enabled || can(regex("^[a-z][a-z0-9]{0,11}$", var.node_pool.name))
    error_message = "The node_pool.name must be 1-12 lowercase letters and digits, starting with a letter (AKS rule for Linux pools)."
  }

  validation {
    condition     = !var.node_pool.enabled || can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.ContainerService/managedClusters/[^/]+$", var.node_pool.kubernetes_cluster_id))
    error_message = "The node_pool.kubernetes_cluster_id must be the resource ID of an AKS cluster (/subscriptions/.../providers/Microsoft.ContainerService/managedClusters/NAME)."
  }

  validation {
    condition     = !var.node_pool.enabled || length(trimspace(var.node_pool.vm_size)) > 0
    error_message = "The node_pool.vm_size must be set when the node pool is enabled."
  }

  validation {
    condition = !var.node_pool.enabled || (
      floor(var.node_pool.min_count) == var.node_pool.min_count &&
      floor(var.node_pool.max_count) == var.node_pool.max_count &&
      var.node_pool.min_count >= 0 &&
      var.node_pool.max_count >= 1 &&
      var.node_pool.max_count <= 1000 &&
      var.node_pool.min_count <= var.node_pool.max_count
    )
    error_message = "The node_pool counts must be whole numbers with 0 <= min_count <= max_count, 1 <= max_count <= 1000."
  }

  validation {
    condition     = alltrue([for t in var.node_pool.taints : can(regex("^[^=:\\s]+(=[^:\\s]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$", t))])
    error_message = "Each node_pool taint must look like key=value:Effect (or key:Effect) with Effect one of NoSchedule, PreferNoSchedule, NoExecute."
  }
}

variable "dedicated_cluster" {
  description = "Dedicated AKS cluster for the tenant (isolation = cluster, large tier). Ignored unless enabled. kubernetes_version \"\" means the AKS default; sku_tier is Free, Standard or Premium; vnet_subnet_id \"\" lets AKS make a network of its own. The ingress address and its resource group are named per tenant, not per incarnation (the offboarding apply destroys them), as the cluster's ingress Service annotations name them."
  type = object({
    enabled                     = bool
    name                        = string
    kubernetes_version          = string
    system_vm_size              = string
    system_node_count           = number
    app_vm_size                 = string
    app_min_count               = number
    app_max_count               = number
    sku_tier                    = string
    vnet_subnet_id              = string
    ingress_public_ip_name      = string
    ingress_resource_group_name = string
  })
  default = {
    enabled                     = false
    name                        = ""
    kubernetes_version          = ""
    system_vm_size              = ""
    system_node_count           = 0
    app_vm_size                 = ""
    app_min_count               = 0
    app_max_count               = 0
    sku_tier                    = ""
    vnet_subnet_id              = ""
    ingress_public_ip_name      = ""
    ingress_resource_group_name = ""
  }
  nullable = false

  validation {
    condition     = var.dedicated_cluster.vnet_subnet_id == "" || can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Network/virtualNetworks/[^/]+/subnets/[^/]+$", var.dedicated_cluster.vnet_subnet_id))
    error_message = "The dedicated_cluster.vnet_subnet_id must be \"\" (AKS makes a virtual network of its own) or a subnet resource ID (/subscriptions/.../virtualNetworks/VNET/subnets/SUBNET)."
  }

  validation {
    condition     = !var.dedicated_cluster.enabled || (var.dedicated_cluster.ingress_public_ip_name != "" && can(regex("^[-\\w.()]{1,90}$", var.dedicated_cluster.ingress_resource_group_name)))
    error_message = "The dedicated_cluster.ingress_public_ip_name and ingress_resource_group_name must be set when the dedicated cluster is enabled (the generator writes them)."
  }

  validation {
    condition     = !var.dedicated_cluster.enabled || can(regex("^[a-zA-Z0-9]([-_a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$", var.dedicated_cluster.name))
    error_message = "The dedicated_cluster.name must be 1-63 characters of letters, digits, '-' and '_', starting and ending with a letter or digit."
  }

  validation {
    condition     = !var.dedicated_cluster.enabled || var.dedicated_cluster.kubernetes_version == "" || can(regex("^[0-9]+\\.[0-9]+(\\.[0-9]+)?$", var.dedicated_cluster.kubernetes_version))
    error_message = "The dedicated_cluster.kubernetes_version must be \"\" (AKS default) or a version like 1.31 or 1.31.2."
  }

  validation {
    condition     = !var.dedicated_cluster.enabled || (length(trimspace(var.dedicated_cluster.system_vm_size)) > 0 && length(trimspace(var.dedicated_cluster.app_vm_size)) > 0)
    error_message = "The dedicated_cluster.system_vm_size and app_vm_size must be set when the dedicated cluster is enabled."
  }

  validation {
    condition = !var.dedicated_cluster.enabled || (
      floor(var.dedicated_cluster.system_node_count) == var.dedicated_cluster.system_node_count &&
      var.dedicated_cluster.system_node_count >= 1 &&
      var.dedicated_cluster.system_node_count <= 1000
    )
    error_message = "The dedicated_cluster.system_node_count must be a whole number between 1 and 1000."
  }

  validation {
    condition = !var.dedicated_cluster.enabled || (
      floor(var.dedicated_cluster.app_min_count) == var.dedicated_cluster.app_min_count &&
      floor(var.dedicated_cluster.app_max_count) == var.dedicated_cluster.app_max_count &&
      var.dedicated_cluster.app_min_count >= 0 &&
      var.dedicated_cluster.app_max_count >= 1 &&
      var.dedicated_cluster.app_max_count <= 1000 &&
      var.dedicated_cluster.app_min_count <= var.dedicated_cluster.app_max_count
    )
    error_message = "The dedicated_cluster app pool counts must be whole numbers with 0 <= app_min_count <= app_max_count, 1 <= app_max_count <= 1000."
  }

  validation {
    condition     = !var.dedicated_cluster.enabled || contains(["Free", "Standard", "Premium"], var.dedicated_cluster.sku_tier)
    error_message = "The dedicated_cluster.sku_tier must be one of: Free, Standard, Premium."
  }
}

variable "tags" {
  description = "Extra tags for every taggable resource. The module's own tags (customer, tenant, tier, compliance, managed-by) take precedence on key clashes."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = length(var.tags) <= 45
    error_message = "At most 45 extra tags are allowed (Azure allows 50 per resource and the module adds 5)."
  }

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= 1 && length(k) <= 512 && length(v) <= 256 && !can(regex("[<>%&\\\\?/]", k))])
    error_message = "Tag names must be 1-512 characters without any of < > % & \\ ? /, and tag values at most 256 characters."
  }
}

# -----------------------------------------------------------------------------
# Optional settings that are not part of the generator contract; the defaults
# are what Landlord expects.
# -----------------------------------------------------------------------------

variable "storage_account_replication_type" {
  description = "Replication of the backup storage account: LRS, ZRS, GRS, RAGRS, GZRS or RAGZRS."
  type        = string
  default     = "GRS"
  nullable    = false

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"], var.storage_account_replication_type)
    error_message = "The storage_account_replication_type must be one of: LRS, ZRS, GRS, RAGRS, GZRS, RAGZRS."
  }
}

variable "storage_shared_access_key_enabled" {
  description = "Whether the backup storage account accepts shared keys. Off by default: CloudNativePG authenticates with workload identity. With it off, the azurerm provider must be configured with storage_use_azuread = true."
  type        = bool
  default     = false
  nullable    = false
}

variable "dns_ttl" {
  description = "TTL in seconds of the DNS records created in dns_zone_name."
  type        = number
  default     = 300
  nullable    = false

  validation {
    condition     = var.dns_ttl >= 1 && var.dns_ttl <= 2147483647 && floor(var.dns_ttl) == var.dns_ttl
    error_message = "The dns_ttl must be a whole number of seconds, at least 1."
  }
}

variable "network_policy" {
  description = "Network policy engine of the dedicated cluster: azure or calico."
  type        = string
  default     = "calico"
  nullable    = false

  validation {
    condition     = contains(["azure", "calico"], var.network_policy)
    error_message = "The network_policy must be azure or calico."
  }
}

variable "dedicated_cluster_admin_group_object_ids" {
  description = "Entra ID group object IDs granted cluster-admin on the dedicated cluster (local accounts are disabled, so access goes through Entra ID)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.dedicated_cluster_admin_group_object_ids : can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", id))])
    error_message = "Each entry of dedicated_cluster_admin_group_object_ids must be a GUID."
  }
}

variable "log_analytics_workspace_id" {
  description = "Resource ID of a Log Analytics workspace (e.g. the platform's) that the dedicated cluster's monitoring agent sends to. \"\" disables the agent."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.log_analytics_workspace_id == "" || can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.OperationalInsights/workspaces/[^/]+$", var.log_analytics_workspace_id))
    error_message = "The log_analytics_workspace_id must be \"\" or the resource ID of a Log Analytics workspace."
  }
}

variable "argocd_registration" {
  description = "Registers a dedicated cluster with the fleet's Argo CD (docs/adr/0016): its API server URL and CA are written to the platform Key Vault key_vault_id as argocd-<cluster>-server and argocd-<cluster>-ca (the External Secrets registration reads them), and principal_id (Argo CD's workload identity) gets Azure Kubernetes Service RBAC Cluster Admin on it. \"\" leaves either out."
  type = object({
    key_vault_id = string
    principal_id = string
  })
  default = {
    key_vault_id = ""
    principal_id = ""
  }
  nullable = false

  validation {
    condition     = var.argocd_registration.key_vault_id == "" || can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.KeyVault/vaults/[^/]+$", var.argocd_registration.key_vault_id))
    error_message = "The argocd_registration.key_vault_id must be \"\" or the resource ID of a Key Vault."
  }

  validation {
    condition     = var.argocd_registration.principal_id == "" || can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.argocd_registration.principal_id))
    error_message = "The argocd_registration.principal_id must be \"\" or an object ID (GUID)."
  }
}
