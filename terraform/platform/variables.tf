variable "location" {
  description = "Azure region of the platform, e.g. westeurope."
  type        = string
  nullable    = false

  validation {
    condition     = length(trimspace(var.location)) > 0
    error_message = "The location must not be empty."
  }
}

variable "resource_group_name" {
  description = "Name of the platform resource group (created here)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[-\\w.()]{1,90}$", var.resource_group_name)) && !endswith(var.resource_group_name, ".")
    error_message = "The resource_group_name must be 1-90 characters of letters, digits, '_', '-', '.', '(' or ')' and must not end with '.'."
  }
}

variable "cluster_name" {
  description = "Name of the shared AKS cluster; also its DNS prefix."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.cluster_name) <= 54 && can(regex("^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$", var.cluster_name))
    error_message = "The cluster_name must be 1-54 characters of letters, digits and '-', starting and ending with a letter or digit (it doubles as the DNS prefix)."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes version of the shared cluster, e.g. 1.31; \"\" uses the AKS default."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.kubernetes_version == "" || can(regex("^[0-9]+\\.[0-9]+(\\.[0-9]+)?$", var.kubernetes_version))
    error_message = "The kubernetes_version must be \"\" or a version like 1.31 or 1.31.2."
  }
}

variable "sku_tier" {
  description = "AKS control plane tier: Free, Standard (uptime SLA) or Premium."
  type        = string
  default     = "Standard"
  nullable    = false

  validation {
    condition     = contains(["Free", "Standard", "Premium"], var.sku_tier)
    error_message = "The sku_tier must be one of: Free, Standard, Premium."
  }
}

variable "network_policy" {
  description = "Network policy engine of the shared cluster: azure or calico. Tenant namespaces rely on NetworkPolicy being enforced."
  type        = string
  default     = "calico"
  nullable    = false

  validation {
    condition     = contains(["azure", "calico"], var.network_policy)
    error_message = "The network_policy must be azure or calico."
  }
}

variable "system_node_pool" {
  description = "Autoscaling system node pool (critical add-ons only)."
  type = object({
    vm_size   = string
    min_count = number
    max_count = number
  })
  default = {
    vm_size   = "Standard_D4s_v5"
    min_count = 2
    max_count = 5
  }
  nullable = false

  validation {
    condition     = length(trimspace(var.system_node_pool.vm_size)) > 0
    error_message = "The system_node_pool.vm_size must not be empty."
  }

  validation {
    condition = (
      floor(var.system_node_pool.min_count) == var.system_node_pool.min_count &&
      floor(var.system_node_pool.max_count) == var.system_node_pool.max_count &&
      var.system_node_pool.min_count >= 1 &&
      var.system_node_pool.max_count <= 1000 &&
      var.system_node_pool.min_count <= var.system_node_pool.max_count
    )
    error_message = "The system_node_pool counts must be whole numbers with 1 <= min_count <= max_count <= 1000."
  }
}

variable "tier_node_pools" {
  description = "Shared autoscaling user node pools, keyed by pool name (1-12 lowercase letters and digits, starting with a letter), e.g. one per service tier. Taints look like \"key=value:Effect\"."
  type = map(object({
    vm_size   = string
    min_count = number
    max_count = number
    labels    = map(string)
    taints    = list(string)
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for name, _ in var.tier_node_pools : can(regex("^[a-z][a-z0-9]{0,11}$", name))])
    error_message = "Each tier_node_pools key must be 1-12 lowercase letters and digits, starting with a letter (AKS rule for Linux pools)."
  }

  validation {
    condition     = !contains(keys(var.tier_node_pools), "system")
    error_message = "The tier_node_pools key \"system\" is reserved for the system pool."
  }

  validation {
    condition     = alltrue([for p in var.tier_node_pools : length(trimspace(p.vm_size)) > 0])
    error_message = "Each tier_node_pools entry needs a vm_size."
  }

  validation {
    condition = alltrue([for p in var.tier_node_pools : (
      floor(p.min_count) == p.min_count &&
      floor(p.max_count) == p.max_count &&
      p.min_count >= 0 &&
      p.max_count >= 1 &&
      p.max_count <= 1000 &&
      p.min_count <= p.max_count
    )])
    error_message = "Each tier_node_pools entry needs whole-number counts with 0 <= min_count <= max_count, 1 <= max_count <= 1000."
  }

  validation {
    condition     = alltrue(flatten([for p in var.tier_node_pools : [for t in p.taints : can(regex("^[^=:\\s]+(=[^:\\s]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$", t))]]))
    error_message = "Each taint must look like key=value:Effect (or key:Effect) with Effect one of NoSchedule, PreferNoSchedule, NoExecute."
  }
}

variable "admin_group_object_ids" {
  description = "Entra ID group object IDs granted cluster-admin on the shared cluster (local accounts are disabled)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.admin_group_object_ids : can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", id))])
    error_message = "Each entry of admin_group_object_ids must be a GUID."
  }
}

variable "key_vault_secrets_provider_enabled" {
  description = "Install the Secrets Store CSI driver add-on so tenant pods can mount secrets from their Key Vault."
  type        = bool
  default     = true
  nullable    = false
}

variable "dns_zone_name" {
  description = "Public DNS zone that hosts tenant records, e.g. apps.example.com. Delegate it from the parent zone with the name_servers output."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.dns_zone_name) <= 253 && can(regex("^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)+[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.dns_zone_name))
    error_message = "The dns_zone_name must be a lowercase fully qualified domain name without a trailing dot."
  }
}

variable "log_analytics_workspace_name" {
  description = "Name of the Log Analytics workspace; \"\" derives log-<cluster_name>."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.log_analytics_workspace_name == "" || can(regex("^[a-zA-Z0-9][-a-zA-Z0-9]{2,61}[a-zA-Z0-9]$", var.log_analytics_workspace_name))
    error_message = "The log_analytics_workspace_name must be \"\" or 4-63 characters of letters, digits and '-', starting and ending with a letter or digit."
  }
}

variable "log_analytics_retention_days" {
  description = "Retention of the Log Analytics workspace in days (30-730)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.log_analytics_retention_days >= 30 && var.log_analytics_retention_days <= 730 && floor(var.log_analytics_retention_days) == var.log_analytics_retention_days
    error_message = "The log_analytics_retention_days must be a whole number between 30 and 730."
  }
}

variable "tags" {
  description = "Extra tags for every taggable resource; the platform's own tags (managed-by, component) take precedence."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = length(var.tags) <= 48
    error_message = "At most 48 extra tags are allowed (Azure allows 50 per resource and the platform adds 2)."
  }

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) >= 1 && length(k) <= 512 && length(v) <= 256 && !can(regex("[<>%&\\\\?/]", k))])
    error_message = "Tag names must be 1-512 characters without any of < > % & \\ ? /, and tag values at most 256 characters."
  }
}

variable "argocd_registration" {
  description = "Registers the shared cluster with the fleet's Argo CD (docs/adr/0016): API server URL and CA written to the Key Vault key_vault_id as argocd-<cluster_name>-server / -ca, and principal_id (Argo CD's workload identity) granted Azure Kubernetes Service RBAC Cluster Admin. \"\" leaves either out."
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
