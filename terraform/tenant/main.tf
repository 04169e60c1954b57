# Root configuration for one tenant: the generator writes terraform.tfvars.json
# here (variables.tf is a symlink to the module's, so the names cannot drift).
module "instance" {
  source = "../modules/customer-instance"

  tenant_name                              = var.tenant_name
  customer                                 = var.customer
  tier                                     = var.tier
  isolation                                = var.isolation
  location                                 = var.location
  resource_group_name                      = var.resource_group_name
  compliance                               = var.compliance
  key_vault_name                           = var.key_vault_name
  key_vault_soft_delete_retention_days     = var.key_vault_soft_delete_retention_days
  storage_account_name                     = var.storage_account_name
  backup_container_name                    = var.backup_container_name
  backup_retention_days                    = var.backup_retention_days
  database_backups                         = var.database_backups
  cloud_posture                            = var.cloud_posture
  dns_zone_name                            = var.dns_zone_name
  dns_zone_resource_group_name             = var.dns_zone_resource_group_name
  dns_records                              = var.dns_records
  workload_identity                        = var.workload_identity
  node_pool                                = var.node_pool
  dedicated_cluster                        = var.dedicated_cluster
  tags                                     = var.tags
  storage_account_replication_type         = var.storage_account_replication_type
  storage_shared_access_key_enabled        = var.storage_shared_access_key_enabled
  dns_ttl                                  = var.dns_ttl
  network_policy                           = var.network_policy
  dedicated_cluster_admin_group_object_ids = var.dedicated_cluster_admin_group_object_ids
  retained                                 = var.retained
  log_analytics_workspace_id               = var.log_analytics_workspace_id
  argocd_registration                      = var.argocd_registration
}
