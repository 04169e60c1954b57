# Shared cluster for the namespace- and nodepool-isolated tenants.
resource "azurerm_kubernetes_cluster" "shared" {
  name                = var.cluster_name
  location            = azurerm_resource_group.platform.location
  resource_group_name = azurerm_resource_group.platform.name
  dns_prefix          = var.cluster_name
  kubernetes_version  = var.kubernetes_version == "" ? null : var.kubernetes_version
  sku_tier            = var.sku_tier

  # Patch auto-upgrades only when the version is not pinned to a patch
  # release; otherwise AKS would move past the configured version and the next
  # plan would try to downgrade.
  automatic_upgrade_channel = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.kubernetes_version)) ? null : "patch"
  node_os_upgrade_channel   = "NodeImage"

  # Required by azurerm 5.x; Manual: the pools below are all there is (no node auto-provisioning).
  node_provisioning_profile {
    mode = "Manual"
  }

  # Workload identity: tenants federate their identities with this issuer.
  oidc_issuer_enabled       = true
  workload_identity_enabled = true

  role_based_access_control_enabled = true
  local_account_disabled            = true

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled     = true
    tenant_id              = data.azurerm_client_config.current.tenant_id
    admin_group_object_ids = var.admin_group_object_ids
  }

  identity {
    type = "SystemAssigned"
  }

  default_node_pool {
    name                         = "system"
    vm_size                      = var.system_node_pool.vm_size
    auto_scaling_enabled         = true
    min_count                    = var.system_node_pool.min_count
    max_count                    = var.system_node_pool.max_count
    only_critical_addons_enabled = true
    temporary_name_for_rotation  = "systemtmp"
    vnet_subnet_id               = azurerm_subnet.aks_nodes.id

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

  oms_agent {
    log_analytics_workspace_id      = azurerm_log_analytics_workspace.platform.id
    msi_auth_for_monitoring_enabled = true
  }

  dynamic "key_vault_secrets_provider" {
    for_each = var.key_vault_secrets_provider_enabled ? [true] : []

    content {
      secret_rotation_enabled = true
    }
  }

  tags = local.tags

  lifecycle {
    # The cluster autoscaler owns the current size of the system pool.
    ignore_changes = [default_node_pool[0].node_count]
  }

  # Azure refuses to delete an address a load balancer still holds: the cluster (and with
  # it the load balancer in its node resource group) goes first, the ingress address after.
  depends_on = [azurerm_public_ip.ingress]
}

# One shared autoscaling user pool per entry, e.g. per service tier.
resource "azurerm_kubernetes_cluster_node_pool" "tier" {
  for_each = var.tier_node_pools

  name                  = each.key
  kubernetes_cluster_id = azurerm_kubernetes_cluster.shared.id
  vm_size               = each.value.vm_size
  mode                  = "User"
  vnet_subnet_id        = azurerm_subnet.aks_nodes.id

  auto_scaling_enabled = true
  min_count            = each.value.min_count
  max_count            = each.value.max_count

  node_labels = each.value.labels
  node_taints = each.value.taints

  # Pool names are at most 12 characters; "r" + the rest keeps that and differs.
  temporary_name_for_rotation = "${startswith(each.key, "r") ? "s" : "r"}${substr(each.key, 1, 11)}"

  upgrade_settings {
    max_surge = "10%"
  }

  tags = local.tags

  lifecycle {
    ignore_changes = [node_count]
  }
}
