/**
 * Reads a hand-made deployment's namespace for `landlord adopt`: its workloads, Ingresses
 * and PostgreSQL (a CloudNativePG Cluster, or a workload running a postgres image behind a
 * Service, configured the way the official image is: POSTGRES_PASSWORD from a Secret,
 * POSTGRES_USER, POSTGRES_DB). Reads only. Password values are never returned.
 */
import { InputError } from "../../errors.js";
import type { ExistingDatabase, ExistingIngress, ExistingSetup, ExistingWorkload } from "../../adopt/existing-setup.js";
import { isPostgresImage } from "../../adopt/proposal.js";
import type { KubeClient } from "./client.js";
import { KubeApiError } from "./errors.js";

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name?: string; key?: string } };
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: { containers?: { image?: string; env?: EnvVar[]; ports?: { containerPort?: number }[] }[] };
}
interface WorkloadView {
  kind?: string;
  metadata: { name: string };
  spec?: { replicas?: number; template?: PodTemplate };
  status?: { readyReplicas?: number };
}
interface ServiceView {
  metadata: { name: string };
  spec?: { selector?: Record<string, string>; ports?: { port: number; targetPort?: number | string }[] };
}
interface IngressView {
  metadata: { name: string };
  spec?: { rules?: { host?: string }[]; tls?: { hosts?: string[] }[] };
}
interface CnpgClusterView {
  metadata: { name: string };
  spec?: { bootstrap?: { initdb?: { database?: string; owner?: string } } };
}
interface SecretView {
  data?: Record<string, string>;
}

export interface ReadOptions {
  /** A Secret of the namespace describing the database (keys password, and optionally username, database, host, port). */
  readonly databaseSecret?: string;
}

async function list<T>(client: KubeClient, path: string): Promise<T[]> {
  try {
    return (await client.send<{ items?: T[] }>({ method: "GET", path })).items ?? [];
  } catch (err) {
    // No such resource type on this cluster (CloudNativePG not installed): nothing of it exists.
    if (err instanceof KubeApiError && err.status === 404) return [];
    throw err;
  }
}

function decode(data: Record<string, string> | undefined, key: string): string | undefined {
  const v = data?.[key];
  return v === undefined ? undefined : Buffer.from(v, "base64").toString("utf8");
}

function workloadOf(w: WorkloadView, kind: ExistingWorkload["kind"]): ExistingWorkload {
  return {
    kind,
    name: w.metadata.name,
    images: (w.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? ""),
    replicas: w.spec?.replicas ?? 1,
    readyReplicas: w.status?.readyReplicas ?? 0,
  };
}

function selects(service: ServiceView, labels: Record<string, string> | undefined): boolean {
  const selector = service.spec?.selector;
  if (selector === undefined || Object.keys(selector).length === 0 || labels === undefined) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function envOf(w: WorkloadView, name: string): EnvVar | undefined {
  for (const c of w.spec?.template?.spec?.containers ?? []) {
    const e = c.env?.find((x) => x.name === name);
    if (e) return e;
  }
  return undefined;
}

/** A workload running postgres behind a Service, configured as the official image reads it. */
function postgresWorkload(namespace: string, workloads: readonly WorkloadView[], services: readonly ServiceView[]): ExistingDatabase | undefined {
  for (const w of workloads) {
    if (!(w.spec?.template?.spec?.containers ?? []).some((c) => isPostgresImage(c.image ?? ""))) continue;
    const service = services.find((s) => selects(s, w.spec?.template?.metadata?.labels));
    if (!service) continue;
    const port = service.spec?.ports?.find((p) => p.port === 5432 || p.targetPort === 5432)?.port ?? service.spec?.ports?.[0]?.port ?? 5432;
    const password = envOf(w, "POSTGRES_PASSWORD")?.valueFrom?.secretKeyRef;
    const user = envOf(w, "POSTGRES_USER")?.value ?? "postgres";
    return {
      kind: "postgres",
      name: w.metadata.name,
      host: `${service.metadata.name}.${namespace}.svc`,
      port,
      database: envOf(w, "POSTGRES_DB")?.value ?? user,
      user,
      passwordSecret: { name: password?.name ?? "", key: password?.key ?? "password" },
    };
  }
  return undefined;
}

export async function readExistingSetup(client: KubeClient, cluster: string, namespace: string, opts: ReadOptions = {}): Promise<ExistingSetup> {
  try {
    await client.send({ method: "GET", path: `/api/v1/namespaces/${namespace}` });
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) {
      throw new InputError([{ path: "NAMESPACE", message: `namespace ${namespace} does not exist on cluster ${cluster}`, fix: `name an existing namespace: kubectl --context ${cluster} get namespaces` }]);
    }
    throw err;
  }
  const ns = `/namespaces/${namespace}`;
  const [deployments, statefulSets, services, ingresses, cnpg] = await Promise.all([
    list<WorkloadView>(client, `/apis/apps/v1${ns}/deployments`),
    list<WorkloadView>(client, `/apis/apps/v1${ns}/statefulsets`),
    list<ServiceView>(client, `/api/v1${ns}/services`),
    list<IngressView>(client, `/apis/networking.k8s.io/v1${ns}/ingresses`),
    list<CnpgClusterView>(client, `/apis/postgresql.cnpg.io/v1${ns}/clusters`),
  ]);
  const workloads = [...deployments.map((d) => workloadOf(d, "Deployment")), ...statefulSets.map((s) => workloadOf(s, "StatefulSet"))];
  const found: ExistingIngress[] = ingresses.map((i) => ({
    name: i.metadata.name,
    hosts: [...new Set([...(i.spec?.rules ?? []).map((r) => r.host), ...(i.spec?.tls ?? []).flatMap((t) => t.hosts ?? [])].filter((h): h is string => h !== undefined && h !== ""))],
  }));
  const first = cnpg[0];
  let database: ExistingDatabase | undefined =
    first !== undefined
      ? {
          kind: "cloudnative-pg",
          name: first.metadata.name,
          host: `${first.metadata.name}-rw.${namespace}.svc`,
          port: 5432,
          database: first.spec?.bootstrap?.initdb?.database ?? "app",
          user: first.spec?.bootstrap?.initdb?.owner ?? first.spec?.bootstrap?.initdb?.database ?? "app",
          passwordSecret: { name: `${first.metadata.name}-app`, key: "password" },
        }
      : postgresWorkload(namespace, [...statefulSets, ...deployments], services);
  if (opts.databaseSecret !== undefined) database = await fromSecret(client, namespace, opts.databaseSecret, database);
  return { cluster, namespace, workloads, ingresses: found, ...(database ? { database } : {}), cloud: [] };
}

/** The database as a Secret describes it; what the Secret leaves out comes from what was found. */
async function fromSecret(client: KubeClient, namespace: string, name: string, found: ExistingDatabase | undefined): Promise<ExistingDatabase> {
  let secret: SecretView;
  try {
    secret = await client.send<SecretView>({ method: "GET", path: `/api/v1/namespaces/${namespace}/secrets/${name}` });
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) {
      throw new InputError([{ path: "--database-secret", message: `Secret ${name} does not exist in ${namespace}`, fix: `name a Secret of ${namespace} holding the database password: kubectl -n ${namespace} get secrets` }]);
    }
    throw err;
  }
  if (decode(secret.data, "password") === undefined) {
    throw new InputError([{ path: "--database-secret", message: `Secret ${namespace}/${name} has no key 'password'`, fix: "add the database user's password under the key password (and username, database, host, port if they differ from what was found)" }]);
  }
  const host = decode(secret.data, "host") ?? found?.host;
  if (host === undefined) {
    throw new InputError([{ path: "--database-secret", message: `no PostgreSQL Service was found in ${namespace} and Secret ${name} has no key 'host'`, fix: "add the database's host name (as pods of the cluster reach it) under the key host" }]);
  }
  const port = Number(decode(secret.data, "port") ?? found?.port ?? 5432);
  const user = decode(secret.data, "username") ?? found?.user ?? "postgres";
  return {
    kind: found?.kind ?? "postgres",
    name: found?.name ?? host,
    host: host.includes(".") ? host : `${host}.${namespace}.svc`,
    port,
    database: decode(secret.data, "database") ?? found?.database ?? user,
    user,
    passwordSecret: { name, key: "password" },
  };
}
