// Package register stands in for upstream's pkg/generator/register (see ../providers): no
// generator is linked. Landlord's ExternalSecrets read stored values only, and the
// generators' CRDs are not installed, so a generatorRef fails the same way with or without them.
package register
