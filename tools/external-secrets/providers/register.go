// Package register stands in for upstream's pkg/provider/register when build.sh compiles the
// controller: upstream's blank-imports all 35 providers (and with them the AWS, GCP, Oracle,
// Alibaba, IBM, Vault... SDKs), and its controller packages import it themselves, so no
// main of ours could leave them out. build.sh points `go build -overlay` at this file instead
// of upstream's register.go: only the providers Landlord's SecretStores name are linked.
package register

import (
	// The tenant's Key Vault, through the app ServiceAccount's workload identity (production).
	_ "github.com/external-secrets/external-secrets/pkg/provider/azure/keyvault"
	// A platform namespace of per-tenant Secrets (integrations.keyVault.provider: kubernetes).
	_ "github.com/external-secrets/external-secrets/pkg/provider/kubernetes"
)
