data "azurerm_client_config" "current" {}

locals {
  # An offboarded tenant keeps its data until the purge, and nothing that can reach it or
  # costs compute survives the offboarding apply (README, Lifecycle).
  active = !var.retained

  # Compliance is a tag, nothing more: settings Azure cannot change after creation
  # (Key Vault soft-delete retention, purge protection) must not follow a tag that can.
  compliance = sort(distinct([for c in var.compliance : lower(c)]))

  # Module tags win over caller tags so that ownership tags cannot be spoofed.
  tags = merge(var.tags, {
    customer   = var.customer
    tenant     = var.tenant_name
    tier       = var.tier
    compliance = length(local.compliance) > 0 ? join("+", local.compliance) : "none"
    managed-by = "landlord"
  })
}

resource "azurerm_resource_group" "this" {
  name     = var.resource_group_name
  location = var.location
  tags     = local.tags

  lifecycle {
    # Cross-variable rules: validation blocks may only reference their own
    # variable before Terraform 1.9, so they are enforced here at plan time.
    precondition {
      condition     = var.node_pool.enabled == (var.isolation == "nodepool")
      error_message = "node_pool.enabled must be true exactly when isolation is \"nodepool\" (isolation is \"${var.isolation}\")."
    }

    precondition {
      condition     = var.dedicated_cluster.enabled == (var.isolation == "cluster")
      error_message = "dedicated_cluster.enabled must be true exactly when isolation is \"cluster\" (isolation is \"${var.isolation}\")."
    }

    precondition {
      condition     = var.dedicated_cluster.enabled || alltrue([for r in var.dns_records : r.type != "INGRESS"])
      error_message = "dns_records has INGRESS entries, which point at the dedicated cluster's ingress address, but dedicated_cluster.enabled is false."
    }

    precondition {
      condition     = var.dedicated_cluster.enabled || var.workload_identity.oidc_issuer_url != ""
      error_message = "workload_identity.oidc_issuer_url may only be empty when dedicated_cluster.enabled is true."
    }

    # Deny by default: without public access the workloads reach the vault and the
    # backups only through private endpoints, so there must be a subnet for them.
    precondition {
      condition     = var.cloud_posture.public_network_access_enabled || var.cloud_posture.private_endpoint_subnet_id != ""
      error_message = "cloud_posture.private_endpoint_subnet_id is empty while public network access is off: set integrations.cloudPosture.privateEndpointSubnetId in landlord.yaml, or opt out with integrations.cloudPosture.publicNetworkAccess: true."
    }

    # A cluster in a network of its own cannot resolve or reach the private endpoints.
    precondition {
      condition     = var.cloud_posture.public_network_access_enabled || !var.dedicated_cluster.enabled || var.dedicated_cluster.vnet_subnet_id != ""
      error_message = "dedicated_cluster.vnet_subnet_id is empty while public network access is off: its pods could not reach the tenant's vault and backups. Set integrations.cloudPosture.dedicatedClusterSubnetId in landlord.yaml (the platform module's output dedicated_cluster_subnet_id), or opt out with integrations.cloudPosture.publicNetworkAccess: true."
    }

    # A private endpoint without its privatelink zone leaves the name resolving to the
    # public address, which public-off refuses: the pods would never reach the vault.
    precondition {
      condition     = var.cloud_posture.private_endpoint_subnet_id == "" || (var.cloud_posture.key_vault_private_dns_zone_id != "" && var.cloud_posture.blob_private_dns_zone_id != "")
      error_message = "cloud_posture.private_endpoint_subnet_id is set but a privatelink DNS zone id is empty: set integrations.cloudPosture.privateDnsZoneIds.keyVault and .blob in landlord.yaml (the platform module's outputs private_dns_zone_ids), or opt out with integrations.cloudPosture.publicNetworkAccess: true and no privateEndpointSubnetId."
    }

    precondition {
      condition     = !var.cloud_posture.diagnostics_enabled || var.cloud_posture.log_analytics_workspace_id != ""
      error_message = "cloud_posture.log_analytics_workspace_id is empty while diagnostic settings are on: set integrations.cloudPosture.logAnalyticsWorkspaceId in landlord.yaml, or opt out with integrations.cloudPosture.diagnostics: false."
    }

    # The lifecycle rule deletes by age. A point-in-time recovery to the far end of the
    # window starts from the base backup taken up to one interval before it, and replays
    # the WAL archived since: both must still exist.
    precondition {
      condition     = var.backup_retention_days > var.database_backups.recovery_window_days + var.database_backups.base_backup_interval_days
      error_message = "backup_retention_days (${var.backup_retention_days}) must exceed the CloudNativePG recovery window (${var.database_backups.recovery_window_days}) plus the longest gap between base backups (${var.database_backups.base_backup_interval_days}), or the lifecycle rule deletes the base backup a recovery needs."
    }
  }
}
