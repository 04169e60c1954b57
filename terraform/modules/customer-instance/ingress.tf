# isolation = "cluster": the tenant's own cluster serves its domains through its own
# ingress controller, behind a static public IP that Terraform owns (the cluster's load
# balancer would otherwise get an address that changes whenever the Service is recreated).
#
# The address lives in a resource group of its own (named per tenant by the generator), not in the tenant's (which holds the
# vault and the backups) nor in the AKS node resource group (AKS deletes that with the
# cluster, and a lock there would block it): the cluster's identity needs Network
# Contributor where the address is (Azure lists the addresses of that group), and here
# that reaches nothing else. The address outlives a cluster rebuild, so DNS never moves.
locals {
  ingress_resource_group_name = var.dedicated_cluster.ingress_resource_group_name
  ingress_public_ip_name      = var.dedicated_cluster.ingress_public_ip_name
  dedicated_active            = var.dedicated_cluster.enabled && local.active
}

resource "azurerm_resource_group" "ingress" {
  count = local.dedicated_active ? 1 : 0

  name     = local.ingress_resource_group_name
  location = azurerm_resource_group.this.location
  tags     = local.tags
}

resource "azurerm_public_ip" "ingress" {
  count = local.dedicated_active ? 1 : 0

  name                = local.ingress_public_ip_name
  location            = azurerm_resource_group.ingress[0].location
  resource_group_name = azurerm_resource_group.ingress[0].name
  # The cluster's load balancer is Standard; its frontend addresses must be too.
  sku               = "Standard"
  allocation_method = "Static"
  ip_version        = "IPv4"

  tags = local.tags
}

resource "azurerm_management_lock" "ingress" {
  count = local.dedicated_active && var.cloud_posture.locks_enabled ? 1 : 0

  name       = "landlord-do-not-delete"
  scope      = azurerm_public_ip.ingress[0].id
  lock_level = "CanNotDelete"
  notes      = "Tenant ${var.tenant_name}: its domains point here; removed by Terraform itself when the tenant's resources are destroyed."

  # Created last, destroyed first (see the vault's lock in keyvault.tf): the records that
  # alias the address and the cluster whose load balancer holds it go after the lock.
  depends_on = [
    azurerm_dns_a_record.this,
    azurerm_kubernetes_cluster.dedicated,
    azurerm_role_assignment.ingress_network,
  ]
}

# The cloud provider in the cluster attaches the address to the load balancer of the
# ingress controller's Service (annotations service.beta.kubernetes.io/azure-pip-name and
# azure-load-balancer-resource-group, set by Landlord's add-on values).
resource "azurerm_role_assignment" "ingress_network" {
  count = local.dedicated_active ? 1 : 0

  scope                = azurerm_resource_group.ingress[0].id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_kubernetes_cluster.dedicated[0].identity[0].principal_id
  principal_type       = "ServicePrincipal"
}
