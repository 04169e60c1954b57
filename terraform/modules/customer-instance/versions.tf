terraform {
  # 1.5 is the floor: validation blocks here only reference their own variable
  # (cross-variable rules live in lifecycle preconditions instead), and nothing
  # newer than `check`-era language features is used. OpenTofu >= 1.6 works too.
  required_version = ">= 1.5.0"

  required_providers {
    azurerm = {
      source = "hashicorp/azurerm"
      # 4.42 is the first 4.x release with azurerm_key_vault.rbac_authorization_enabled
      # (the replacement for the deprecated enable_rbac_authorization).
      version = "~> 4.42"
    }
  }
}
