locals {
  # A dedicated cluster's issuer is only known once it exists, so it wins over
  # the caller-supplied issuer (which is for the shared cluster).
  oidc_issuer_url           = var.dedicated_cluster.enabled ? azurerm_kubernetes_cluster.dedicated[0].oidc_issuer_url : var.workload_identity.oidc_issuer_url
  workload_service_accounts = distinct(concat([var.workload_identity.service_account], var.extra_service_accounts))
}

# Identity the tenant's pods (application and CloudNativePG) use through
# AKS workload identity.
resource "azurerm_user_assigned_identity" "workload" {
  name                = "id-${var.tenant_name}-workload"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name

  tags = local.tags
}

# One federated credential per service account that acts as the tenant.
resource "azurerm_federated_identity_credential" "workload" {
  for_each = toset(local.workload_service_accounts)

  name                = "kubernetes-${var.tenant_name}-${each.key}"
  resource_group_name = azurerm_resource_group.this.name
  parent_id           = azurerm_user_assigned_identity.workload.id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = local.oidc_issuer_url
  subject             = "system:serviceaccount:${var.workload_identity.namespace}:${each.key}"
}

# Least privilege: read secrets of this tenant's vault only ...
resource "azurerm_role_assignment" "workload_key_vault_secrets_user" {
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.workload.principal_id
  principal_type       = "ServicePrincipal"
}

# ... and read/write blobs of this tenant's backup account only.
resource "azurerm_role_assignment" "workload_backup_blob_contributor" {
  scope                = azurerm_storage_account.backups.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_user_assigned_identity.workload.principal_id
  principal_type       = "ServicePrincipal"
}
