/**
 * SQL in a tenant's database on the real nodes, as the tenant's app would run it: a pod in
 * its namespace with the app's credentials (the `db-app` Secret CloudNativePG keeps), psql
 * from the tenant's PostgreSQL image, against `db-rw`. Returns what psql printed.
 */
import { inject } from "vitest";
import { sleep } from "../../../src/util/sleep.js";
import { nodesAdmin } from "./nodes.js";

let seq = 0;

export async function psqlIn(namespace: string, sql: string, nodeSelector?: Record<string, string>): Promise<string> {
  const { core } = nodesAdmin();
  const name = `test-psql-${String(process.pid)}-${String(++seq)}`;
  const secret = (key: string) => ({ valueFrom: { secretKeyRef: { name: "db-app", key } } });
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name },
      spec: {
        restartPolicy: "Never",
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 26, seccompProfile: { type: "RuntimeDefault" } },
        ...(nodeSelector ? { nodeSelector } : {}),
        containers: [
          {
            name: "psql",
            image: inject("nodesPostgresImage"),
            imagePullPolicy: "Always",
            command: ["psql", "--no-psqlrc", "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql],
            env: [{ name: "PGHOST", value: "db-rw" }, { name: "PGDATABASE", value: "app" }, { name: "PGUSER", ...secret("username") }, { name: "PGPASSWORD", ...secret("password") }],
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
          },
        ],
      },
    },
  });
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const phase = (await core.readNamespacedPod({ namespace, name })).status?.phase;
      if (phase === "Succeeded" || phase === "Failed") {
        const log = await core.readNamespacedPodLog({ namespace, name });
        if (phase === "Failed") throw new Error(`psql in ${namespace} failed: ${log}`);
        return log.trim();
      }
      if (Date.now() > deadline) throw new Error(`psql pod ${namespace}/${name} still ${phase ?? "pending"} after 120 s`);
      await sleep(1_000);
    }
  } finally {
    await core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 }).catch(() => undefined);
  }
}
