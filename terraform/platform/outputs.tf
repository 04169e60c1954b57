output "resource_group_name" {
  description = "Name of the platform resource group."
  value       = azurerm_resource_group.platform.name
}

output "cluster_id" {
  description = "Resource ID of the shared AKS cluster (node_pool.kubernetes_cluster_id of nodepool-isolated tenants)."
  value       = azurerm_kubernetes_cluster.shared.id
}

output "cluster_name" {
  description = "Name of the shared AKS cluster."
  value       = azurerm_kubernetes_cluster.shared.name
}

output "oidc_issuer_url" {
  description = "OIDC issuer URL of the shared cluster (workload_identity.oidc_issuer_url of tenants on it)."
  value       = azurerm_kubernetes_cluster.shared.oidc_issuer_url
}

output "kubelet_identity_object_id" {
  description = "Object ID of the kubelet identity, e.g. for an AcrPull role assignment."
  value       = azurerm_kubernetes_cluster.shared.kubelet_identity[0].object_id
}

output "tier_node_pool_names" {
  description = "Names of the shared tier node pools."
  value       = sort(keys(azurerm_kubernetes_cluster_node_pool.tier))
}

output "dns_zone_name" {
  description = "Name of the platform DNS zone (dns_zone_name of tenants)."
  value       = azurerm_dns_zone.platform.name
}

output "dns_zone_resource_group_name" {
  description = "Resource group of the platform DNS zone (dns_zone_resource_group_name of tenants)."
  value       = azurerm_dns_zone.platform.resource_group_name
}

output "dns_zone_name_servers" {
  description = "Name servers to delegate the platform DNS zone to."
  value       = azurerm_dns_zone.platform.name_servers
}

output "log_analytics_workspace_id" {
  description = "Resource ID of the Log Analytics workspace (log_analytics_workspace_id of tenants with a dedicated cluster)."
  value       = azurerm_log_analytics_workspace.platform.id
}
