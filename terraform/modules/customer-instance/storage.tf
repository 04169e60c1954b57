# Object storage for CloudNativePG base backups and WAL archives.
resource "azurerm_storage_account" "backups" {
  name                     = var.storage_account_name
  location                 = azurerm_resource_group.this.location
  resource_group_name      = azurerm_resource_group.this.name
  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = var.storage_account_replication_type

  https_traffic_only_enabled       = true
  min_tls_version                  = "TLS1_2"
  allow_nested_items_to_be_public  = false
  cross_tenant_replication_enabled = false
  shared_access_key_enabled        = var.storage_shared_access_key_enabled
  default_to_oauth_authentication  = true
  public_network_access_enabled    = var.cloud_posture.public_network_access_enabled

  network_rules {
    default_action = var.cloud_posture.public_network_access_enabled ? "Allow" : "Deny"
    bypass         = ["AzureServices"]
  }

  blob_properties {
    versioning_enabled = true

    delete_retention_policy {
      days = 7
    }

    container_delete_retention_policy {
      days = 7
    }
  }

  tags = local.tags
}

resource "azurerm_storage_container" "backups" {
  name                  = var.backup_container_name
  storage_account_id    = azurerm_storage_account.backups.id
  container_access_type = "private"
}

# Expire everything in the backup container after backup_retention_days,
# including the previous versions that blob versioning keeps. The rule is a
# safety net behind CloudNativePG's own retentionPolicy, and keeps blobs longer
# than its recovery window plus one base-backup interval (precondition in main.tf).
resource "azurerm_storage_management_policy" "backups" {
  storage_account_id = azurerm_storage_account.backups.id

  rule {
    name    = "expire-backups"
    enabled = true

    filters {
      prefix_match = ["${azurerm_storage_container.backups.name}/"]
      blob_types   = ["blockBlob"]
    }

    actions {
      base_blob {
        delete_after_days_since_modification_greater_than = var.backup_retention_days
      }

      snapshot {
        delete_after_days_since_creation_greater_than = var.backup_retention_days
      }

      version {
        delete_after_days_since_creation = var.backup_retention_days
      }
    }
  }
}

resource "azurerm_private_endpoint" "blob" {
  count = var.cloud_posture.private_endpoint_subnet_id != "" && local.active ? 1 : 0

  name                = "pe-${var.storage_account_name}-blob"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  subnet_id           = var.cloud_posture.private_endpoint_subnet_id

  private_service_connection {
    name                           = "psc-${var.storage_account_name}-blob"
    private_connection_resource_id = azurerm_storage_account.backups.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }

  # The zone is required when public access is off (precondition in main.tf): without
  # its A record the vault's name resolves to the public address, which refuses the pods.
  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [var.cloud_posture.blob_private_dns_zone_id]
  }

  tags = local.tags
}

# Audit log of reads, writes and deletes of the backups.
resource "azurerm_monitor_diagnostic_setting" "blob" {
  count = var.cloud_posture.diagnostics_enabled ? 1 : 0

  name                       = "landlord-audit"
  target_resource_id         = "${azurerm_storage_account.backups.id}/blobServices/default"
  log_analytics_workspace_id = var.cloud_posture.log_analytics_workspace_id

  enabled_log {
    category_group = "audit"
  }
}

resource "azurerm_management_lock" "backups" {
  count = var.cloud_posture.locks_enabled ? 1 : 0

  name       = "landlord-do-not-delete"
  scope      = azurerm_storage_account.backups.id
  lock_level = "CanNotDelete"
  notes      = "Tenant ${var.tenant_name}: holds its database backups; removed by Terraform itself when the tenant's resources are destroyed after the retention window."

  # Created last, destroyed first (see the vault's lock in keyvault.tf).
  depends_on = [
    azurerm_storage_container.backups,
    azurerm_storage_management_policy.backups,
    azurerm_monitor_diagnostic_setting.blob,
    azurerm_private_endpoint.blob,
    azurerm_role_assignment.database_backup_blob_contributor,
  ]
}
