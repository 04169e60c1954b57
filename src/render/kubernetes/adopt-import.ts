/**
 * The tenant's objects while `landlord adopt` copies an existing database in: its Cluster
 * bootstrapped by CloudNativePG's import (pg_dump of the source, pg_restore into `app`)
 * instead of an empty initdb, one egress path from the database pods to the source's
 * Service, and no Ingress yet, so the hostnames keep reaching the existing deployment
 * until the copy is verified. The next plain apply (the workflow's switch) drops the
 * path and adds the Ingress.
 */
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { ResolvedTenant } from "../../spec/resolve.js";
import { asObject, DB, meta, type KubeObject } from "../object.js";

/** The source as CloudNativePG connects to it; the password is read from `passwordSecret` in the tenant's namespace. */
export interface ImportSource {
  /** The source's namespace, for the egress path. */
  readonly namespace: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

export const IMPORT_SOURCE = "adopt-source";
/** The Secret (tenant's namespace, key `password`) the import logs in with; the workflow copies it in and removes it at the switch. */
export const IMPORT_PASSWORD_SECRET = "adopt-source-password";
const IMPORT_EGRESS = "allow-adopt-source-egress";

function importEgress(t: ResolvedTenant, s: ImportSource): KubeObject {
  const np: INetworkPolicy & { metadata: ReturnType<typeof meta> } = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta(t, IMPORT_EGRESS),
    spec: {
      podSelector: { matchLabels: { "cnpg.io/cluster": DB } },
      policyTypes: ["Egress"],
      egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": s.namespace } } }], ports: [{ protocol: "TCP", port: s.port }] }],
    },
  };
  return asObject(np);
}

export function withImport(t: ResolvedTenant, objects: readonly KubeObject[], s: ImportSource): KubeObject[] {
  const out: KubeObject[] = [];
  let clusters = 0;
  for (const o of objects) {
    if (o.kind === "Ingress" && o.apiVersion.startsWith("networking.k8s.io/")) continue;
    if (o.kind === "NetworkPolicy" && o.metadata.name === "default-deny") {
      out.push(o, importEgress(t, s));
      continue;
    }
    if (o.kind !== "Cluster" || !o.apiVersion.startsWith("postgresql.cnpg.io/")) {
      out.push(o);
      continue;
    }
    clusters++;
    const spec = (o.spec ?? {}) as Record<string, unknown>;
    out.push({
      ...o,
      spec: {
        ...spec,
        bootstrap: {
          initdb: {
            database: "app",
            owner: "app",
            // microservice: one database into `app`, its objects owned by `app`; roles are not carried (the app logs in as `app`).
            import: { type: "microservice", databases: [s.database], source: { externalCluster: IMPORT_SOURCE } },
          },
        },
        externalClusters: [
          {
            name: IMPORT_SOURCE,
            // prefer: TLS when the source offers it; a hand-made PostgreSQL often does not.
            connectionParameters: { host: s.host, port: String(s.port), user: s.user, dbname: s.database, sslmode: "prefer" },
            password: { name: IMPORT_PASSWORD_SECRET, key: "password" },
          },
        ],
      },
    });
  }
  if (clusters !== 1) throw new Error(`expected one CloudNativePG Cluster among the tenant's objects to import into, found ${String(clusters)}: render the tenant's bundle first`);
  return out;
}
