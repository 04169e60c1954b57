output "resource_group_name" {
  description = "Name of the tenant's resource group."
  value       = azurerm_resource_group.this.name
}

output "key_vault_name" {
  description = "Name of the tenant's Key Vault."
  value       = azurerm_key_vault.this.name
}

output "key_vault_uri" {
  description = "Data-plane URI of the tenant's Key Vault, e.g. https://NAME.vault.azure.net/."
  value       = azurerm_key_vault.this.vault_uri
}

output "key_vault_id" {
  description = "Resource ID of the tenant's Key Vault."
  value       = azurerm_key_vault.this.id
}

output "storage_account_name" {
  description = "Name of the storage account holding the backups."
  value       = azurerm_storage_account.backups.name
}

output "backup_container_name" {
  description = "Name of the blob container holding the backups."
  value       = azurerm_storage_container.backups.name
}

output "backup_destination_path" {
  description = "CloudNativePG barmanObjectStore destinationPath: https://ACCOUNT.blob.core.windows.net/CONTAINER."
  value       = "${trimsuffix(azurerm_storage_account.backups.primary_blob_endpoint, "/")}/${azurerm_storage_container.backups.name}"
}

output "app_identity_client_id" {
  description = "Client ID of the app's workload identity (reads the Key Vault); goes into the app ServiceAccount's annotation azure.workload.identity/client-id."
  value       = azurerm_user_assigned_identity.app.client_id
}

output "database_identity_client_id" {
  description = "Client ID of the database's workload identity (writes the backups); goes into the CloudNativePG cluster's ServiceAccount annotation."
  value       = azurerm_user_assigned_identity.database.client_id
}

output "identity_principal_ids" {
  description = "Object (principal) IDs of the two workload identities."
  value       = { app = azurerm_user_assigned_identity.app.principal_id, database = azurerm_user_assigned_identity.database.principal_id }
}

output "retained" {
  description = "Whether the tenant is offboarded and only its data is kept (var.retained)."
  value       = var.retained
}

output "node_pool_name" {
  description = "Name of the tenant's node pool in the shared cluster; null unless node_pool.enabled."
  value       = one(azurerm_kubernetes_cluster_node_pool.tenant[*].name)
}

output "cluster_id" {
  description = "Resource ID of the tenant's dedicated AKS cluster; null unless dedicated_cluster.enabled."
  value       = one(azurerm_kubernetes_cluster.dedicated[*].id)
}

output "cluster_oidc_issuer_url" {
  description = "OIDC issuer URL of the tenant's dedicated AKS cluster; null unless dedicated_cluster.enabled."
  value       = one(azurerm_kubernetes_cluster.dedicated[*].oidc_issuer_url)
}

output "dns_record_fqdns" {
  description = "FQDN of each DNS record set created, keyed by relative record name."
  value = merge(
    { for name, r in azurerm_dns_a_record.this : name => r.fqdn },
    { for name, r in azurerm_dns_cname_record.this : name => r.fqdn },
  )
}

output "ingress_public_ip" {
  description = "Static public IP of the dedicated cluster's ingress controller (the tenant's INGRESS DNS records alias it); null unless dedicated_cluster.enabled."
  value       = one(azurerm_public_ip.ingress[*].ip_address)
}

output "ingress_public_ip_name" {
  description = "Name of that address and its resource group, as the ingress controller's Service annotations name them; null unless dedicated_cluster.enabled."
  value       = var.dedicated_cluster.enabled ? { name = local.ingress_public_ip_name, resource_group_name = local.ingress_resource_group_name } : null
}
