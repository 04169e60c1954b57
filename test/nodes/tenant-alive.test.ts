/**
 * A tenant comes alive on a real node: `landlord onboard` through the CLI, CloudNativePG
 * running as its release manifest installs it, PostgreSQL from this machine's packages in
 * a node-local volume, the example app connecting to it through the Secret the operator
 * made. Onboarding ends only when the database is Ready and the app answers its readiness
 * probe against it and its WAL reaches its archive (the Barman Cloud plugin's sidecar, into
 * Azurite); then real requests write rows, the app's own log lines come back through
 * `landlord logs`, and the scheduled backup lands beside the WAL and shows in `landlord backup list`.
 */
import { mkdir, mkdtemp, writeFile, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { listBlobs } from "../../src/devcluster/azurite.js";
import { sleep } from "../../src/util/sleep.js";
import { stringify } from "yaml";
import { tenantDoc } from "../support/fixtures.js";
import { uniqueName } from "../kubernetes/support/live.js";
import { runPoolScaler } from "../../src/devcluster/pool-scaler.js";
import { psqlIn } from "./support/psql.js";
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
    await deleteNamespaces(nodesAdmin().core, [`tenant-${name}`, `tenant-${medium}`, `tenant-${name}-restore`]);
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

  it("lands the scheduled base backup and WAL in the tenant's own container, and lists it with landlord backup list", async () => {
    const crd = nodesAdmin().kc.makeApiClient(CustomObjectsApi);
    const store = (await crd.getNamespacedCustomObject({ group: "barmancloud.cnpg.io", version: "v1", namespace: `tenant-${name}`, plural: "objectstores", name: "db-backups" })) as {
      spec: { configuration: { destinationPath: string } };
    };
    // The emulator's path style: http://HOST:PORT/<emulator account>/<tenant's storage account>/cnpg-backups.
    const [, , container, folder] = new URL(store.spec.configuration.destinationPath).pathname.split("/");
    expect(container).toMatch(new RegExp(`^llbk${name.replace(/[^a-z0-9]/g, "").slice(0, 6)}`));
    type Listed = { items: { metadata: { name: string }; spec: { origin: string; method: string }; status: { phase?: string; error?: string } }[] };
    let listed: Listed = { items: [] };
    const deadline = Date.now() + 300_000;
    while (!listed.items.some((b) => b.spec.origin === "scheduled" && b.status.phase === "completed")) {
      const failed = listed.items.find((b) => b.status.phase === "failed");
      if (failed !== undefined) throw new Error(`backup ${failed.metadata.name} failed: ${failed.status.error ?? ""}`);
      if (Date.now() > deadline) throw new Error(`no completed scheduled backup after 300 s: ${JSON.stringify(listed)}`);
      await sleep(3_000);
      const out = await landlord("backup", "list", name, "-o", "json");
      expect(out.code, out.stderr).toBe(0);
      listed = JSON.parse(out.stdout) as Listed;
    }
    expect(listed.items.find((b) => b.spec.origin === "scheduled")?.spec.method).toBe("plugin");
    // The plugin added its sidecar to the instance pod with the resources the ObjectStore carries (database.backup.sidecarResources).
    const pod = await nodesAdmin().core.readNamespacedPod({ namespace: `tenant-${name}`, name: "db-1" });
    const sidecar = pod.spec?.initContainers?.find((c) => c.name === "plugin-barman-cloud");
    expect(sidecar?.restartPolicy).toBe("Always");
    expect(sidecar?.imagePullPolicy).toBe("Always");
    // (The namespace LimitRange adds ephemeral storage.)
    expect(sidecar?.resources).toMatchObject({ requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
    const base = await listBlobs(inject("nodesAzurite"), container ?? "", `${folder ?? ""}/db/base/`);
    const wals = await listBlobs(inject("nodesAzurite"), container ?? "", `${folder ?? ""}/db/wals/`);
    expect(base.filter((b) => b.endsWith("/backup.info")).length, base.join(", ")).toBeGreaterThanOrEqual(1);
    expect(wals.some((w) => /\/[0-9A-F]{24}\.gz$/.test(w)), wals.join(", ")).toBe(true);
    const table = await landlord("backup", "list", name);
    expect(table.stdout).toMatch(/^NAME\s+ORIGIN\s+PHASE/m);
    expect(table.stdout).toMatch(/\sscheduled\s+completed\s/);
  }, 400_000);

  it("prints the app's own log lines through landlord logs", async () => {
    const logs = await landlord("logs", name);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/"path":"\/"/);
  });

  it("verifies the archive with a restore drill: a copy restored to the fingerprinted WAL position in a scratch namespace holds the same rows and checksums", async () => {
    const namespace = `tenant-${name}`;
    for (let i = 0; i < 4; i++) expect((await fetch(await appUrl(name, "/drill"))).status).toBe(200);
    const rows = Number(await psqlIn(namespace, "select count(*) from visits"));
    const out = await landlord("backup", "verify", name);
    expect(out.code, out.stderr).toBe(0);
    // Progress shows each step as it runs.
    for (const step of ["fingerprint-source", "archive", "restore", "wait-ready", "compare", "clean-up"]) expect(out.stderr).toContain(step);
    const verified = /verified: (\d+) tables, (\d+) rows restored to ([0-9A-F]+\/[0-9A-F]+) match the source/.exec(out.stdout);
    expect(verified, out.stdout).not.toBeNull();
    expect(Number(verified?.[1])).toBe(1);
    expect(Number(verified?.[2])).toBe(rows);
    // The copy is gone, the tenant untouched; the drill's backup is listed as such.
    await expect(nodesAdmin().core.readNamespace({ name: `${namespace}-restore` })).rejects.toMatchObject({ code: 404 });
    expect(Number(await psqlIn(namespace, "select count(*) from visits"))).toBe(rows);
    const list = JSON.parse((await landlord("backup", "list", name, "-o", "json")).stdout) as { items: { spec: { origin: string }; status: { phase?: string } }[] };
    expect(list.items.filter((b) => b.spec.origin === "verify").map((b) => b.status.phase)).toEqual(["completed"]);
  }, 600_000);

  it("restores in place to a time before a deletion: the deleted rows come back, the app keeps its credentials, the new timeline archives into a folder of its own", async () => {
    const namespace = `tenant-${name}`;
    for (let i = 0; i < 3; i++) expect((await fetch(await appUrl(name, "/kept"))).status).toBe(200);
    const before = Number(await psqlIn(namespace, "select count(*) from visits"));
    await sleep(2_000);
    const to = new Date().toISOString();
    await sleep(2_000);
    await psqlIn(namespace, "delete from visits where path = '/kept'");
    expect(Number(await psqlIn(namespace, "select count(*) from visits where path = '/kept'"))).toBe(0);
    const crd = nodesAdmin().kc.makeApiClient(CustomObjectsApi);
    const store = (await crd.getNamespacedCustomObject({ group: "barmancloud.cnpg.io", version: "v1", namespace, plural: "objectstores", name: "db-backups" })) as { spec: { configuration: { destinationPath: string } } };
    const [, , container, folder] = new URL(store.spec.configuration.destinationPath).pathname.split("/");
    const oldBase = await listBlobs(inject("nodesAzurite"), container ?? "", `${folder ?? ""}/db/base/`);

    const out = await landlord("restore", name, "--to", to, "--yes");
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(`tenant ${name} restored to`);
    // The old instance stopped with a fast shutdown, not waiting out the app's pooled connections.
    expect(out.stderr).toContain(`database db in ${namespace} fenced (fast shutdown), deleted, its pods gone`);
    expect(Number(await psqlIn(namespace, "select count(*) from visits where path = '/kept'"))).toBe(3);
    expect(Number(await psqlIn(namespace, "select count(*) from visits"))).toBe(before);
    // The app's pods kept running with the credentials they started with, and write again.
    const visit = (await (await fetch(await appUrl(name, "/"))).json()) as { visits: number };
    expect(visit.visits).toBe(before + 1);
    // The restored Cluster archives under a new serverName; the old folder keeps its history (no new base backups).
    const cluster = (await crd.getNamespacedCustomObject({ group: "postgresql.cnpg.io", version: "v1", namespace, plural: "clusters", name: "db" })) as {
      spec: { plugins: { parameters: { serverName?: string } }[] };
    };
    const serverName = cluster.spec.plugins[0]?.parameters.serverName ?? "";
    expect(serverName).toMatch(/^db-[0-9a-f]{8}$/);
    expect((await listBlobs(inject("nodesAzurite"), container ?? "", `${folder ?? ""}/${serverName}/wals/`)).length).toBeGreaterThan(0);
    const oldBaseAfter = await listBlobs(inject("nodesAzurite"), container ?? "", `${folder ?? ""}/db/base/`);
    // The restore's own backup (taken before the Cluster was replaced) is the one base backup added to the old folder.
    expect(oldBaseAfter.filter((b) => b.endsWith("/backup.info")).length).toBe(oldBase.filter((b) => b.endsWith("/backup.info")).length + 1);
    expect((await landlord("get", "tenant", name, "-o", "json")).stdout).toMatch(/"phase":\s*"Ready"/);
  }, 900_000);

  it("offboards the medium tenant while its database runs: final backup first, then a fast shutdown, and the namespace is gone", async () => {
    const namespace = `tenant-${medium}`;
    const crd = nodesAdmin().kc.makeApiClient(CustomObjectsApi);
    const store = (await crd.getNamespacedCustomObject({ group: "barmancloud.cnpg.io", version: "v1", namespace, plural: "objectstores", name: "db-backups" })) as { spec: { configuration: { destinationPath: string } } };
    const [, , container, folder] = new URL(store.spec.configuration.destinationPath).pathname.split("/");
    const bases = async (): Promise<number> => (await listBlobs(inject("nodesAzurite"), container ?? "", `${folder ?? ""}/db/base/`)).filter((b) => b.endsWith("/backup.info")).length;
    const before = await bases();
    const out = await landlord("offboard", medium);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain(`database db in ${namespace} fenced (fast shutdown), deleted, its pods gone`);
    await expect(nodesAdmin().core.readNamespace({ name: namespace })).rejects.toMatchObject({ code: 404 });
    // The final backup landed in the tenant's container, which outlives the namespace.
    expect(await bases()).toBe(before + 1);
  }, 600_000);
});
