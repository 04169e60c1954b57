# The shared cluster registers itself with the fleet's Argo CD, like a tenant's
# dedicated cluster does (modules/customer-instance/argocd.tf): two Key Vault
# entries for the External Secrets registration, and a role for Argo CD's own
# workload identity. No credential is written anywhere.
resource "azurerm_key_vault_secret" "argocd_server" {
  count = var.argocd_registration.key_vault_id == "" ? 0 : 1

  name         = "argocd-${var.cluster_name}-server"
  key_vault_id = var.argocd_registration.key_vault_id
  value        = azurerm_kubernetes_cluster.shared.kube_config[0].host
  content_type = "text/plain"
  tags         = local.tags
}

resource "azurerm_key_vault_secret" "argocd_ca" {
  count = var.argocd_registration.key_vault_id == "" ? 0 : 1

  name         = "argocd-${var.cluster_name}-ca"
  key_vault_id = var.argocd_registration.key_vault_id
  value        = azurerm_kubernetes_cluster.shared.kube_config[0].cluster_ca_certificate
  content_type = "application/x-pem-file;base64"
  tags         = local.tags
}

resource "azurerm_role_assignment" "argocd_cluster_admin" {
  count = var.argocd_registration.principal_id == "" ? 0 : 1

  scope                = azurerm_kubernetes_cluster.shared.id
  role_definition_name = "Azure Kubernetes Service RBAC Cluster Admin"
  principal_id         = var.argocd_registration.principal_id
  principal_type       = "ServicePrincipal"
}
