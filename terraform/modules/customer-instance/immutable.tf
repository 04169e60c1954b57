# Settings Azure fixes when a resource is created. They are recorded here on the first
# apply and never updated (ignore_changes), so a later change of the inputs fails at
# plan time with the reason, instead of an apply that fails half-way for every tenant.
# A new value takes effect with a new tenant incarnation (new vault name, new state).
resource "terraform_data" "key_vault_settings" {
  input = {
    soft_delete_retention_days = var.key_vault_soft_delete_retention_days
    purge_protection_enabled   = var.cloud_posture.purge_protection_enabled
  }

  lifecycle {
    ignore_changes = [input]

    postcondition {
      condition     = self.output.soft_delete_retention_days == var.key_vault_soft_delete_retention_days
      error_message = "Key Vault ${var.key_vault_name} was created with soft_delete_retention_days = ${self.output.soft_delete_retention_days}; Azure cannot change it (asked for ${var.key_vault_soft_delete_retention_days}). The new value applies to new tenants only."
    }

    postcondition {
      condition     = self.output.purge_protection_enabled == var.cloud_posture.purge_protection_enabled
      error_message = "Key Vault ${var.key_vault_name} was created with purge_protection_enabled = ${self.output.purge_protection_enabled}; it is fixed for the life of the vault (Azure cannot turn it off, and Landlord does not flip it on a tag). The new value applies to new tenants only."
    }
  }
}
