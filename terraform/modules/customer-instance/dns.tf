locals {
  # A entries sharing a name become one record set with several addresses.
  dns_a_records = {
    for r in var.dns_records : r.name => r.target... if r.type == "A"
  }

  # CNAME names are unique (enforced by the dns_records validation).
  dns_cname_records = {
    for r in var.dns_records : r.name => r.target if r.type == "CNAME"
  }
}

resource "azurerm_dns_a_record" "this" {
  for_each = local.dns_a_records

  name                = each.key
  zone_name           = var.dns_zone_name
  resource_group_name = var.dns_zone_resource_group_name
  ttl                 = var.dns_ttl
  records             = sort(distinct(each.value))

  tags = local.tags
}

resource "azurerm_dns_cname_record" "this" {
  for_each = local.dns_cname_records

  name                = each.key
  zone_name           = var.dns_zone_name
  resource_group_name = var.dns_zone_resource_group_name
  ttl                 = var.dns_ttl
  record              = each.value

  tags = local.tags
}
