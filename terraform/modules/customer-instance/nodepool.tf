# isolation = "nodepool": a pool in the shared cluster reserved for this
# tenant through its labels and taints.
locals {
  # Same length rules as the pool name, never equal to it, unique per pool name.
  node_pool_rotation_name = "${startswith(var.node_pool.name, "r") ? "s" : "r"}${substr(var.node_pool.name, 1, 11)}"
}

resource "azurerm_kubernetes_cluster_node_pool" "tenant" {
  count = var.node_pool.enabled && local.active ? 1 : 0

  name                  = var.node_pool.name
  kubernetes_cluster_id = var.node_pool.kubernetes_cluster_id
  vm_size               = var.node_pool.vm_size
  mode                  = "User"

  auto_scaling_enabled = true
  min_count            = var.node_pool.min_count
  max_count            = var.node_pool.max_count

  # "" leaves the pool on the cluster's node subnet.
  vnet_subnet_id = var.node_pool.vnet_subnet_id == "" ? null : var.node_pool.vnet_subnet_id

  node_labels = var.node_pool.labels
  node_taints = var.node_pool.taints

  # A new vm_size (a tier change) cycles the pool through a temporary one; without
  # a name for it the provider refuses the update.
  temporary_name_for_rotation = local.node_pool_rotation_name

  upgrade_settings {
    max_surge = "10%"
  }

  tags = local.tags

  lifecycle {
    # The cluster autoscaler owns the current size.
    ignore_changes = [node_count]
  }
}
