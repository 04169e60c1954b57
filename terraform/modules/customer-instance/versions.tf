terraform {
  # 1.5 is the floor: validation blocks here only reference their own variable
  # (cross-variable rules live in lifecycle preconditions instead), and nothing
  # newer than `check`-era language features is used. OpenTofu >= 1.6 works too.
  required_version = ">= 1.5.0"

  required_providers {
    azurerm = {
      source = "hashicorp/azurerm"
      # 5.x: the current major since July 2026, and the one `terraform validate` runs
      # against here (scripts/terraform-validate.sh builds it from its Go module).
      version = "~> 5.2"
    }
  }
}
