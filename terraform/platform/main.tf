data "azurerm_client_config" "current" {}

locals {
  tags = merge(var.tags, {
    managed-by = "landlord"
    component  = "platform"
  })

  log_analytics_workspace_name = var.log_analytics_workspace_name != "" ? var.log_analytics_workspace_name : "log-${var.cluster_name}"
}

resource "azurerm_resource_group" "platform" {
  name     = var.resource_group_name
  location = var.location
  tags     = local.tags
}

resource "azurerm_log_analytics_workspace" "platform" {
  name                = local.log_analytics_workspace_name
  location            = azurerm_resource_group.platform.location
  resource_group_name = azurerm_resource_group.platform.name
  sku                 = "PerGB2018"
  retention_in_days   = var.log_analytics_retention_days

  tags = local.tags
}

# Zone for tenant host names; the customer-instance module adds records to it.
resource "azurerm_dns_zone" "platform" {
  name                = var.dns_zone_name
  resource_group_name = azurerm_resource_group.platform.name

  tags = local.tags
}
