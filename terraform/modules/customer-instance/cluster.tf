# isolation = "cluster": an AKS cluster of the tenant's own.
locals {
  # In a subnet of the platform's network, its pods reach the tenant's private endpoints
  # through the privatelink zones linked there; "" lets AKS make a network of its own.
  dedicated_subnet_id = var.dedicated_cluster.vnet_subnet_id == "" ? null : var.dedicated_cluster.vnet_subnet_id
}

resource "azurerm_kubernetes_cluster" "dedicated" {
  count = var.dedicated_cluster.enabled && local.active ? 1 : 0

  name                = var.dedicated_cluster.name
  location            = azurerm_resource_group.this.location
  resource_group_name = azurerm_resource_group.this.name
  dns_prefix          = var.tenant_name
  kubernetes_version  = var.dedicated_cluster.kubernetes_version == "" ? null : var.dedicated_cluster.kubernetes_version
  sku_tier            = var.dedicated_cluster.sku_tier

  # Patch auto-upgrades only when the version is not pinned to a patch
  # release; otherwise AKS would move past the configured version and the next
  # plan would try to downgrade.
  automatic_upgrade_channel = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.dedicated_cluster.kubernetes_version)) ? null : "patch"
  node_os_upgrade_channel   = "NodeImage"

  # Required by azurerm 5.x; Manual: the pools below are all there is (no node auto-provisioning).
  node_provisioning_profile {
    mode = "Manual"
  }

  oidc_issuer_enabled       = true
  workload_identity_enabled = true

  role_based_access_control_enabled = true
  local_account_disabled            = true

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled     = true
    tenant_id              = data.azurerm_client_config.current.tenant_id
    admin_group_object_ids = var.dedicated_cluster_admin_group_object_ids
  }

  identity {
    type = "SystemAssigned"
  }

  default_node_pool {
    name                         = "system"
    vm_size                      = var.dedicated_cluster.system_vm_size
    node_count                   = var.dedicated_cluster.system_node_count
    only_critical_addons_enabled = true
    vnet_subnet_id               = local.dedicated_subnet_id
    temporary_name_for_rotation  = "systemtmp"

    upgrade_settings {
      max_surge = "10%"
    }

    tags = local.tags
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_policy      = var.network_policy
    load_balancer_sku   = "standard"
  }

  dynamic "oms_agent" {
    for_each = var.log_analytics_workspace_id == "" ? [] : [var.log_analytics_workspace_id]

    content {
      log_analytics_workspace_id      = oms_agent.value
      msi_auth_for_monitoring_enabled = true
    }
  }

  tags = local.tags

  # Created after, and destroyed before, the ingress address its load balancer holds:
  # Azure refuses to delete an address that a load balancer still uses (ingress.tf).
  depends_on = [azurerm_public_ip.ingress]
}

# Autoscaling user pool that runs the tenant's workloads.
resource "azurerm_kubernetes_cluster_node_pool" "dedicated_app" {
  count = var.dedicated_cluster.enabled && local.active ? 1 : 0

  name                  = "app"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.dedicated[0].id
  vm_size               = var.dedicated_cluster.app_vm_size
  mode                  = "User"

  auto_scaling_enabled = true
  min_count            = var.dedicated_cluster.app_min_count
  max_count            = var.dedicated_cluster.app_max_count

  temporary_name_for_rotation = "apptmp"
  vnet_subnet_id              = local.dedicated_subnet_id

  upgrade_settings {
    max_surge = "10%"
  }

  tags = local.tags

  lifecycle {
    ignore_changes = [node_count]
  }
}
