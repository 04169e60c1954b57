output "resource_group_name" {
  description = "Name of the tenant's resource group."
  value       = module.instance.resource_group_name
}

output "key_vault_name" {
  description = "Name of the tenant's Key Vault."
  value       = module.instance.key_vault_name
}

output "key_vault_uri" {
  description = "Data-plane URI of the tenant's Key Vault, e.g. https://NAME.vault.azure.net/."
  value       = module.instance.key_vault_uri
}

output "key_vault_id" {
  description = "Resource ID of the tenant's Key Vault."
  value       = module.instance.key_vault_id
}

output "storage_account_name" {
  description = "Name of the storage account holding the backups."
  value       = module.instance.storage_account_name
}

output "backup_container_name" {
  description = "Name of the blob container holding the backups."
  value       = module.instance.backup_container_name
}

output "backup_destination_path" {
  description = "CloudNativePG barmanObjectStore destinationPath: https://ACCOUNT.blob.core.windows.net/CONTAINER."
  value       = module.instance.backup_destination_path
}

output "app_identity_client_id" {
  description = "Client ID of the app's workload identity; Landlord records it for the app ServiceAccount's azure.workload.identity/client-id annotation."
  value       = module.instance.app_identity_client_id
}

output "database_identity_client_id" {
  description = "Client ID of the database's workload identity; Landlord records it for the CloudNativePG ServiceAccount's annotation."
  value       = module.instance.database_identity_client_id
}

output "identity_principal_ids" {
  description = "Object (principal) IDs of the two workload identities."
  value       = module.instance.identity_principal_ids
}

output "retained" {
  description = "Whether only the tenant's data is kept (offboarded, waiting for the purge)."
  value       = module.instance.retained
}

output "node_pool_name" {
  description = "Name of the tenant's node pool in the shared cluster; null unless node_pool.enabled."
  value       = module.instance.node_pool_name
}

output "cluster_id" {
  description = "Resource ID of the tenant's dedicated AKS cluster; null unless dedicated_cluster.enabled."
  value       = module.instance.cluster_id
}

output "cluster_oidc_issuer_url" {
  description = "OIDC issuer URL of the tenant's dedicated AKS cluster; null unless dedicated_cluster.enabled."
  value       = module.instance.cluster_oidc_issuer_url
}

output "dns_record_fqdns" {
  description = "FQDN of each DNS record set created, keyed by relative record name."
  value       = module.instance.dns_record_fqdns
}
