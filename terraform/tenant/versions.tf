terraform {
  required_version = ">= 1.5.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 5.2"
    }
  }

  # Partial configuration: one state per tenant. Supply the rest at init, e.g.
  #   terraform init -backend-config=backend.hcl -backend-config="key=tenants/<tenant_name>/<incarnation>.tfstate"
  backend "azurerm" {}
}

provider "azurerm" {
  # The backup storage account has shared keys disabled, so the provider must
  # use Entra ID for blob/container data-plane calls.
  storage_use_azuread = true

  features {
    key_vault {
      # Keep a destroyed tenant's vault soft-deleted (recoverable) instead of
      # purging it; with purge protection (the default) it cannot be purged anyway.
      purge_soft_delete_on_destroy    = false
      recover_soft_deleted_key_vaults = true
    }

    # The backup account denies public networks and shared keys: manage it
    # through Azure Resource Manager only (no data-plane path or role needed).
    storage {
      data_plane_available = false
    }
  }
}
