# The shared clusters' ingress address (docs/adr/0019): Terraform owns it so it outlives
# the ingress controller's Service and a cluster rebuild, and tenant DNS never moves. The
# controller asks for it with the Service annotations azure-pip-name and
# azure-load-balancer-resource-group (addons.ingress.clusterValues.<cluster>).
locals {
  ingress_public_ip_name = "pip-${var.cluster_name}-ingress"
}

resource "azurerm_public_ip" "ingress" {
  name                = local.ingress_public_ip_name
  location            = azurerm_resource_group.platform.location
  resource_group_name = azurerm_resource_group.platform.name
  # The cluster's load balancer is Standard; its frontend addresses must be too.
  sku               = "Standard"
  allocation_method = "Static"
  ip_version        = "IPv4"
  zones             = var.ingress_public_ip_zones

  tags = local.tags
}

# The Azure cloud provider in the cluster looks the address up in its resource group and
# attaches it to the load balancer, with the cluster's identity. The same role on this
# group covers the node subnets, which AKS needs for nodes in a network it did not create.
resource "azurerm_role_assignment" "ingress_network" {
  scope                = azurerm_resource_group.platform.id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_kubernetes_cluster.shared.identity[0].principal_id
  principal_type       = "ServicePrincipal"
}

# An alias record follows the address itself, so no copy of the IP can go stale.
resource "azurerm_dns_a_record" "ingress" {
  count = var.ingress_dns_record_name == "" ? 0 : 1

  name                = var.ingress_dns_record_name
  zone_name           = azurerm_dns_zone.platform.name
  resource_group_name = azurerm_dns_zone.platform.resource_group_name
  ttl                 = 300
  target_resource_id  = azurerm_public_ip.ingress.id

  tags = local.tags
}

resource "azurerm_management_lock" "ingress" {
  name       = "landlord-do-not-delete"
  scope      = azurerm_public_ip.ingress.id
  lock_level = "CanNotDelete"
  notes      = "Ingress address of the shared cluster ${var.cluster_name}: tenant domains point here; removed by Terraform itself when the platform is destroyed."

  # Created last, destroyed first: what uses the address (its record, the role that lets
  # the cluster attach it, the cluster whose load balancer holds it) is removed after the
  # lock is gone, and the address after them (the cluster depends on it, aks.tf).
  depends_on = [
    azurerm_dns_a_record.ingress,
    azurerm_role_assignment.ingress_network,
    azurerm_kubernetes_cluster.shared,
  ]
}
