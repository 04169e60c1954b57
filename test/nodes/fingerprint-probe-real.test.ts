/**
 * The tier move's production database probe (kubernetesDatabaseProbe) run for real: a medium
 * tenant onboarded on real nodes with CloudNativePG, its pod admitted by the namespace's
 * guardrails and Pod Security, scheduled on the tenant's own pool node, running psql from the
 * tenant's PostgreSQL image against `db-rw` with the app's credentials; the fingerprint read
 * from the pod's log sees the row a request just wrote (docs/adr/0020, 0024).
 */
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { Applier } from "../../src/delivery/kubernetes/applier.js";
import { KubeClient } from "../../src/delivery/kubernetes/client.js";
import { kubernetesDatabaseProbe } from "../../src/delivery/kubernetes/database-probe-kube.js";
import { fingerprintDifferences } from "../../src/delivery/kubernetes/database-probe.js";
import { runPoolScaler } from "../../src/devcluster/pool-scaler.js";
import { fleet, tenantFile, tenantDoc } from "../support/fixtures.js";
import { platformFromText } from "../workflows/tenant/support/harness.js";
import { uniqueName } from "../kubernetes/support/live.js";
import { deleteNamespaces, landlordIn, nodesAdmin, nodesCluster, realNodesLandlordYaml } from "./support/nodes.js";

const name = uniqueName("fpm");
const namespace = `tenant-${name}`;
let dir: string;


/** One request to the app: it writes a row into its own table (public.visits). */
async function visit(): Promise<number> {
  const svc = await nodesAdmin().core.readNamespacedService({ namespace, name: "app" });
  const port = svc.spec?.ports?.find((p) => p.name === "http")?.port ?? svc.spec?.ports?.[0]?.port;
  const res = await fetch(`http://${svc.spec?.clusterIP ?? ""}:${String(port)}/`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { visits: number }).visits;
}

describe("the move's database probe on real nodes", () => {
  const stopScaler = new AbortController();
  let scaler: Promise<void> = Promise.resolve();
  let client: KubeClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "landlord-fingerprint-"));
    await mkdir(join(dir, "tenants"));
    await writeFile(join(dir, "landlord.yaml"), realNodesLandlordYaml());
    await copyFile(inject("nodesKubeconfig"), join(dir, "kubeconfig"));
    await writeFile(join(dir, "tenants", `${name}.yaml`), stringify(tenantDoc(name, { tier: "medium" })));
    // No Terraform here: the stand-in adds the tenant's pool node when its pods ask.
    scaler = runPoolScaler(nodesCluster().dir, stopScaler.signal);
    const onboarded = await landlordIn(dir, "--new-store", "apply");
    expect(onboarded.stdout, onboarded.stderr).toContain(`${name}: onboarded`);
    const { kc } = nodesAdmin();
    client = new KubeClient(kc, kc.getCurrentContext());
  }, 600_000);

  afterAll(async () => {
    client.close();
    stopScaler.abort();
    await scaler;
    await deleteNamespaces(nodesAdmin().core, [namespace]);
  }, 200_000);

  it("reads the tenant's rows with a pod on its own pool node and sees a new one", async () => {
    const [tenant] = fleet(platformFromText(realNodesLandlordYaml()), [tenantFile(name, { tier: "medium" })]);
    if (!tenant) throw new Error("tenant did not resolve");
    expect(tenant.placement.nodePool).toBeDefined();
    const probe = kubernetesDatabaseProbe(() => new Applier(client), { timeoutSeconds: 240 });

    const nodes = new Set<string>();
    const stop = new AbortController();
    const watcher = (async () => {
      while (!stop.signal.aborted) {
        const pods = await client.send<{ items: { spec: { nodeName?: string } }[] }>({ method: "GET", path: `/api/v1/namespaces/${namespace}/pods`, query: { labelSelector: "app.kubernetes.io/component=fingerprint" } });
        for (const p of pods.items) if (p.spec.nodeName !== undefined) nodes.add(p.spec.nodeName);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    try {
      const visits = await visit();
      const before = await probe.fingerprint(tenant);
      expect(before.tables["public.visits"]?.rows).toBe(visits);
      await visit();
      const after = await probe.fingerprint(tenant);
      expect(fingerprintDifferences(before, after)).toEqual([`public.visits: ${String(visits + 1)} rows on the target, ${String(visits)} on the source`]);
    } finally {
      stop.abort();
      await watcher;
    }
    expect([...nodes]).toEqual([`pool-${name}`]);
    // The probe leaves nothing behind.
    const left = await client.send<{ items: { metadata: { deletionTimestamp?: string } }[] }>({ method: "GET", path: `/api/v1/namespaces/${namespace}/pods`, query: { labelSelector: "app.kubernetes.io/component=fingerprint" } });
    expect(left.items.every((p) => p.metadata.deletionTimestamp !== undefined)).toBe(true);
  }, 600_000);
});
