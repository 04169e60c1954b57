/** What `landlord init` writes: a commented platform config and one example tenant. */

export const PLATFORM_TEMPLATE = `# landlord.yaml: the platform config. Every tenant's instance is rendered from this file
# plus the tenant's own spec (tenants/*.yaml). Values merge in three layers:
#   defaults -> tiers.<tier> -> tenant spec.overrides   (most specific wins; lists replace)
apiVersion: landlord.dev/v1alpha1
kind: PlatformConfig

platform:
  name: landlord            # used in derived cloud names; changing it renames vaults and storage
  namespacePrefix: tenant-  # tenant "acme" lives in namespace "tenant-acme"
  reservedNames: []         # tenant names nobody may take, on top of the built-in ones
  # Kubernetes version of the dedicated clusters (tiers with isolation: cluster) unless a tier
  # pins its own. It must be a version AKS supports (\`az aks get-versions -l <region>\`): AKS
  # will not create a cluster on one past end of life. Raising it upgrades those clusters at
  # their next \`terraform apply\`.
  kubernetesVersion: "1.33"

# Global defaults: the first layer. Tiers and tenants only state what differs.
defaults:
  app:
    image: registry.example.com/saas/app   # repository only; the tag is "version"
    version: "1.0.0"
    port: 8080
    metricsPort: 9090
    metricsPath: /metrics
    replicas: 1                            # the floor the autoscaler keeps
    autoscaling: { maxReplicas: 3, targetCPUUtilization: 75 }
    resources:
      requests: { cpu: 250m, memory: 256Mi }
      limits: { cpu: "1", memory: 512Mi }
    probes:
      liveness: { path: /healthz, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 }
      readiness: { path: /ready, initialDelaySeconds: 5, periodSeconds: 5, failureThreshold: 3 }
    env:
      LOG_LEVEL: info                      # secrets never go here: see integrations.keyVault
    featureFlags: {}
  database:                                # one CloudNativePG cluster per tenant
    instances: 1
    imageName: ghcr.io/cloudnative-pg/postgresql:16.4
    storage: { size: 10Gi }
    resources:
      requests: { cpu: 250m, memory: 512Mi }
      limits: { cpu: "1", memory: 512Mi }
    backup: { schedule: "0 0 2 * * *", retentionDays: 7 }   # six fields, seconds first
    pooler:
      enabled: false
      instances: 1
      resources:
        requests: { cpu: 100m, memory: 64Mi }
        limits: { cpu: 500m, memory: 128Mi }
    parameters:
      max_connections: "100"
  # Isolation is always on; these exist so that an attempt to switch it off gets a clear error.
  security: { defaultDenyNetworkPolicy: true, resourceQuota: true, namespaceScopedRbac: true }

# Tiers: the plans customers buy. The quota must hold the tier's peak: HPA ceiling + 1 surge
# pod, database instances + 1 job pod, and the pooler (landlord validate checks the sums).
tiers:
  small:
    description: Shared nodes, one database instance.
    isolation: namespace
    price: { monthly: 4900 }               # minor units: 49.00 in billing.currency
    ceilings: { maxReplicas: 6, maxDatabaseInstances: 1, maxDatabaseStorage: 20Gi, maxBackupRetentionDays: 14 }
    app:
      replicas: 2
      autoscaling: { maxReplicas: 4 }
    quota: { cpu: "3", memory: 6Gi, storage: 20Gi, pvcs: 4, pods: 20 }
  medium:
    description: Dedicated node pool, database with a standby (HA).
    isolation: nodepool
    nodePool: { vmSize: Standard_D4s_v5, minCount: 1, maxCount: 5 }
    price: { monthly: 29900 }
    ceilings: { maxReplicas: 12, maxDatabaseInstances: 3, maxDatabaseStorage: 200Gi, maxBackupRetentionDays: 60 }
    app:
      replicas: 3
      autoscaling: { maxReplicas: 8 }
      resources:
        requests: { cpu: 500m, memory: 512Mi }
        limits: { cpu: "2", memory: 1Gi }
    database:
      instances: 2
      storage: { size: 50Gi }
      resources:
        requests: { cpu: "1", memory: 2Gi }
        limits: { cpu: "1", memory: 2Gi }
      backup: { retentionDays: 30 }
    quota: { cpu: "10", memory: 20Gi, storage: 200Gi, pvcs: 6, pods: 40 }
  large:
    description: Dedicated cluster, three database instances with read replicas and a pooler.
    isolation: cluster
    cluster:
      # kubernetesVersion: "1.33"          # pins this tier; unset: platform.kubernetesVersion
      systemVmSize: Standard_D4s_v5
      systemNodeCount: 3
      appVmSize: Standard_D8s_v5
      appMinCount: 3
      appMaxCount: 20
      skuTier: Standard
    price: { monthly: 149900 }
    ceilings: { maxReplicas: 40, maxDatabaseInstances: 5, maxDatabaseStorage: 1Ti, maxBackupRetentionDays: 365 }
    app:
      replicas: 5
      autoscaling: { maxReplicas: 20 }
      resources:
        requests: { cpu: "1", memory: 1Gi }
        limits: { cpu: "2", memory: 2Gi }
    database:
      instances: 3
      storage: { size: 200Gi }
      resources:
        requests: { cpu: "2", memory: 8Gi }
        limits: { cpu: "2", memory: 8Gi }
      backup: { retentionDays: 90 }
      pooler: { enabled: true, instances: 2 }
    quota: { cpu: "40", memory: 96Gi, storage: 1Ti, pvcs: 10, pods: 100 }

# The shared clusters tenants are placed on (large tenants get a dedicated one of their own).
clusters:
  - name: aks-weu-1
    region: westeurope
    kubernetesVersion: "1.33"              # what the cluster runs (\`az aks show\`); charts are rendered for it
    cpuOvercommit: 4                       # CPU quotas placed here may add up to 4x the shared pools' CPU
    # From \`az aks show\`: the OIDC issuer (workload identity) and the resource id (node pools).
    oidcIssuerUrl: https://westeurope.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/
    resourceId: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-landlord-platform/providers/Microsoft.ContainerService/managedClusters/aks-weu-1
    nodePools:
      - { name: system, role: system, vmSize: Standard_D4s_v5, count: 3, hourlyPrice: 22, allocatable: { cpu: 3860m, memory: 12Gi, pods: 110 } }
      - { name: shared, role: shared, vmSize: Standard_D8s_v5, count: 6, hourlyPrice: 44, allocatable: { cpu: 7820m, memory: 28Gi, pods: 110 } }

integrations:
  ingress:
    className: nginx
    namespace: ingress-nginx
    podLabels: { app.kubernetes.io/name: ingress-nginx }
  certManager: { clusterIssuer: letsencrypt-prod }
  dns:
    zone: apps.example.com                 # tenant domains under this zone get records automatically
    resourceGroup: rg-landlord-dns
    target: { type: A, value: 20.50.1.10 } # the ingress controller's public address
  keyVault:
    namePrefix: kv-                        # one vault per tenant: kv-<tenant>-<hash>
    secrets:                               # pulled from the tenant's vault into Secret app-secrets
      - { key: SESSION_SECRET, remoteKey: session-secret }
  monitoring:
    namespace: monitoring
    ruleLabels: { release: kube-prometheus-stack }
  cnpg: { namespace: cnpg-system }
  azure:
    resourceGroupPrefix: rg-tenant-
    storageAccountPrefix: llbk
    # Database pods' HTTPS egress, besides the API server (clusters[].apiServerCidrs): the
    # backup storage's private endpoints, and Entra ID's sign-in ranges (AzureActiveDirectory
    # service tag, or the egress firewall in front of it) for the workload identity token.
    # backupStorageCidrs: [10.20.0.0/27]
    # entraIdCidrs: [20.190.128.0/18, 40.126.0.0/18]
  # Each tenant's Key Vault and backup storage: private by default (docs/adr/0016). Set the
  # subnet and workspace before the first \`terraform apply\`, or opt out field by field.
  # cloudPosture:
  #   publicNetworkAccess: false           # true: reachable from public networks (no private endpoints needed)
  #   privateEndpointSubnetId: /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>
  #   privateDnsZoneIds:
  #     keyVault: /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net
  #     blob: /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net
  #   diagnostics: true                    # audit logs to logAnalyticsWorkspaceId
  #   logAnalyticsWorkspaceId: /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>
  #   locks: true                          # CanNotDelete locks on vault, backups and a dedicated cluster's ingress address
  #   purgeProtection: true                # fixed per tenant incarnation
  # GitOps delivery (delivery.mode: gitops); clusterRegistration lets dedicated clusters register themselves.
  # gitops:
  #   repoURL: https://git.example.com/fleet.git
  #   revision: main
  #   clusterRegistration:
  #     platformKeyVaultId: /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>
  #     argocdPrincipalId: 00000000-0000-0000-0000-000000000000

# Cluster add-ons Argo CD installs on every cluster, dedicated ones too (docs/adr/0019). The
# defaults pin each chart; change a version here to upgrade it fleet-wide.
# addons:
#   ingress:
#     version: 4.14.1                      # chart ingress-nginx from https://kubernetes.github.io/ingress-nginx
#     values: { controller: { replicaCount: 2 } }
#     clusterValues:                       # on top, for one cluster (e.g. the shared ingress address)
#       aks-weu-1: { controller: { service: { annotations: { service.beta.kubernetes.io/azure-pip-name: pip-aks-weu-1-ingress } } } }
#   certManager: { version: v1.21.1 }
#   cloudnativePg: { version: 0.27.1 }
#   barmanCloud: { version: 0.8.0 }          # chart plugin-barman-cloud: CloudNativePG's backups (needs cert-manager)
#   externalSecrets: { version: 2.9.0 }
#   monitoring: { version: 77.8.0 }        # kube-prometheus-stack
#   # any add-on: enabled: false leaves it to the operator

billing:
  currency: EUR
  markupPercent: 20

policy:
  allowExceedTierCeilings: false           # true lets any override go past its tier's ceilings
  ceilingExceptions: []                    # or name the tenants that may
  # What a tenant's compliance tags (spec.compliance) require of it; \`landlord validate\`
  # refuses a tenant that does not meet them. A tag not listed here requires nothing.
  compliance:
    hipaa:
      requirePrivateEndpoints: true        # vault and backups behind private endpoints only (integrations.cloudPosture)
      allowedIsolation: [nodepool, cluster]   # never on nodes shared with other tenants: tier medium or large
      # allowedRegions: [westeurope]       # where its data may live; unset: any region
    pci:
      requirePrivateEndpoints: true
      allowedIsolation: [nodepool, cluster]
    # gdpr:
    #   allowedRegions: [westeurope, northeurope]   # e.g. keep EU customers' data in the EU
  # isolationProbeImage: registry.example.com/landlord/netcheck:1   # audit --live sends real packets with it
`;

export const TENANT_TEMPLATE = `# One customer. Keep it short: everything not stated here comes from landlord.yaml.
apiVersion: landlord.dev/v1alpha1
kind: Tenant
metadata:
  name: acme                      # DNS label, at most 40 characters; names its namespace
  labels: { team: enterprise-sales }
spec:
  displayName: Acme Corp
  tier: small                     # small | medium | large (tiers in landlord.yaml)
  domains: [acme.apps.example.com]
  contacts:
    email: ops@acme.example.com   # alerts go here
  compliance: [gdpr]
  overrides:                      # only what differs from the tier
    app:
      env: { LOG_LEVEL: debug }
      featureFlags: { newBilling: true }
  maintenanceWindow: { days: [sun], start: "02:00", durationMinutes: 120 }
`;
