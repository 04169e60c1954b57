# A dedicated cluster registers itself with the fleet's Argo CD: the External
# Secrets registration in the fleet repository (argocd/clusters/<cluster>/)
# reads these two entries; no credential is written anywhere, Argo CD signs in
# with its own workload identity.
locals {
  argocd_register = local.dedicated_active && var.argocd_registration.key_vault_id != ""
}

resource "azurerm_key_vault_secret" "argocd_server" {
  count = local.argocd_register ? 1 : 0

  name         = "argocd-${var.dedicated_cluster.name}-server"
  key_vault_id = var.argocd_registration.key_vault_id
  value        = azurerm_kubernetes_cluster.dedicated[0].kube_config[0].host
  content_type = "text/plain"
  tags         = local.tags
}

resource "azurerm_key_vault_secret" "argocd_ca" {
  count = local.argocd_register ? 1 : 0

  name         = "argocd-${var.dedicated_cluster.name}-ca"
  key_vault_id = var.argocd_registration.key_vault_id
  # Base64 PEM, as Argo CD's tlsClientConfig.caData expects it.
  value        = azurerm_kubernetes_cluster.dedicated[0].kube_config[0].cluster_ca_certificate
  content_type = "application/x-pem-file;base64"
  tags         = local.tags
}

resource "azurerm_role_assignment" "argocd_cluster_admin" {
  count = local.dedicated_active && var.argocd_registration.principal_id != "" ? 1 : 0

  scope                = azurerm_kubernetes_cluster.dedicated[0].id
  role_definition_name = "Azure Kubernetes Service RBAC Cluster Admin"
  principal_id         = var.argocd_registration.principal_id
  principal_type       = "ServicePrincipal"
}
