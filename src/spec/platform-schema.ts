/** Schema of landlord.yaml, the platform config. */
import { z } from "zod";
import { NOTICES_DEFAULTS, noticesSchema } from "./notices-schema.js";
import {
  count,
  cpuQuantity,
  dnsLabel,
  explain,
  hostname,
  labels,
  memoryQuantity,
  money,
  storageQuantity,
} from "./fields.js";
import { layerSchema } from "./layer-schema.js";
import { monitoringIntegrationSchema, tierSloSchema } from "./monitoring-schema.js";
import { ROLLOUT_DEFAULTS, rolloutSchema } from "./rollout-config-schema.js";
import { COMPLIANCE_TAGS } from "./tenant-schema.js";

/** Upstream's repositories for the images the platform's operators run in tenant namespaces. */
export const PLATFORM_IMAGE_REPOSITORIES = [
  "ghcr.io/cloudnative-pg/cloudnative-pg",
  "ghcr.io/cloudnative-pg/pgbouncer",
  // The Barman Cloud plugin adds it to every database pod to archive WAL and take backups.
  "ghcr.io/cloudnative-pg/plugin-barman-cloud-sidecar",
  "quay.io/jetstack/cert-manager-acmesolver",
] as const;

/** Azure's public cloud; `{account}` stands for a tenant's storage account name. */
export const DEFAULT_BLOB_ENDPOINT = "https://{account}.blob.core.windows.net";

/** Host labels a platform commonly serves itself under its zone: its portal, API, dashboards, mail. */
export const RESERVED_HOST_LABELS = ["www", "api", "portal", "app", "apps", "admin", "auth", "login", "sso", "oauth", "id", "grafana", "prometheus", "alertmanager", "argocd", "status", "docs", "help", "support", "mail", "smtp", "imap", "mx", "ns", "ns1", "ns2", "autodiscover", "autoconfig", "cdn", "static"] as const;

export const ISOLATION_MODES = ["namespace", "nodepool", "cluster"] as const;
export type IsolationMode = (typeof ISOLATION_MODES)[number];

const taint = z.string().regex(/^[A-Za-z0-9./-]+=[A-Za-z0-9._-]*:(NoSchedule|PreferNoSchedule|NoExecute)$/, {
  error: explain("taints are written key=value:Effect", "write e.g. 'landlord.dev/tier=medium:NoSchedule'"),
});

const aksPoolName = z.string().regex(/^[a-z][a-z0-9]{0,11}$/, {
  error: explain("AKS node pool names are 1-12 lowercase letters and digits, starting with a letter", "write e.g. 'shared1'"),
});

const nodePool = z.strictObject({
  name: aksPoolName,
  role: z.enum(["system", "shared"]),
  vmSize: z.string().min(1),
  count: count("node count", 0, 1000),
  allocatable: z.strictObject({
    cpu: cpuQuantity("allocatable cpu"),
    memory: memoryQuantity("allocatable memory"),
    pods: count("allocatable pods", 1, 1000),
  }),
  hourlyPrice: money("hourlyPrice"),
  labels: labels.default({}),
  taints: z.array(taint).default([]),
});

const cluster = z.strictObject({
  name: dnsLabel(40),
  region: z.string().min(1),
  kubernetesVersion: z.string().regex(/^\d+\.\d+(\.\d+)?$/).optional(),
  oidcIssuerUrl: z.url().optional(),
  /** Azure resource id of the AKS cluster, for per-tenant node pools. */
  resourceId: z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+$/).optional(),
  /** Subnet of the cluster's virtual network for per-tenant node pools; unset: the cluster's node subnet. */
  nodeSubnetId: z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i).optional(),
  apiServerCidrs: z.array(z.cidrv4()).default([]),
  /** How far the CPU quotas of placed tenants may exceed the shared pools' allocatable CPU. */
  cpuOvercommit: z.number().min(1).max(20).default(1),
  nodePools: z.array(nodePool).min(1, { error: explain("a cluster needs node pools", "list at least one node pool") }),
});

const tierNodePool = z
  .strictObject({
    vmSize: z.string().min(1),
    minCount: count("minCount", 1, 1000),
    maxCount: count("maxCount", 1, 1000),
  })
  .refine((p) => p.minCount <= p.maxCount, { error: explain("minCount is above maxCount", "lower minCount or raise maxCount"), path: ["minCount"] });

const kubernetesVersion = z.string().regex(/^\d+\.\d+(\.\d+)?$/, {
  error: explain("kubernetesVersion is a minor version, or an exact patch version", "write e.g. '1.33' (AKS keeps it on the latest patch) or '1.33.2'"),
});

const tierCluster = z.strictObject({
  /** Unset: platform.kubernetesVersion, so one line of landlord.yaml keeps every tier on a supported version. */
  kubernetesVersion: kubernetesVersion.optional(),
  systemVmSize: z.string().min(1),
  systemNodeCount: count("systemNodeCount", 1, 100),
  appVmSize: z.string().min(1),
  appMinCount: count("appMinCount", 1, 1000),
  appMaxCount: count("appMaxCount", 1, 1000),
  skuTier: z.enum(["Free", "Standard", "Premium"]).default("Standard"),
}).refine((c) => c.appMinCount <= c.appMaxCount, {
  error: explain("appMinCount is above appMaxCount", "lower appMinCount or raise appMaxCount"),
  path: ["appMinCount"],
});

const tier = layerSchema
  .extend({
    description: z.string().max(500).optional(),
    isolation: z.enum(ISOLATION_MODES, {
      error: explain("isolation must be namespace, nodepool or cluster", "pick one of namespace | nodepool | cluster"),
    }),
    price: z.strictObject({
      monthly: money("price.monthly"),
      // landlord invoice (docs/adr/0010): what the base fee includes each month, and the price
      // per unit above it (minor units, fractions allowed). Unset: nothing included, nothing charged.
      allowance: z
        .strictObject({ cpuCoreHours: z.number().min(0).max(1e9), memoryGiBHours: z.number().min(0).max(1e9), storageGiBMonths: z.number().min(0).max(1e9), egressGiB: z.number().min(0).max(1e9) })
        .partial()
        .default({}),
      overage: z
        .strictObject({ cpuCoreHour: z.number().min(0).max(100_000), memoryGiBHour: z.number().min(0).max(100_000), storageGiBMonth: z.number().min(0).max(100_000), egressGiB: z.number().min(0).max(100_000) })
        .partial()
        .default({}),
    }),
    ceilings: z
      .strictObject({
        maxReplicas: count("ceilings.maxReplicas", 1, 1000),
        maxDatabaseInstances: count("ceilings.maxDatabaseInstances", 1, 9),
        maxDatabaseStorage: storageQuantity("ceilings.maxDatabaseStorage"),
        // Unset, a tenant may not keep backups longer or take them more often than its tier does.
        maxBackupRetentionDays: count("ceilings.maxBackupRetentionDays", 1, 3650),
        minBackupIntervalMinutes: count("ceilings.minBackupIntervalMinutes", 60, 525_600),
      })
      .partial()
      .default({}),
    nodePool: tierNodePool.optional(),
    cluster: tierCluster.optional(),
    /** Service level objectives: recording rules and burn-rate alerts per tenant (docs/adr/0009). */
    slo: tierSloSchema.optional(),
  })
  .superRefine((t, ctx) => {
    if (t.isolation === "nodepool" && !t.nodePool) {
      ctx.addIssue({
        code: "custom",
        path: ["nodePool"],
        message: explain("a nodepool tier needs a nodePool", "add nodePool: {vmSize, minCount, maxCount}"),
      });
    }
    if (t.isolation === "cluster" && !t.cluster) {
      ctx.addIssue({
        code: "custom",
        path: ["cluster"],
        message: explain("a cluster tier needs a cluster", "add cluster: {systemVmSize, systemNodeCount, appVmSize, ...}"),
      });
    }
  });

/** A week: time for a customer's DNS team to publish a record, too short to squat a name for long. */
export const UNVERIFIED_CLAIM_DAYS = 7;

/**
 * Where each tenant's SecretStore reads its secrets (docs/adr/0031). azurekv: the tenant's own
 * Key Vault, through the app ServiceAccount's workload identity (production). kubernetes: for
 * a cluster without Entra ID (the dev cluster), one Secret per tenant vault, named like the
 * vault, in a namespace of the platform's, read with the tenant's app ServiceAccount token;
 * whoever fills a tenant's Secret there grants its app ServiceAccount `get` on that Secret
 * alone, as Terraform grants the app identity its own vault. No tenant is given that namespace
 * (reservedNamespaces).
 */
export const keyVaultProvider = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("azurekv") }),
    z.strictObject({ type: z.literal("kubernetes"), namespace: dnsLabel() }),
  ])
  .default({ type: "azurekv" });

const integrations = z.strictObject({
  ingress: z.strictObject({
    className: z.string().min(1),
    namespace: dnsLabel(),
    podLabels: labels.default({}),
  }),
  certManager: z.strictObject({ clusterIssuer: z.string().min(1), namespace: dnsLabel().default("cert-manager") }),
  dns: z.strictObject({
    zone: hostname,
    resourceGroup: z.string().min(1),
    target: z.strictObject({ type: z.enum(["A", "CNAME"]), value: z.string().min(1) }),
    /** How custom domains' TXT challenges are read (`landlord domains verify`, docs/adr/0017). */
    challenge: z
      .strictObject({
        /** Resolvers to ask (IP, or IP:port); empty: the system's. */
        resolvers: z
          .array(z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9a-fA-F:]+\](:\d{1,5})?|[0-9a-fA-F:]+)$/, { error: explain("a resolver is an IP address with an optional port", "write e.g. '1.1.1.1' or '10.0.0.10:53'") }))
          .default([]),
        /** Custom domains in zones the platform hosts in Azure DNS are read there, through Resource Manager. */
        azureDns: z
          .strictObject({
            subscriptionId: z.string().regex(/^[0-9a-fA-F-]{36}$/, { error: explain("subscriptionId is a GUID", "copy it from the Azure portal") }),
            resourceGroup: z.string().min(1),
            zones: z.array(hostname).min(1),
            endpoint: z.url().default("https://management.azure.com"),
            /** Client id of the user-assigned managed identity to use; unset: the system-assigned one. */
            clientId: z.string().min(1).optional(),
          })
          .optional(),
        /**
         * Days a custom domain stays claimed without proof. After that the claim has
         * lapsed: the name is free for another tenant, the tenant keeps it only by proving
         * it first. A verified domain never lapses. Without a bound a tenant could hold a
         * name it does not control, and its real owner could never onboard it.
         */
        unverifiedClaimDays: count("unverifiedClaimDays", 1, 365).default(UNVERIFIED_CLAIM_DAYS),
      })
      .default({ resolvers: [], unverifiedClaimDays: UNVERIFIED_CLAIM_DAYS }),
  }),
  keyVault: z.strictObject({
    namePrefix: z.string().regex(/^[a-z][a-z0-9-]{0,9}$/, {
      error: explain("namePrefix is 1-10 lowercase letters, digits or '-'", "write e.g. 'kv-'"),
    }),
    secrets: z
      .array(z.strictObject({ key: z.string().regex(/^[-._a-zA-Z0-9]+$/), remoteKey: z.string().regex(/^[-a-zA-Z0-9]{1,127}$/) }))
      .default([]),
    provider: keyVaultProvider,
  }),
  monitoring: monitoringIntegrationSchema,
  cnpg: z.strictObject({ namespace: dnsLabel() }),
  dnsResolver: z
    .strictObject({ namespace: dnsLabel(), podLabels: labels })
    .default({ namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } }),
  gitops: z
    .strictObject({
      repoURL: z.string().min(1),
      revision: z.string().min(1).default("main"),
      argocdNamespace: dnsLabel().default("argocd"),
      /**
       * How dedicated clusters register with Argo CD (docs/adr/0016, 0019): their Terraform writes
       * the API server URL and CA to this platform Key Vault and grants this principal (Argo CD's
       * workload identity) AKS RBAC Cluster Admin. Unset: register them by hand.
       */
      clusterRegistration: z
        .strictObject({
          platformKeyVaultId: z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/i, { error: explain("platformKeyVaultId is a Key Vault resource id", "use the vault the ClusterSecretStore landlord-platform reads (argocd_registration.key_vault_id of terraform/platform)") }),
          argocdPrincipalId: z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, { error: explain("argocdPrincipalId is an object id (GUID)", "use the principal id of Argo CD's workload identity") }),
        })
        .optional(),
    })
    .optional(),
  terraform: z
    .strictObject({
      /** The customer-instance module: a path relative to landlord.yaml, or a Git/registry source. */
      moduleSource: z.string().min(1).default("./terraform/modules/customer-instance"),
      stateKeyPrefix: z.string().regex(/^[-\w./]*$/).default("tenants/"),
      backend: z
        .strictObject({ resourceGroupName: z.string().min(1), storageAccountName: z.string().min(1), containerName: z.string().min(1) })
        .optional(),
    })
    .default({ moduleSource: "./terraform/modules/customer-instance", stateKeyPrefix: "tenants/" }),
  azure: z.strictObject({
    /** Private endpoint ranges of backup storage; with the API server ranges they fence database egress. */
    backupStorageCidrs: z.array(z.cidrv4()).default([]),
    /**
     * Where database pods exchange their workload identity token (Entra ID's login endpoint:
     * the AzureActiveDirectory service tag's ranges, or the egress firewall that fronts them).
     * Without them the backup and WAL uploads cannot authenticate (issue 22, defect 2).
     */
    entraIdCidrs: z.array(z.cidrv4()).default([]),
    /**
     * Where tenants' storage accounts serve blobs, `{account}` standing for the account:
     * another Azure cloud (https://{account}.blob.core.usgovcloudapi.net), or on a dev cluster
     * an emulator in path style (http://10.250.0.253:10000/dev/{account}: one emulator
     * account, a container per tenant). Its port joins the database pods' storage egress.
     */
    blobEndpoint: z
      .url({ protocol: /^https?$/, error: explain("blobEndpoint is an http(s) URL", `write e.g. '${DEFAULT_BLOB_ENDPOINT}'`) })
      .refine((u) => u.includes("{account}"), { error: explain("blobEndpoint has no {account} placeholder, so every tenant would write one storage account", `write e.g. '${DEFAULT_BLOB_ENDPOINT}'`) })
      .default(DEFAULT_BLOB_ENDPOINT),
    /**
     * A Secret in each tenant namespace whose AZURE_STORAGE_CONNECTION_STRING the backups use
     * instead of the workload identity: for a storage emulator only (validate warns).
     */
    backupConnectionStringSecret: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: explain("backupConnectionStringSecret is a Secret name", "write e.g. 'backup-storage'") }).optional(),
    resourceGroupPrefix: z.string().regex(/^[-\w.()]{1,40}$/),
    storageAccountPrefix: z.string().regex(/^[a-z0-9]{1,8}$/, {
      error: explain("storageAccountPrefix is 1-8 lowercase letters or digits", "write e.g. 'llbk'"),
    }),
  }),
  /**
   * Posture of each tenant's Key Vault and backup storage (docs/adr/0016): the Azure
   * Verified Modules defaults (no public network access, private endpoints, audit
   * diagnostics, delete locks, purge protection); each field is an explicit opt-out.
   * Purge protection is fixed per tenant incarnation: a change applies to new tenants.
   */
  cloudPosture: z
    .strictObject({
      publicNetworkAccess: z.boolean().default(false),
      /** Subnet for the private endpoints; required unless publicNetworkAccess (checked by terraform plan). */
      privateEndpointSubnetId: z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i).optional(),
      privateDnsZoneIds: z
        .strictObject({
          keyVault: z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/privateDnsZones\/privatelink\.vaultcore\.azure\.net$/i).optional(),
          blob: z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/privateDnsZones\/privatelink\.blob\.core\.windows\.net$/i).optional(),
        })
        .default({}),
      /**
       * Subnet for dedicated clusters' nodes, in the network the privatelink zones are linked
       * to (terraform/platform outputs it); unset: AKS makes a network per cluster, which
       * cannot reach private endpoints, so a private posture refuses a cluster tier without it.
       */
      dedicatedClusterSubnetId: z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i).optional(),
      diagnostics: z.boolean().default(true),
      /** Where the audit logs go; required while diagnostics is on (checked by terraform plan). */
      logAnalyticsWorkspaceId: z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i).optional(),
      locks: z.boolean().default(true),
      purgeProtection: z.boolean().default(true),
    })
    .default({ publicNetworkAccess: false, privateDnsZoneIds: {}, diagnostics: true, locks: true, purgeProtection: true }),
});

/** Isolation modes a compliance regime may demand: anything but sharing nodes with other tenants. */
export const DEDICATED_ISOLATION_MODES = ["nodepool", "cluster"] as const;

/**
 * What a compliance tag on a tenant requires of where and how it runs (policy.compliance.<tag>),
 * checked when the tenant is validated. Unset fields require nothing.
 */
const complianceRule = z.strictObject({
  /** The tenant's Key Vault and backup storage reachable only through private endpoints (integrations.cloudPosture). */
  requirePrivateEndpoints: z.boolean().default(false),
  /** Tier isolation modes the tenant may use. */
  allowedIsolation: z
    .array(z.enum(DEDICATED_ISOLATION_MODES, { error: explain("allowedIsolation lists nodepool or cluster", "write e.g. [nodepool, cluster]; leave it out to allow shared nodes") }))
    .min(1, { error: explain("allowedIsolation is empty, which no tier could meet", "list nodepool and/or cluster, or leave it out") })
    .optional(),
  /** Regions the tenant may be placed in (its data lives there). */
  allowedRegions: z
    .array(z.string().regex(/^[a-z][a-z0-9]*$/, { error: explain("a region is an Azure region name", "write e.g. 'westeurope' (lowercase, no spaces)") }))
    .min(1, { error: explain("allowedRegions is empty, which no tenant could meet", "list the regions, or leave it out to allow any") })
    .optional(),
});

export type ComplianceRule = z.infer<typeof complianceRule>;
export type ComplianceTag = (typeof COMPLIANCE_TAGS)[number];

// A key per tag rather than a record, so a misspelt tag is an unknown field with a "did you mean".
const compliancePolicy = z.strictObject({
  gdpr: complianceRule.optional(),
  hipaa: complianceRule.optional(),
  pci: complianceRule.optional(),
  soc2: complianceRule.optional(),
  iso27001: complianceRule.optional(),
} satisfies Record<ComplianceTag, z.ZodType>);

const KUBERNETES_DELIVERY_DEFAULTS = { contexts: {}, forceConflicts: false, parallelism: 8, readyTimeoutSeconds: 300 };

/** Server-side apply straight to the clusters (delivery.mode: kubernetes). */
const kubernetesDelivery = z.strictObject({
  /**
   * kubeconfig context per cluster name of landlord.yaml (shared clusters and dedicated
   * `aks-<tenant>` ones); a cluster not listed uses the context of the same name.
   */
  contexts: z.record(z.string().min(1), z.string().min(1)).default({}),
  /** Take over fields another field manager owns (kubectl edit, a controller); off by default. */
  forceConflicts: z.boolean().default(false),
  /** Objects applied at once per tenant. */
  parallelism: z.number().int().min(1).max(64).default(8),
  /** How long onboarding waits for the tenant to be live before failing with what is not ready. */
  readyTimeoutSeconds: z.number().int().min(1).max(3600).default(300),
});

export const platformSchema = z.strictObject({
  apiVersion: z.literal("landlord.dev/v1alpha1", {
    error: explain("apiVersion must be landlord.dev/v1alpha1", "set apiVersion: landlord.dev/v1alpha1"),
  }),
  kind: z.literal("PlatformConfig", { error: explain("kind must be PlatformConfig", "set kind: PlatformConfig") }),
  platform: z.strictObject({
    name: dnsLabel(40),
    namespacePrefix: z
      .string()
      .regex(/^([a-z0-9][-a-z0-9]{0,14})?$/, {
        error: explain("namespacePrefix is up to 15 lowercase letters, digits or '-'", "write e.g. 'tenant-'"),
      })
      .default("tenant-"),
    reservedNames: z.array(z.string()).default([]),
    /**
     * Labels under the DNS zone the platform keeps for hosts of its own (a tenant is served
     * at <name>.<zone>, so these names are refused as tenants). Every host a URL in
     * landlord.yaml names is kept as well, whatever this says.
     */
    reservedHostLabels: z.array(dnsLabel(63)).default([...RESERVED_HOST_LABELS]),
    /**
     * The Kubernetes version of the dedicated clusters Landlord creates, where the tier does not
     * pin one (tiers.<tier>.cluster.kubernetesVersion). It must be one AKS supports: AKS refuses
     * to create a cluster on a version past its end of life. A change upgrades those clusters
     * at their next terraform apply. Unset: AKS's default at creation.
     */
    kubernetesVersion: kubernetesVersion.optional(),
  }),
  defaults: layerSchema,
  tiers: z.record(dnsLabel(30), tier).refine((t) => Object.keys(t).length > 0, {
    error: explain("no tiers defined", "define at least one tier, e.g. small"),
  }),
  clusters: z.array(cluster).min(1, { error: explain("no clusters defined", "list at least one shared cluster") }),
  integrations,
  /**
   * `landlord serve` (docs/adr/0018). oidc: portal login through the organisation's OpenID
   * provider (authorization code with PKCE). Who may do what comes from the ID token's (or
   * userinfo's) claims: members of `operatorGroups` are operators; other users belong to the
   * tenant named by `tenantClaim` or mapped from their groups by `tenantGroups`; anyone else
   * is refused. The client secret stays in the environment variable `clientSecretEnv`.
   */
  serve: z
    .strictObject({
      oidc: z
        .strictObject({
          issuerUrl: z.url({ protocol: /^https?$/ }).refine((u) => u.startsWith("https:") || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(u), {
            error: explain("issuerUrl must use https (plain http only on this machine, for development)", "write the provider's issuer, e.g. https://login.example.com/realms/ops"),
          }),
          clientId: z.string().min(1).max(200),
          /** The name of the environment variable holding the client secret, never the secret. */
          clientSecretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]{0,99}$/, { error: explain("clientSecretEnv names an environment variable", "write e.g. LANDLORD_OIDC_CLIENT_SECRET and put the secret in that variable") }),
          /** Where the provider sends the browser back: <the portal's public URL>/api/v1/oidc/callback, registered with the provider. */
          redirectUrl: z.url({ protocol: /^https?$/ }).refine((u) => new URL(u).pathname === "/api/v1/oidc/callback", {
            error: explain("redirectUrl ends in /api/v1/oidc/callback", "write <the portal's public URL>/api/v1/oidc/callback"),
          }),
          scopes: z
            .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/))
            .default(["openid", "email", "profile"])
            .refine((s) => s.includes("openid"), { error: explain("scopes must include openid", "add openid to scopes") }),
          /** The claim listing the user's groups. */
          groupsClaim: z.string().min(1).default("groups"),
          operatorGroups: z.array(z.string().min(1)).default([]),
          /** A claim carrying the user's tenant name, e.g. landlord_tenant. */
          tenantClaim: z.string().min(1).optional(),
          /** group -> tenant name. */
          tenantGroups: z.record(z.string().min(1), dnsLabel()).default({}),
        })
        .refine((o) => o.operatorGroups.length > 0 || o.tenantClaim !== undefined || Object.keys(o.tenantGroups).length > 0, {
          error: explain("oidc maps nobody to a role", "set operatorGroups, tenantClaim or tenantGroups"),
        })
        .optional(),
    })
    .optional(),
  /**
   * The app as its team packages it (docs/adr/0013): a Helm chart or a Kustomize base,
   * rendered per tenant with values from the three layers (app.values). Unset: the built-in
   * generic app (one Deployment, Service and Ingress).
   */
  app: z
    .strictObject({
      package: z
        .strictObject({
          helm: z
            .strictObject({
              /** A path (relative to landlord.yaml) to a chart directory or .tgz, a chart name in `repository`, or oci://host/path/name. */
              chart: z.string().min(1).max(500),
              repository: z.url({ protocol: /^https?$/ }).optional(),
              /** The pinned chart version; a local chart's Chart.yaml must say the same. */
              version: z.string().regex(/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$/, { error: explain("version is an exact semantic version", "pin it, e.g. '1.4.2' (ranges are not allowed)") }),
              /** What a tenant's version (spec.version, the rollout) moves: the image tag passed to the chart, or the chart version itself. */
              tenantVersion: z.enum(["image", "chart"]).default("image"),
            })
            .optional(),
          kustomize: z.strictObject({ path: z.string().min(1).max(500) }).optional(),
          releaseName: dnsLabel(30).default("app"),
          /** The Service (and its port) the tenant's domains are routed to by Landlord's Ingress. */
          expose: z.strictObject({ service: dnsLabel(63), port: z.union([z.number().int().min(1).max(65535), dnsLabel(15)]) }),
          /** Dotted value paths tenants may set in spec.overrides.app.values; unset: any (the rendered output is checked either way). */
          tenantValues: z.array(z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/)).optional(),
        })
        .refine((p) => (p.helm === undefined) !== (p.kustomize === undefined), {
          error: explain("a package is either a Helm chart or a Kustomize base", "set exactly one of app.package.helm or app.package.kustomize"),
        }),
    })
    .optional(),
  /**
   * Cluster add-ons (docs/adr/0019): the Helm charts Argo CD installs on every cluster of the
   * registry, dedicated ones included, before tenants use them (delivery.mode gitops; with
   * kubernetes delivery the operator installs them). Versions are pinned here; each add-on runs
   * in the namespace its integration names. `values` apply on every cluster, and
   * `clusterValues.<cluster>` on top of them for one cluster.
   */
  addons: (() => {
    const pinned = (repoURL: string, chart: string, version: string, releaseName: string) => ({
      enabled: z.boolean().default(true),
      repoURL: z.url({ protocol: /^https?$/ }).default(repoURL),
      chart: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, { error: explain("chart is a chart name in repoURL", "write e.g. 'cert-manager'") }).default(chart),
      version: z.string().regex(/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$/, { error: explain("version is an exact chart version", "pin it, e.g. 'v1.21.1' (ranges are not allowed)") }).default(version),
      releaseName: dnsLabel(53).default(releaseName),
      values: z.record(z.string(), z.unknown()).default({}),
      clusterValues: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    });
    return z
      .strictObject({
        ingress: z
          .strictObject({
            ...pinned("https://kubernetes.github.io/ingress-nginx", "ingress-nginx", "4.14.1", "ingress-nginx"),
            /** Dotted path of the controller Service's annotations in the chart's values (where a dedicated cluster's public IP is named). */
            serviceAnnotationsPath: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/).default("controller.service.annotations"),
          })
          .prefault({}),
        certManager: z.strictObject(pinned("https://charts.jetstack.io", "cert-manager", "v1.21.1", "cert-manager")).prefault({}),
        cloudnativePg: z.strictObject(pinned("https://cloudnative-pg.github.io/charts", "cloudnative-pg", "0.27.1", "cnpg")).prefault({}),
        // The Barman Cloud plugin (app v0.15.0) that archives and backs up every tenant's database.
        barmanCloud: z.strictObject(pinned("https://cloudnative-pg.github.io/charts", "plugin-barman-cloud", "0.8.0", "barman-cloud")).prefault({}),
        externalSecrets: z.strictObject(pinned("https://charts.external-secrets.io", "external-secrets", "2.9.0", "external-secrets")).prefault({}),
        monitoring: z.strictObject(pinned("https://prometheus-community.github.io/helm-charts", "kube-prometheus-stack", "77.8.0", "kube-prometheus-stack")).prefault({}),
      })
      .prefault({});
  })(),
  billing: z.strictObject({
    currency: z.string().regex(/^[A-Z]{3}$/, { error: explain("currency is an ISO 4217 code", "write e.g. EUR or USD") }),
    markupPercent: z.number().min(0).max(1000),
    // landlord cost (docs/adr/0010): what node prices do not cover, in minor units (fractions
    // allowed: a load balancer-hour is below a cent), and how platform namespaces' cost is spread.
    usagePrices: z
      .strictObject({
        storagePerGiBMonth: z.number().min(0).max(100_000).default(0),
        loadBalancerPerHour: z.number().min(0).max(100_000).default(0),
        egressPerGiB: z.number().min(0).max(100_000).default(0),
      })
      .default({ storagePerGiBMonth: 0, loadBalancerPerHour: 0, egressPerGiB: 0 }),
    sharedCost: z
      .strictObject({ mode: z.enum(["even", "weighted"]).default("even"), tierWeights: z.record(dnsLabel(30), z.number().int().min(0).max(1000)).default({}) })
      .default({ mode: "even", tierWeights: {} }),
  }),
  /** Progressive rollout of releases: waves, health gates, rollback policy (docs/adr/0012). */
  rollout: rolloutSchema.default(ROLLOUT_DEFAULTS),
  /** What customers are told before and after changes, and how (docs/adr/0036). */
  notices: noticesSchema.default(NOTICES_DEFAULTS),
  delivery: z
    .strictObject({
      /** directory: rendered files only (no cluster); gitops: commits to a repository Argo CD syncs; kubernetes: server-side apply. */
      mode: z.enum(["directory", "gitops", "kubernetes"]).default("directory"),
      directory: z.string().min(1).default("landlord-out"),
      gitopsRepo: z.string().min(1).default("fleet-repo"),
      pushTo: z.string().min(1).optional(),
      kubernetes: kubernetesDelivery.default(KUBERNETES_DELIVERY_DEFAULTS),
    })
    .default({ mode: "directory", directory: "landlord-out", gitopsRepo: "fleet-repo", kubernetes: KUBERNETES_DELIVERY_DEFAULTS }),
  policy: z
    .strictObject({
      allowExceedTierCeilings: z.boolean().default(false),
      ceilingExceptions: z.array(z.string()).default([]),
      /**
       * Repository prefixes images may come from (a host alone admits every repository it
       * serves; `audit` flags it), optionally pinned to one digest; checked when specs are
       * validated, on chart output and by admission policy in the clusters. Empty means the
       * repositories of the default app and database images.
       */
      allowedRegistries: z
        .array(
          z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*(@sha256:[a-f0-9]{64})?$/, {
            error: explain("an entry is a repository prefix: a host name with an optional port and path, optionally @sha256:<digest>", "write e.g. 'myregistry.azurecr.io/saas/app' or 'ghcr.io/cloudnative-pg/postgresql'"),
          }),
        )
        .default([]),
      /**
       * Repositories of the images the platform's operators put into tenant pods themselves
       * (CloudNativePG's bootstrap container, PgBouncer, cert-manager's ACME solver). Always
       * allowed, and exempt from pulling Always: public images no tenant chooses. Change them
       * when the cluster pulls these from a mirror.
       */
      platformImageRepositories: z
        .array(z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)+$/, { error: explain("an entry is a repository: host and path", "write e.g. 'ghcr.io/cloudnative-pg/pgbouncer'") }))
        .default([...PLATFORM_IMAGE_REPOSITORIES]),
      /** PriorityClasses tenant pods may use (none by default). */
      allowedPriorityClasses: z.array(dnsLabel(63)).default([]),
      // Isolation judgement calls, docs/adr/0017: least privilege by default, each opt-in named.
      /** StorageClasses a tenant's volumes may name; empty: those landlord.yaml's layers name, and the cluster default. */
      allowedStorageClasses: z.array(dnsLabel(63)).default([]),
      /** entra-id: tenant access groups must be Entra ID group object ids (AKS maps groups by id). */
      identityProvider: z.enum(["generic", "entra-id"]).default("generic"),
      /** The Pod Security standard version enforced on tenant namespaces, pinned so a cluster upgrade cannot change it unseen. */
      podSecurityVersion: z
        .string()
        .regex(/^v1\.\d{1,2}$/, { error: explain("podSecurityVersion is a Kubernetes minor version", "write e.g. 'v1.33'") })
        .default("v1.33"),
      /**
       * An image holding /netcheck (controlplane/images builds it) under an allowed registry:
       * `audit --live` runs it as probe pods to send real packets along every path.
       */
      isolationProbeImage: z.string().min(1).optional(),
      /** What a tenant's admins may do beyond managing workloads; each is off unless the platform opts in. */
      tenantAdmin: z
        .strictObject({ exec: z.boolean().default(false), portForward: z.boolean().default(false), readSecrets: z.boolean().default(false) })
        .default({ exec: false, portForward: false, readSecrets: false }),
      /** What each compliance tag (a tenant's spec.compliance) requires; a tag not listed requires nothing. */
      compliance: compliancePolicy.default({}),
    })
    .default({
      allowExceedTierCeilings: false,
      ceilingExceptions: [],
      allowedRegistries: [],
      platformImageRepositories: [...PLATFORM_IMAGE_REPOSITORIES],
      allowedPriorityClasses: [],
      allowedStorageClasses: [],
      identityProvider: "generic",
      podSecurityVersion: "v1.33",
      tenantAdmin: { exec: false, portForward: false, readSecrets: false },
      compliance: {},
    }),
}).superRefine((config, ctx) => {
  for (const issue of complianceRegionIssues(config)) ctx.addIssue({ code: "custom", ...issue });
});

/**
 * A region in a compliance policy that tenants bound by it could never be placed in is a typo
 * or a stale entry. Shared clusters are only in the regions clusters[] lists; a dedicated
 * cluster can be created in any region, so a policy that allows one may name others.
 */
function complianceRegionIssues(config: { clusters: readonly { region: string }[]; policy: { compliance: Partial<Record<ComplianceTag, ComplianceRule>> } }): { path: (string | number)[]; message: string }[] {
  const known = [...new Set(config.clusters.map((c) => c.region))];
  const out: { path: (string | number)[]; message: string }[] = [];
  for (const tag of COMPLIANCE_TAGS) {
    const rule = config.policy.compliance[tag];
    if (rule?.allowedRegions === undefined || rule.allowedIsolation?.includes("cluster") !== false) continue;
    rule.allowedRegions.forEach((region, i) => {
      if (known.includes(region)) return;
      out.push({
        path: ["policy", "compliance", tag, "allowedRegions", i],
        message: explain(
          `no cluster of landlord.yaml is in region '${region}', and '${tag}' tenants may not have a dedicated cluster (allowedIsolation)`,
          `use one of: ${known.join(", ")}; or add a cluster in ${region}, or allow cluster in policy.compliance.${tag}.allowedIsolation`,
        ),
      });
    });
  }
  return out;
}

export type PlatformConfig = z.infer<typeof platformSchema>;
export type Tier = PlatformConfig["tiers"][string];
export type ClusterConfig = PlatformConfig["clusters"][number];
