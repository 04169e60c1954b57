locals {
  # A dedicated cluster's issuer is only known once it exists, so it wins over
  # the caller-supplied issuer (which is for the shared cluster).
  oidc_issuer_url = var.dedicated_cluster.enabled ? one(azurerm_kubernetes_cluster.dedicated[*].oidc_issuer_url) : var.workload_identity.oidc_issuer_url
}

# Two identities, so that each workload holds only what it needs: the app reads its
# secrets and cannot touch the backups; the database writes its backups and cannot read
# the vault. Their names are unique per incarnation because the resource group is.
#
# An offboarded tenant's identities lose their federation at once, which is what lets a
# pod use them: no token exchange succeeds without it. The identities and their role
# assignments stay until the purge, because Azure refuses to delete a role assignment
# under the data's CanNotDelete locks (ScopeLocked), and those locks must hold through
# the retention window; the purge destroys the locks first (keyvault.tf, storage.tf).
resource "azurerm_user_assigned_identity" "app" {
  name                = "id-${var.tenant_name}-app"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name

  tags = local.tags
}

resource "azurerm_user_assigned_identity" "database" {
  name                = "id-${var.tenant_name}-database"
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name

  tags = local.tags
}

resource "azurerm_federated_identity_credential" "app" {
  count = local.active ? 1 : 0

  name                      = "kubernetes-${var.tenant_name}-${var.workload_identity.app_service_account}"
  user_assigned_identity_id = azurerm_user_assigned_identity.app.id
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = local.oidc_issuer_url
  subject                   = "system:serviceaccount:${var.workload_identity.namespace}:${var.workload_identity.app_service_account}"
}

resource "azurerm_federated_identity_credential" "database" {
  count = local.active ? 1 : 0

  name                      = "kubernetes-${var.tenant_name}-${var.workload_identity.database_service_account}"
  user_assigned_identity_id = azurerm_user_assigned_identity.database.id
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = local.oidc_issuer_url
  subject                   = "system:serviceaccount:${var.workload_identity.namespace}:${var.workload_identity.database_service_account}"
}

# Restores and restore drills read the archive from the tenant's scratch namespace
# (<namespace>-restore, Landlord's default for `restore --into` and `backup verify`): its
# Cluster is named like the tenant's, so its service account is the same name there.
resource "azurerm_federated_identity_credential" "database_restore" {
  count = local.active ? 1 : 0

  name                      = "kubernetes-${var.tenant_name}-${var.workload_identity.database_service_account}-restore"
  user_assigned_identity_id = azurerm_user_assigned_identity.database.id
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = local.oidc_issuer_url
  subject                   = "system:serviceaccount:${var.workload_identity.namespace}-restore:${var.workload_identity.database_service_account}"
}

resource "azurerm_role_assignment" "app_key_vault_secrets_user" {
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.app.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "database_backup_blob_contributor" {
  scope                = azurerm_storage_account.backups.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_user_assigned_identity.database.principal_id
  principal_type       = "ServicePrincipal"
}

# Tenants made by the single-identity module keep that identity as the app's (its client
# id is already in the app's ServiceAccount); its blob role and the database's federation
# with it are destroyed, and the database gets an identity of its own.
moved {
  from = azurerm_user_assigned_identity.workload
  to   = azurerm_user_assigned_identity.app
}

moved {
  from = azurerm_federated_identity_credential.workload["app"]
  to   = azurerm_federated_identity_credential.app[0]
}

moved {
  from = azurerm_role_assignment.workload_key_vault_secrets_user
  to   = azurerm_role_assignment.app_key_vault_secrets_user
}
