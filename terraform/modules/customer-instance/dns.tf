locals {
  # A entries sharing a name become one record set with several addresses.
  dns_a_records = {
    for r in var.dns_records : r.name => r.target... if r.type == "A"
  }

  # INGRESS entries: alias records of the dedicated cluster's ingress address (ingress.tf).
  dns_ingress_names = distinct([for r in var.dns_records : r.name if r.type == "INGRESS"])

  # CNAME names are unique (enforced by the dns_records validation).
  dns_cname_records = {
    for r in var.dns_records : r.name => r.target if r.type == "CNAME"
  }
}

# One resource for both kinds of A record set, keyed by name: a tenant that moves to or
# from a dedicated cluster updates its record sets in place instead of deleting and
# creating the same name in one apply.
resource "azurerm_dns_a_record" "this" {
  # An offboarded tenant's names point nowhere at once: a record left behind would send
  # its customers' traffic to whoever serves that address next.
  for_each = local.active ? merge(
    { for name, targets in local.dns_a_records : name => { records = sort(distinct(targets)), ingress = false } },
    { for name in local.dns_ingress_names : name => { records = null, ingress = true } },
  ) : {}

  name                = each.key
  zone_name           = var.dns_zone_name
  resource_group_name = var.dns_zone_resource_group_name
  ttl                 = var.dns_ttl
  records             = each.value.records
  # An alias follows the address itself: no copy of it to go stale.
  target_resource_id = each.value.ingress ? azurerm_public_ip.ingress[0].id : null

  tags = local.tags
}

resource "azurerm_dns_cname_record" "this" {
  for_each = local.active ? local.dns_cname_records : {}

  name                = each.key
  zone_name           = var.dns_zone_name
  resource_group_name = var.dns_zone_resource_group_name
  ttl                 = var.dns_ttl
  record              = each.value

  tags = local.tags
}
