# One network for every cluster of the platform and for the tenants' private endpoints:
# the privatelink zones resolve only in networks linked to them, so a node outside this
# network could not reach its tenant's vault or backups once public access is off.
locals {
  virtual_network_name = "vnet-${var.cluster_name}"
}

resource "azurerm_virtual_network" "platform" {
  name                = local.virtual_network_name
  location            = azurerm_resource_group.platform.location
  resource_group_name = azurerm_resource_group.platform.name
  address_space       = [var.network.address_space]

  tags = local.tags

  lifecycle {
    precondition {
      # AKS copies the names of a node subnet, its network and their resource group into
      # node labels, whose values stop at 63 characters.
      condition     = length(var.resource_group_name) <= 63
      error_message = "The resource_group_name must be at most 63 characters: it holds the network of the AKS node subnets, and AKS puts its name into node labels."
    }
  }
}

resource "azurerm_subnet" "aks_nodes" {
  name                 = "aks-nodes"
  resource_group_name  = azurerm_resource_group.platform.name
  virtual_network_name = azurerm_virtual_network.platform.name
  address_prefixes     = [var.network.aks_nodes]
}

resource "azurerm_subnet" "dedicated_clusters" {
  name                 = "dedicated-clusters"
  resource_group_name  = azurerm_resource_group.platform.name
  virtual_network_name = azurerm_virtual_network.platform.name
  address_prefixes     = [var.network.dedicated_clusters]
}

resource "azurerm_subnet" "private_endpoints" {
  name                 = "private-endpoints"
  resource_group_name  = azurerm_resource_group.platform.name
  virtual_network_name = azurerm_virtual_network.platform.name
  address_prefixes     = [var.network.private_endpoints]

  # Nothing attaches a network security group or route table to this subnet, so the
  # policies would filter nothing; enable them together with the first one.
  private_endpoint_network_policies = "Disabled"
}

# Tenants' vault and blob endpoints register their A records here (the customer-instance
# module's private_dns_zone_group); the names are the ones Azure resolves the public host
# names to, so they cannot be chosen.
resource "azurerm_private_dns_zone" "key_vault" {
  name                = "privatelink.vaultcore.azure.net"
  resource_group_name = azurerm_resource_group.platform.name

  tags = local.tags
}

resource "azurerm_private_dns_zone" "blob" {
  name                = "privatelink.blob.core.windows.net"
  resource_group_name = azurerm_resource_group.platform.name

  tags = local.tags
}

# Resolution only: the endpoints write their own records, and VM auto-registration
# would fill the zones with node names.
resource "azurerm_private_dns_zone_virtual_network_link" "key_vault" {
  name                 = local.virtual_network_name
  private_dns_zone_id  = azurerm_private_dns_zone.key_vault.id
  virtual_network_id   = azurerm_virtual_network.platform.id
  registration_enabled = false

  tags = local.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "blob" {
  name                 = local.virtual_network_name
  private_dns_zone_id  = azurerm_private_dns_zone.blob.id
  virtual_network_id   = azurerm_virtual_network.platform.id
  registration_enabled = false

  tags = local.tags
}
