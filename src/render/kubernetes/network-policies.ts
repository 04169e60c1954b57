/**
 * Default deny in and out, then the few paths a tenant needs: its own namespace, DNS,
 * the shared ingress controller, monitoring scrapes, the CloudNativePG operator, and
 * HTTPS egress for database pods (Kubernetes API and backup storage).
 */
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { ResolvedTenant } from "../../spec/resolve.js";
import { ACME_SOLVER_PORT, CNPG_STATUS_PORT, PGBOUNCER_METRICS_PORT, POSTGRES_METRICS_PORT, POSTGRES_PORT } from "../../spec/reserved-ports.js";
import { appSelector, asObject, DB, meta, type KubeObject, type RenderContext } from "../object.js";

type Spec = NonNullable<INetworkPolicy["spec"]>;

const NS_NAME = "kubernetes.io/metadata.name";
export { ACME_SOLVER_PORT, CNPG_STATUS_PORT, PGBOUNCER_METRICS_PORT, POSTGRES_METRICS_PORT, POSTGRES_PORT } from "../../spec/reserved-ports.js";

function policy(t: ResolvedTenant, name: string, spec: Spec): KubeObject {
  const np: INetworkPolicy & { metadata: ReturnType<typeof meta> } = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(t, name),
    spec,
  };
  return asObject(np);
}

/** Where database pods may open HTTPS: the cluster's API server and the backup storage. */
export function databaseEgressCidrs({ t, platform }: Pick<RenderContext, "t" | "platform">): string[] {
  const cluster = platform.clusters.find((c) => c.name === t.placement.cluster);
  const azure = platform.integrations.azure;
  return [...(cluster?.apiServerCidrs ?? []), ...azure.backupStorageCidrs, ...azure.entraIdCidrs];
}

/** The blob endpoint's port when it is not HTTPS's (an emulator on a dev cluster). */
function blobPorts(platform: RenderContext["platform"]): number[] {
  const url = new URL(platform.integrations.azure.blobEndpoint);
  const port = url.port === "" ? (url.protocol === "http:" ? 80 : 443) : Number(url.port);
  return port === 443 ? [] : [port];
}

export function networkPolicies(ctx: RenderContext): KubeObject[] {
  const { t, platform } = ctx;
  const i = platform.integrations;
  const egressCidrs = databaseEgressCidrs(ctx);
  const app = t.effective.app;
  const dbPods = { matchLabels: { "cnpg.io/cluster": DB } };
  const fromNamespace = (ns: string, podLabels: Record<string, string> = {}) => ({
    namespaceSelector: { matchLabels: { [NS_NAME]: ns } },
    ...(Object.keys(podLabels).length > 0 ? { podSelector: { matchLabels: podLabels } } : {}),
  });
  return [
    policy(t, "default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
    // Within the namespace, database pods take connections only on the PostgreSQL port; the
    // instances reach each other for replication and the status endpoint (docs/adr/0017).
    policy(t, "allow-same-namespace", {
      podSelector: { matchExpressions: [{ key: "cnpg.io/cluster", operator: "DoesNotExist" }] },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: {} }] }],
    }),
    policy(t, "allow-same-namespace-egress", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: [{ podSelector: {} }] }],
    }),
    policy(t, "allow-database-clients", {
      podSelector: dbPods,
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: POSTGRES_PORT }] },
        { from: [{ podSelector: dbPods }], ports: [{ protocol: "TCP", port: CNPG_STATUS_PORT }] },
      ],
    }),
    policy(t, "allow-dns-egress", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [fromNamespace(i.dnsResolver.namespace, i.dnsResolver.podLabels)],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    }),
    policy(t, "allow-from-ingress-controller", {
      podSelector: { matchLabels: appSelector(t) },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [fromNamespace(i.ingress.namespace, i.ingress.podLabels)],
          ports: [{ protocol: "TCP", port: app.port }],
        },
      ],
    }),
    // cert-manager's HTTP-01 solver pods must be reachable from the ingress controller,
    // or certificates for the tenant's own domains can never be issued.
    policy(t, "allow-acme-http01-solver", {
      podSelector: { matchLabels: { "acme.cert-manager.io/http01-solver": "true" } },
      policyTypes: ["Ingress"],
      ingress: [{ from: [fromNamespace(i.ingress.namespace, i.ingress.podLabels)], ports: [{ protocol: "TCP", port: ACME_SOLVER_PORT }] }],
    }),
    // Each scrape target's own metrics port, on its own pods only: one allowance for all pods
    // would open every listed port on every pod (the database's 5432 if the app's metrics port were 5432).
    ...(
      [
        ["allow-monitoring-scrape", { matchLabels: appSelector(t) }, app.metricsPort],
        ["allow-monitoring-scrape-database", dbPods, POSTGRES_METRICS_PORT],
        ["allow-monitoring-scrape-pooler", { matchExpressions: [{ key: "cnpg.io/poolerName", operator: "Exists" }] }, PGBOUNCER_METRICS_PORT],
      ] satisfies [string, NonNullable<Spec["podSelector"]>, number][]
    ).map(([name, podSelector, port]) =>
      policy(t, name, {
        podSelector,
        policyTypes: ["Ingress"],
        ingress: [{ from: [fromNamespace(i.monitoring.namespace, i.monitoring.scraperPodLabels)], ports: [{ protocol: "TCP", port }] }],
      }),
    ),
    policy(t, "allow-cnpg-operator", {
      podSelector: dbPods,
      policyTypes: ["Ingress"],
      ingress: [{ from: [fromNamespace(i.cnpg.namespace)], ports: [{ protocol: "TCP", port: CNPG_STATUS_PORT }] }],
    }),
    // The instance manager talks to the API server and ships WAL to blob storage over HTTPS:
    // only to the ranges landlord.yaml names. Without them nothing is opened (fail closed;
    // landlord validate says backups cannot leave the cluster until they are set).
    ...(egressCidrs.length === 0
      ? []
      : [
          policy(t, "allow-database-https-egress", {
            podSelector: dbPods,
            policyTypes: ["Egress"],
            egress: [
              {
                to: egressCidrs.map((cidr) => ({ ipBlock: { cidr } })),
                ports: [443, 6443, ...blobPorts(platform)].map((port) => ({ protocol: "TCP", port })),
              },
            ],
          }),
        ]),
  ];
}
