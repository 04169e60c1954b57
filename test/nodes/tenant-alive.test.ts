/**
 * A tenant comes alive on a real node: `landlord onboard` through the CLI, CloudNativePG
 * running as its release manifest installs it, PostgreSQL from this machine's packages in
 * a node-local volume, the example app connecting to it through the Secret the operator
 * made. Onboarding ends only when the database is Ready and the app answers its readiness
 * probe against it; then real requests write rows and the app's own log lines come back
 * through `landlord logs`.
 */
import { mkdir, mkdtemp, writeFile, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { tenantDoc } from "../support/fixtures.js";
import { uniqueName } from "../kubernetes/support/live.js";
import { runPoolScaler } from "../../src/devcluster/pool-scaler.js";
import { type CliResult, deleteNamespaces, landlordIn, nodesAdmin, nodesCluster, realNodesLandlordYaml } from "./support/nodes.js";

const name = uniqueName("alive");
const medium = uniqueName("alivem");
let dir: string;


function landlord(...argv: string[]): Promise<CliResult> {
  return landlordIn(dir, ...argv);
}

async function appUrl(tenant: string, path: string): Promise<string> {
  const namespace = `tenant-${tenant}`;
  const { core } = nodesAdmin();
  const svc = await core.readNamespacedService({ namespace, name: "app" });
  const port = svc.spec?.ports?.find((p) => p.name === "http")?.port ?? svc.spec?.ports?.[0]?.port;
  return `http://${svc.spec?.clusterIP ?? ""}:${String(port)}${path}`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-alive-"));
  await mkdir(join(dir, "tenants"));
  await writeFile(join(dir, "landlord.yaml"), realNodesLandlordYaml());
  await copyFile(inject("nodesKubeconfig"), join(dir, "kubeconfig"));
  await writeFile(join(dir, "tenants", `${name}.yaml`), stringify(tenantDoc(name)));
  await writeFile(join(dir, "tenants", `${medium}.yaml`), stringify(tenantDoc(medium, { tier: "medium" })));
});

describe("a small and a medium tenant on real nodes with CloudNativePG", () => {
  let onboard: { code: number; stdout: string; stderr: string };
  const stopScaler = new AbortController();
  let scaler: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    // No Terraform here: the stand-in adds the medium tenant's pool node when its pods ask.
    scaler = runPoolScaler(nodesCluster().dir, stopScaler.signal);
    onboard = await landlord("--new-store", "apply");
  }, 600_000);

  afterAll(async () => {
    stopScaler.abort();
    await scaler;
    await deleteNamespaces(nodesAdmin().core, [`tenant-${name}`, `tenant-${medium}`]);
  }, 200_000);

  it("onboards each only once its database is Ready and the app's pods are available", async () => {
    expect(onboard.stderr).toMatch(/wait-ready/);
    expect(onboard.stdout).toContain(`${name}: onboarded`);
    expect(onboard.stdout).toContain(`${medium}: onboarded`);
    expect(onboard.code).toBe(0);
    const crd = nodesAdmin().kc.makeApiClient(CustomObjectsApi);
    for (const t of [name, medium]) {
      const cluster = (await crd.getNamespacedCustomObject({ group: "postgresql.cnpg.io", version: "v1", namespace: `tenant-${t}`, plural: "clusters", name: "db" })) as {
        status?: { phase?: string; conditions?: { type: string; status: string }[] };
      };
      expect(cluster.status?.phase).toBe("Cluster in healthy state");
      expect(cluster.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
      const status = await landlord("status", t);
      expect(status.stdout).toMatch(/Cluster\/db\s+yes\s+yes/);
      expect(status.stdout).toMatch(/Deployment\/app\s+yes\s+yes/);
    }
  });

  it("runs the medium tenant's app and database on its own pool's node only", async () => {
    const pods = await nodesAdmin().core.listNamespacedPod({ namespace: `tenant-${medium}` });
    const running = pods.items.filter((p) => p.status?.phase === "Running");
    expect(running.map((p) => p.metadata?.name ?? "")).toEqual(expect.arrayContaining([expect.stringMatching(/^app-/), expect.stringMatching(/^db-1$/)]));
    for (const p of running) expect(p.spec?.nodeName, p.metadata?.name).toBe(`pool-${medium}`);
  });

  it("serves requests that write rows into each tenant's own PostgreSQL", async () => {
    for (const t of [name, medium]) {
      const first = (await (await fetch(await appUrl(t, "/"))).json()) as { visits: number };
      const second = (await (await fetch(await appUrl(t, "/"))).json()) as { visits: number };
      expect(second.visits, t).toBe(first.visits + 1);
      expect((await fetch(await appUrl(t, "/ready"))).status).toBe(200);
    }
  });

  it("prints the app's own log lines through landlord logs", async () => {
    const logs = await landlord("logs", name);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/"path":"\/"/);
  });
});
