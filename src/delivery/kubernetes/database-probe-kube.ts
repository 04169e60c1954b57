/**
 * The production probe: a short-lived pod in the tenant's namespace runs psql with the
 * app's own credentials (the `db-app` Secret CloudNativePG writes) against the `db-rw`
 * Service, prints the fingerprint and exits; Landlord reads it from the pod's log. Nothing
 * leaves the namespace and no port is opened from outside. It needs a running
 * CloudNativePG and real nodes: on the test control plane (fake nodes, no operator) pods
 * run no containers, so this adapter is not exercised by the tests (docs/adr/0020).
 */
import { randomBytes } from "node:crypto";
import { DB, LABEL } from "../../render/object.js";
import { sleep } from "../../util/sleep.js";
import type { Applier } from "./applier.js";
import { FINGERPRINT_SQL, parseFingerprint, type DatabaseProbe, type Fingerprint } from "./database-probe.js";
import { KubeApiError } from "./errors.js";

export interface KubeProbeSettings {
  readonly namespacePrefix: string;
  readonly timeoutSeconds: number;
}

export function kubernetesDatabaseProbe(applierFor: (cluster: string) => Applier, settings: KubeProbeSettings): DatabaseProbe {
  return {
    async fingerprint(tenant: string, cluster: string, signal?: AbortSignal): Promise<Fingerprint> {
      const client = applierFor(cluster).client;
      const namespace = `${settings.namespacePrefix}${tenant}`;
      const live = await client.send<{ spec?: { imageName?: string } }>({ method: "GET", path: `/apis/postgresql.cnpg.io/v1/namespaces/${namespace}/clusters/${DB}`, ...(signal ? { signal } : {}) });
      const image = live.spec?.imageName;
      if (image === undefined) throw new Error(`Cluster ${DB} in ${namespace} on ${cluster} names no imageName: no psql to run`);
      const name = `landlord-fingerprint-${randomBytes(4).toString("hex")}`;
      const pods = `/api/v1/namespaces/${namespace}/pods`;
      await client.send({
        method: "POST",
        path: pods,
        body: {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name, namespace, labels: { [LABEL.managedBy]: "landlord", [LABEL.tenant]: tenant, [LABEL.component]: "fingerprint" } },
          spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 26, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "psql",
                image,
                command: ["psql", "--no-psqlrc", "-At", "-v", "ON_ERROR_STOP=1", "-c", FINGERPRINT_SQL],
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
        },
      });
      try {
        const deadline = Date.now() + settings.timeoutSeconds * 1000;
        for (;;) {
          const pod = await client.send<{ status?: { phase?: string } }>({ method: "GET", path: `${pods}/${name}` });
          const phase = pod.status?.phase;
          if (phase === "Succeeded" || phase === "Failed") {
            const log = await client.sendText({ method: "GET", path: `${pods}/${name}/log`, accept: "text/plain" });
            if (phase === "Failed") throw new Error(`fingerprint pod ${namespace}/${name} on ${cluster} failed: ${log.slice(-500)}`);
            return parseFingerprint(log);
          }
          if (Date.now() > deadline) throw new Error(`fingerprint pod ${namespace}/${name} on ${cluster} did not finish in ${String(settings.timeoutSeconds)} s (phase ${phase ?? "none"})`);
          await sleep(1_000, signal);
        }
      } finally {
        await client.send({ method: "DELETE", path: `${pods}/${name}` }).catch((err: unknown) => {
          if (!(err instanceof KubeApiError && err.status === 404)) throw err;
        });
      }
    },
  };
}
