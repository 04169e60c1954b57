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

variable "network" {
  description = "IPv4 ranges of the platform virtual network: address_space, and inside it the subnets aks_nodes (the shared cluster's nodes and per-tenant node pools), dedicated_clusters (nodes of tenants' dedicated clusters) and private_endpoints (tenants' Key Vault and blob private endpoints). One object so that one validation can see all four."
  type = object({
    address_space      = string
    aks_nodes          = string
    dedicated_clusters = string
    private_endpoints  = string
  })
  # A /22 holds 1019 endpoints, about what one network may have (1000 private endpoints
  # per virtual network), i.e. some 500 tenants at a vault and a blob endpoint each.
  default = {
    address_space      = "10.224.0.0/12"
    aks_nodes          = "10.224.0.0/16"
    dedicated_clusters = "10.225.0.0/16"
    private_endpoints  = "10.226.0.0/22"
  }
  nullable = false

  validation {
    condition     = alltrue([for cidr in values(var.network) : can(cidrnetmask(cidr)) && try(cidrhost(cidr, 0) == split("/", cidr)[0], false)])
    error_message = "Each network range must be an IPv4 CIDR written with its network address, e.g. 10.224.0.0/16 (not 10.224.1.0/16)."
  }

  # The checks below pass on malformed ranges (try(..., true)) so that only the message
  # above names them.
  validation {
    condition = try(alltrue([for cidr in values(var.network) : tonumber(split("/", cidr)[1]) <= 29]), true)
    # Azure's smallest subnet is a /29 (it keeps five addresses of every subnet).
    error_message = "Each network range must be a /29 or larger."
  }

  validation {
    condition = try(alltrue([
      for subnet in [var.network.aks_nodes, var.network.dedicated_clusters, var.network.private_endpoints] :
      tonumber(split("/", subnet)[1]) >= tonumber(split("/", var.network.address_space)[1]) &&
      cidrhost("${cidrhost(subnet, 0)}/${split("/", var.network.address_space)[1]}", 0) == cidrhost(var.network.address_space, 0)
    ]), true)
    error_message = "The subnets aks_nodes, dedicated_clusters and private_endpoints must lie inside network.address_space."
  }

  validation {
    condition = try(alltrue([
      for pair in [
        [var.network.aks_nodes, var.network.dedicated_clusters],
        [var.network.aks_nodes, var.network.private_endpoints],
        [var.network.dedicated_clusters, var.network.private_endpoints],
      ] :
      cidrhost("${cidrhost(pair[0], 0)}/${min(tonumber(split("/", pair[0])[1]), tonumber(split("/", pair[1])[1]))}", 0) !=
      cidrhost("${cidrhost(pair[1], 0)}/${min(tonumber(split("/", pair[0])[1]), tonumber(split("/", pair[1])[1]))}", 0)
    ]), true)
    error_message = "The subnets aks_nodes, dedicated_clusters and private_endpoints must not overlap."
  }

  # The shared cluster keeps AKS's default pod (10.244.0.0/16) and service (10.0.0.0/16)
  # ranges, which must not overlap the network its nodes are in; AKS refuses the other
  # four ranges for any cluster network.
  validation {
    condition = try(alltrue([
      for reserved in ["10.0.0.0/16", "10.244.0.0/16", "169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24"] :
      cidrhost("${cidrhost(var.network.address_space, 0)}/${min(tonumber(split("/", var.network.address_space)[1]), tonumber(split("/", reserved)[1]))}", 0) !=
      cidrhost("${cidrhost(reserved, 0)}/${min(tonumber(split("/", var.network.address_space)[1]), tonumber(split("/", reserved)[1]))}", 0)
    ]), true)
    error_message = "The network.address_space must not overlap 10.0.0.0/16 or 10.244.0.0/16 (the shared cluster's service and pod ranges) nor 169.254.0.0/16, 172.30.0.0/16, 172.31.0.0/16, 192.0.2.0/24 (reserved by AKS)."
  }
}

variable "ingress_public_ip_zones" {
  description = "Availability zones of the shared ingress controller's public IP: [] (no zone pinned), one zone, or [\"1\", \"2\", \"3\"] (zone-redundant, in regions with zones). Fixed at creation: a change replaces the address."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    # Azure spreads a two-zone address over all three, and the next plan would replace it.
    condition     = alltrue([for z in var.ingress_public_ip_zones : contains(["1", "2", "3"], z)]) && length(distinct(var.ingress_public_ip_zones)) == length(var.ingress_public_ip_zones) && contains([0, 1, 3], length(var.ingress_public_ip_zones))
    error_message = "The ingress_public_ip_zones must be [], one of \"1\", \"2\", \"3\", or all three."
  }
}

variable "ingress_dns_record_name" {
  description = "Name under dns_zone_name of an alias A record of the shared ingress address (e.g. ingress, for integrations.dns.target = { type: CNAME, value: ingress.<zone> }); \"\" creates none. Keep the name in landlord.yaml's platform.reservedHostLabels so no tenant is given it."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.ingress_dns_record_name == "" || can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.ingress_dns_record_name))
    error_message = "The ingress_dns_record_name must be \"\" or one lowercase DNS label (letters, digits, '-', at most 63 characters)."
  }
}
