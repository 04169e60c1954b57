# Tenant secrets. Data-plane access is Azure RBAC only (no access policies):
# the workload identity gets "Key Vault Secrets User" in identity.tf.
resource "azurerm_key_vault" "this" {
  name                = var.key_vault_name
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  tenant_id           = data.azurerm_client_config.current.tenant_id
  sku_name            = "standard"

  rbac_authorization_enabled    = true
  public_network_access_enabled = var.cloud_posture.public_network_access_enabled
  # Both are fixed at creation (see key_vault_settings in immutable.tf): Azure refuses
  # a new retention, and refuses to turn purge protection off.
  soft_delete_retention_days = terraform_data.key_vault_settings.output.soft_delete_retention_days
  purge_protection_enabled   = terraform_data.key_vault_settings.output.purge_protection_enabled

  network_acls {
    default_action = var.cloud_posture.public_network_access_enabled ? "Allow" : "Deny"
    bypass         = "AzureServices"
  }

  tags = local.tags

  lifecycle {
    # Azure refuses a new retention on an existing vault. Vaults created before
    # key_vault_settings existed keep theirs instead of failing every update;
    # purge protection is not ignored: turning it on later is allowed (and wanted).
    ignore_changes = [soft_delete_retention_days]
  }
}

resource "azurerm_private_endpoint" "key_vault" {
  count = var.cloud_posture.private_endpoint_subnet_id != "" && local.active ? 1 : 0

  name                = "pe-${var.key_vault_name}"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  subnet_id           = var.cloud_posture.private_endpoint_subnet_id

  private_service_connection {
    name                           = "psc-${var.key_vault_name}"
    private_connection_resource_id = azurerm_key_vault.this.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }

  # The zone is required when public access is off (precondition in main.tf): without
  # its A record the vault's name resolves to the public address, which refuses the pods.
  private_dns_zone_group {
    name                 = "default"
    private_dns_zone_ids = [var.cloud_posture.key_vault_private_dns_zone_id]
  }

  tags = local.tags
}

# Audit log of every access to the tenant's secrets.
resource "azurerm_monitor_diagnostic_setting" "key_vault" {
  count = var.cloud_posture.diagnostics_enabled ? 1 : 0

  name                       = "landlord-audit"
  target_resource_id         = azurerm_key_vault.this.id
  log_analytics_workspace_id = var.cloud_posture.log_analytics_workspace_id

  enabled_log {
    category_group = "audit"
  }
}

resource "azurerm_management_lock" "key_vault" {
  count = var.cloud_posture.locks_enabled ? 1 : 0

  name       = "landlord-do-not-delete"
  scope      = azurerm_key_vault.this.id
  lock_level = "CanNotDelete"
  notes      = "Tenant ${var.tenant_name}: removed by Terraform itself when the tenant's resources are destroyed after offboarding."

  # Azure refuses to delete anything under a CanNotDelete lock, child resources included.
  # Depending on every resource under the vault makes Terraform create the lock last and
  # destroy it first, so an offboarding apply or a purge never meets its own lock.
  depends_on = [
    azurerm_monitor_diagnostic_setting.key_vault,
    azurerm_private_endpoint.key_vault,
    azurerm_role_assignment.app_key_vault_secrets_user,
  ]
}
