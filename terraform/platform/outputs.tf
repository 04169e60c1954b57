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

output "virtual_network_id" {
  description = "Resource ID of the platform virtual network (e.g. to peer it with the network the Terraform runner or operators work from)."
  value       = azurerm_virtual_network.platform.id
}

output "aks_node_subnet_id" {
  description = "Resource ID of the aks-nodes subnet, where the shared cluster's pools run (landlord.yaml clusters[].nodeSubnetId: per-tenant node pools on this cluster)."
  value       = azurerm_subnet.aks_nodes.id
}

output "dedicated_cluster_subnet_id" {
  description = "Resource ID of the dedicated-clusters subnet (landlord.yaml integrations.cloudPosture.dedicatedClusterSubnetId)."
  value       = azurerm_subnet.dedicated_clusters.id
}

output "private_endpoint_subnet_id" {
  description = "Resource ID of the private-endpoints subnet (landlord.yaml integrations.cloudPosture.privateEndpointSubnetId)."
  value       = azurerm_subnet.private_endpoints.id
}

output "private_dns_zone_ids" {
  description = "Resource IDs of the privatelink zones linked to the platform network, as { keyVault, blob } (landlord.yaml integrations.cloudPosture.privateDnsZoneIds)."
  value = {
    keyVault = azurerm_private_dns_zone.key_vault.id
    blob     = azurerm_private_dns_zone.blob.id
  }
}

output "ingress_public_ip" {
  description = "The shared ingress controller's public IPv4 address (landlord.yaml integrations.dns.target = { type: A, value: <this> })."
  value       = azurerm_public_ip.ingress.ip_address
}

output "ingress_public_ip_name" {
  description = "Name of the shared ingress address (landlord.yaml addons.ingress.clusterValues.<cluster>: Service annotation service.beta.kubernetes.io/azure-pip-name)."
  value       = azurerm_public_ip.ingress.name
}

output "ingress_public_ip_resource_group_name" {
  description = "Resource group of the shared ingress address (landlord.yaml addons.ingress.clusterValues.<cluster>: Service annotation service.beta.kubernetes.io/azure-load-balancer-resource-group)."
  value       = azurerm_public_ip.ingress.resource_group_name
}

output "ingress_fqdn" {
  description = "Host name of the alias record of the shared ingress address, \"\" without ingress_dns_record_name (landlord.yaml integrations.dns.target = { type: CNAME, value: <this> })."
  value       = var.ingress_dns_record_name == "" ? "" : "${var.ingress_dns_record_name}.${azurerm_dns_zone.platform.name}"
}
