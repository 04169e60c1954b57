# Tenant secrets. Data-plane access is Azure RBAC only (no access policies):
# the workload identity gets "Key Vault Secrets User" in identity.tf.
resource "azurerm_key_vault" "this" {
  name                = var.key_vault_name
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  tenant_id           = data.azurerm_client_config.current.tenant_id
  sku_name            = "standard"

  rbac_authorization_enabled    = true
  public_network_access_enabled = var.key_vault_public_network_access_enabled
  soft_delete_retention_days    = var.key_vault_soft_delete_retention_days
  # Irreversible once true: Azure cannot turn purge protection off again.
  purge_protection_enabled = local.purge_protection_enabled

  tags = local.tags
}
