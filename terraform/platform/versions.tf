terraform {
  required_version = ">= 1.5.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 5.2"
    }
  }

  # Partial configuration: supply storage_account_name, container_name,
  # resource_group_name and key (e.g. "platform.tfstate") with
  # `terraform init -backend-config=...`.
  backend "azurerm" {}
}

provider "azurerm" {
  features {}
}
