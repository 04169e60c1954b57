/**
 * The production probe: a short-lived pod in the tenant's namespace runs psql with the
 * app's own credentials (the `db-app` Secret CloudNativePG writes) against the `db-rw`
 * Service, prints the fingerprint and exits; Landlord reads it from the pod's log. Nothing
 * leaves the namespace and no port is opened from outside. The pod is one of the tenant's
 * pods to the namespace's guardrails: it runs on the tenant's node pool, from the tenant's
 * database image (an allowed registry), under Pod Security "restricted" (docs/adr/0024).
 */
import { randomBytes } from "node:crypto";
import { scheduling } from "../../render/kubernetes/scheduling.js";
import { DB, LABEL, meta, type KubeObject } from "../../render/object.js";
import type { ResolvedTenant } from "../../spec/resolve.js";
import { sleep } from "../../util/sleep.js";
import type { Applier } from "./applier.js";
import { COMMIT_MARKER_SQL, FINGERPRINT_SQL, parseFingerprint, parsePointFingerprint, POINT_FINGERPRINT_STATEMENTS, type DatabaseProbe, type Fingerprint, type PointFingerprint } from "./database-probe.js";
import { KubeApiError } from "./errors.js";
import { podTrouble } from "./readiness.js";

export interface KubeProbeSettings {
  readonly timeoutSeconds: number;
}

/** The user the PostgreSQL images run as (CloudNativePG's `postgres`): Pod Security "restricted" wants a non-root one. */
const POSTGRES_UID = 26;

/** The fingerprint pod for `t` where it is placed, named `name`; psql runs `statements` in one session, in order. */
export function fingerprintPod(t: ResolvedTenant, name: string, statements: readonly string[] = [FINGERPRINT_SQL]): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta(t, name, { [LABEL.component]: "fingerprint" }),
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: POSTGRES_UID, seccompProfile: { type: "RuntimeDefault" } },
      // A tenant with its own node pool may run pods only there (admission); its database runs there too.
      ...scheduling(t),
      containers: [
        {
          name: "psql",
          // The tenant's database image: validated against the allowed registries with its spec, and it has psql.
          image: t.effective.database.imageName,
          // Tenant pods pull every time: a copy cached on a shared node is no proof the registry still serves it to this tenant.
          imagePullPolicy: "Always",
          // -q: BEGIN, SET and DO print no command tags, so the log holds the one value.
          // The kubelet expands $(VAR) in a command and reduces $$ to $: doubled, a dollar-quoted body reaches psql as written.
          command: ["psql", "--no-psqlrc", "-qAt", "-v", "ON_ERROR_STOP=1", ...statements.flatMap((sql) => ["-c", sql.replaceAll("$", () => "$$")])],
          // libpq reads the connection from these; the password never appears in the pod spec.
          env: [
            { name: "PGHOST", value: `${DB}-rw` },
            { name: "PGDATABASE", value: "app" },
            { name: "PGUSER", valueFrom: { secretKeyRef: { name: `${DB}-app`, key: "username" } } },
            { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: `${DB}-app`, key: "password" } } },
          ],
          resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        },
      ],
    },
  };
}

type PodStatusView = Parameters<typeof podTrouble>[0][number];

/** What the pod waits for (no node of the pool, an image not pulled), in the scheduler's and kubelet's words. */
function trouble(pod: PodStatusView): string {
  const why = podTrouble([pod]);
  // podTrouble names the pod first; the message around it already does.
  return why === undefined ? "" : `; ${why.replace(/^pod [^:]*: /, "")}`;
}

export function kubernetesDatabaseProbe(applierFor: (cluster: string) => Applier, settings: KubeProbeSettings): DatabaseProbe {
  return {
    async fingerprint(t: ResolvedTenant, signal?: AbortSignal): Promise<Fingerprint> {
      return parseFingerprint(await runPsql(applierFor, settings, t, [FINGERPRINT_SQL], signal));
    },
    async fingerprintAtPoint(t: ResolvedTenant, signal?: AbortSignal): Promise<PointFingerprint> {
      return parsePointFingerprint(await runPsql(applierFor, settings, t, POINT_FINGERPRINT_STATEMENTS, signal));
    },
    async commitMarker(t: ResolvedTenant, signal?: AbortSignal): Promise<void> {
      await runPsql(applierFor, settings, t, [COMMIT_MARKER_SQL], signal);
    },
  };
}

/** Runs the statements in a pod of the tenant's namespace and returns what psql printed. */
function runPsql(applierFor: (cluster: string) => Applier, settings: KubeProbeSettings, t: ResolvedTenant, statements: readonly string[], signal?: AbortSignal): Promise<string> {
  const name = `landlord-fingerprint-${randomBytes(4).toString("hex")}`;
  return runPod(applierFor(t.placement.cluster), t.placement.cluster, fingerprintPod(t, name, statements), settings.timeoutSeconds, signal);
}

/** Where a database outside the tenant is, for `landlord adopt`'s check of its copy. */
export interface SourceDatabase {
  readonly cluster: string;
  readonly namespace: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly passwordSecret: { readonly name: string; readonly key: string };
}

/**
 * The fingerprint pod for a database outside the tenant, run in that database's own
 * namespace with its own Secret, so the password never leaves the cluster; the image is
 * the tenant's database image, which has psql.
 */
export function sourceFingerprintPod(source: SourceDatabase, image: string, name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: source.namespace, labels: { [LABEL.managedBy]: "landlord", [LABEL.component]: "fingerprint" } },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: POSTGRES_UID, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "psql",
          image,
          imagePullPolicy: "Always",
          command: ["psql", "--no-psqlrc", "-qAt", "-v", "ON_ERROR_STOP=1", "-c", FINGERPRINT_SQL.replaceAll("$", () => "$$")],
          env: [
            { name: "PGHOST", value: source.host },
            { name: "PGPORT", value: String(source.port) },
            { name: "PGDATABASE", value: source.database },
            { name: "PGUSER", value: source.user },
            { name: "PGSSLMODE", value: "prefer" },
            { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: source.passwordSecret.name, key: source.passwordSecret.key } } },
          ],
          resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
        },
      ],
    },
  };
}

export async function fingerprintSource(applier: Applier, source: SourceDatabase, image: string, settings: KubeProbeSettings, signal?: AbortSignal): Promise<Fingerprint> {
  const pod = sourceFingerprintPod(source, image, `landlord-fingerprint-${randomBytes(4).toString("hex")}`);
  return parseFingerprint(await runPod(applier, source.cluster, pod, settings.timeoutSeconds, signal));
}

/** Creates the pod, waits for it to end, returns its log and deletes it. */
async function runPod(applier: Applier, cluster: string, pod: KubeObject, timeoutSeconds: number, signal?: AbortSignal): Promise<string> {
      const client = applier.client;
      const namespace = pod.metadata.namespace ?? "";
      const name = pod.metadata.name;
      const pods = `/api/v1/namespaces/${namespace}/pods`;
      await client.send({ method: "POST", path: pods, body: pod, ...(signal ? { signal } : {}) });
      try {
        const deadline = Date.now() + timeoutSeconds * 1000;
        for (;;) {
          const live = await client.send<PodStatusView>({ method: "GET", path: `${pods}/${name}` });
          const phase = live.status?.phase;
          if (phase === "Succeeded" || phase === "Failed") {
            const log = await client.sendText({ method: "GET", path: `${pods}/${name}/log`, accept: "text/plain, */*" });
            if (phase === "Failed") throw new Error(`fingerprint pod ${namespace}/${name} on ${cluster} failed: ${log.slice(-500)}`);
            return log;
          }
          if (Date.now() > deadline) throw new Error(`fingerprint pod ${namespace}/${name} on ${cluster} did not finish in ${String(timeoutSeconds)} s (phase ${phase ?? "none"}${trouble(live)})`);
          await sleep(1_000, signal);
        }
      } finally {
        await client.send({ method: "DELETE", path: `${pods}/${name}` }).catch((err: unknown) => {
          if (!(err instanceof KubeApiError && err.status === 404)) throw err;
        });
      }
}
