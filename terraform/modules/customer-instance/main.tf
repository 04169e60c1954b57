data "azurerm_client_config" "current" {}

locals {
  # Compliance regimes whose presence makes Key Vault purge protection mandatory.
  purge_protected_regimes = ["gdpr", "hipaa", "pci"]

  compliance               = sort(distinct([for c in var.compliance : lower(c)]))
  purge_protection_enabled = length(setintersection(local.compliance, local.purge_protected_regimes)) > 0

  # Module tags win over caller tags so that ownership tags cannot be spoofed.
  tags = merge(var.tags, {
    customer   = var.customer
    tenant     = var.tenant_name
    tier       = var.tier
    compliance = length(local.compliance) > 0 ? join("+", local.compliance) : "none"
    managed-by = "landlord"
  })
}

resource "azurerm_resource_group" "this" {
  name     = var.resource_group_name
  location = var.location
  tags     = local.tags

  lifecycle {
    # Cross-variable rules: validation blocks may only reference their own
    # variable before Terraform 1.9, so they are enforced here at plan time.
    precondition {
      condition     = var.node_pool.enabled == (var.isolation == "nodepool")
      error_message = "node_pool.enabled must be true exactly when isolation is \"nodepool\" (isolation is \"${var.isolation}\")."
    }

    precondition {
      condition     = var.dedicated_cluster.enabled == (var.isolation == "cluster")
      error_message = "dedicated_cluster.enabled must be true exactly when isolation is \"cluster\" (isolation is \"${var.isolation}\")."
    }

    precondition {
      condition     = var.dedicated_cluster.enabled || var.workload_identity.oidc_issuer_url != ""
      error_message = "workload_identity.oidc_issuer_url may only be empty when dedicated_cluster.enabled is true."
    }
  }
}
