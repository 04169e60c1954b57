/**
 * A tier move across clusters that keeps the customer's data (docs/adr/0020), against two
 * real control planes: the shared test cluster (aks-weu-1, where the medium tenant runs)
 * and a second one started here as the tenant's dedicated cluster (aks-<tenant>), so the
 * old and the new namespace are really different. The CloudNativePG CRDs are installed on
 * both and the API servers validate every object the move applies.
 *
 * CloudNativePG itself does not run here (fake nodes run no containers), so the test plays
 * it at the boundary, as the operator would answer: it marks Backups completed and
 * Clusters Ready through their status subresources, and it performs the restore by
 * copying the source's database into the target's on the real PostgreSQL at
 * 127.0.0.1:5432 (pg_dump | psql). The probe reads those databases with `pg`.
 *
 * /work/shared/crds has no Backup CRD: a minimal stand-in (schema left open, status
 * subresource) is installed on the shared cluster for this file and removed after it.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, stringify } from "yaml";
import { startControlPlane, stopControlPlane } from "../../src/devcluster/control-plane.js";
import { addNodes, adminConfig, installCrds, waitSeeded } from "../../src/devcluster/seed.js";
import { Applier } from "../../src/delivery/kubernetes/applier.js";
import { KubeClient } from "../../src/delivery/kubernetes/client.js";
import { pgDatabaseProbe } from "../../src/delivery/kubernetes/database-probe-pg.js";
import { KubeApiError } from "../../src/delivery/kubernetes/errors.js";
import { KubeconfigResolver } from "../../src/delivery/kubernetes/kubeconfig.js";
import { KubernetesDelivery } from "../../src/delivery/kubernetes/kubernetes-delivery.js";
import { clusterBootstrap } from "../../src/render/platform/bootstrap.js";
import { openStore, type Store } from "../../src/store/index.js";
import type { ProgressEvent, WorkflowEngine } from "../../src/workflows/engine/index.js";
import { tenantEngine } from "../../src/workflows/tenant/engine.js";
import { tenantLocator } from "../../src/workflows/tenant/locate.js";
import { runTenantWorkflow } from "../../src/workflows/tenant/run-tenant-workflow.js";
import { submitUpdate } from "../../src/workflows/tenant/submit.js";
import { platform as templatePlatform, tenantDoc } from "../support/fixtures.js";
import { finishedStatus, foldersUnder, harness, onboard, platformFromText, type Harness } from "../workflows/tenant/support/harness.js";
import { livePlatformText, SHARED_CLUSTER, uniqueName } from "./support/live.js";

const run = promisify(execFile);
const CNPG_NS = "cnpg-system";
const PG = { host: "127.0.0.1", port: 5432, user: "postgres" } as const;

const BACKUP_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "backups.postgresql.cnpg.io" },
  spec: {
    group: "postgresql.cnpg.io",
    scope: "Namespaced",
    names: { kind: "Backup", listKind: "BackupList", plural: "backups", singular: "backup" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true }, status: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } } },
      },
    ],
  },
};

/** A stand-in for the operator's Deployment: Landlord only looks for an available one in the CNPG namespace. */
const OPERATOR = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "cnpg-controller-manager", namespace: CNPG_NS },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "cnpg" } },
    template: { metadata: { labels: { app: "cnpg" } }, spec: { containers: [{ name: "manager", image: "ghcr.io/cloudnative-pg/cloudnative-pg:1.27.1" }] } },
  },
};

interface Side {
  readonly name: string;
  readonly client: KubeClient;
}

let root: string;
let targetDir: string;
let shared: Side;
let target: Side;
let store: Store;
let h: Harness;
let engine: WorkflowEngine;
let delivery: KubernetesDelivery;
let admin: pg.Client;
let playing = true;
let player: Promise<void> = Promise.resolve();

/** The tenants under test and how their restore goes (the mismatch test drops the last rows). */
const tenants = new Map<string, { restore: "full" | "without-last-row"; restored: boolean; backupsCompleted: number }>();
const databases: string[] = [];

function dbName(tenant: string, side: "src" | "dst"): string {
  return `mv_${tenant.replace(/-/g, "_")}_${side}`;
}

async function send<T>(c: KubeClient, method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T | undefined> {
  try {
    return await c.send<T>({ method, path, ...(body !== undefined ? { body, ...(method === "PATCH" ? { contentType: "application/merge-patch+json" } : {}) } : {}) });
  } catch (err) {
    if (err instanceof KubeApiError && (err.status === 404 || err.status === 409)) return undefined;
    throw err;
  }
}

const ready = {
  status: {
    conditions: [
      { type: "Ready", status: "True", reason: "ClusterIsReady", message: "Cluster is Ready", lastTransitionTime: new Date().toISOString() },
      { type: "ContinuousArchiving", status: "True", reason: "ContinuousArchivingSuccess", message: "Continuous archiving is working", lastTransitionTime: new Date().toISOString() },
    ],
  },
};

/** One pass of what CloudNativePG would do for the tenants under test. */
async function playCnpg(): Promise<void> {
  for (const [tenant, t] of tenants) {
    const ns = `tenant-${tenant}`;
    const backups = await send<{ items: { metadata: { name: string }; status?: { phase?: string } }[] }>(shared.client, "GET", `/apis/postgresql.cnpg.io/v1/namespaces/${ns}/backups`);
    for (const b of backups?.items ?? []) {
      if (b.status?.phase === "completed") continue;
      await send(shared.client, "PATCH", `/apis/postgresql.cnpg.io/v1/namespaces/${ns}/backups/${b.metadata.name}/status`, { status: { phase: "completed", startedAt: new Date().toISOString(), stoppedAt: new Date().toISOString() } });
      t.backupsCompleted++;
    }
    for (const side of [shared, target]) {
      const cluster = await send<{ spec?: { bootstrap?: { recovery?: unknown } }; status?: { conditions?: { type: string; status: string }[] } }>(side.client, "GET", `/apis/postgresql.cnpg.io/v1/namespaces/${ns}/clusters/db`);
      if (!cluster || cluster.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")) continue;
      if (cluster.spec?.bootstrap?.recovery !== undefined && !t.restored) {
        // The restore CloudNativePG would run from the object store: the source's data into the target's database.
        const src = dbName(tenant, "src");
        const dst = dbName(tenant, "dst");
        await run("bash", ["-o", "pipefail", "-c", `pg_dump -h ${PG.host} -p ${String(PG.port)} -U ${PG.user} --no-owner ${src} | psql -q -h ${PG.host} -p ${String(PG.port)} -U ${PG.user} -v ON_ERROR_STOP=1 ${dst}`]);
        if (t.restore === "without-last-row") await query(dst, "delete from orders where id = (select max(id) from orders)");
        t.restored = true;
      }
      await send(side.client, "PATCH", `/apis/postgresql.cnpg.io/v1/namespaces/${ns}/clusters/db/status`, ready);
    }
  }
}

async function newDatabase(name: string): Promise<void> {
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  databases.push(name);
}

async function query<R extends pg.QueryResultRow>(database: string, text: string): Promise<R[]> {
  const c = new pg.Client({ ...PG, database });
  await c.connect();
  try {
    return (await c.query<R>(text)).rows;
  } finally {
    await c.end();
  }
}

/** A medium tenant onboarded on the shared cluster, with rows in its (source) database. */
async function mediumWithData(name: string, restore: "full" | "without-last-row"): Promise<void> {
  const kc = adminConfig(inject("kubeconfig"));
  await addNodes(kc, { pool: `pool-${name}`, count: 1, cpu: "64", memory: "256Gi", labels: { "landlord.dev/tenant": name }, taints: [{ key: "landlord.dev/tenant", value: name, effect: "NoSchedule" }] });
  tenants.set(name, { restore, restored: false, backupsCompleted: 0 });
  await newDatabase(dbName(name, "src"));
  await newDatabase(dbName(name, "dst"));
  await query(dbName(name, "src"), "create table orders (id int primary key, customer text, total numeric(10,2)); insert into orders select g, 'c' || g, g * 1.5 from generate_series(1, 50) g");
  await query(dbName(name, "src"), "create table audit (at timestamptz, what text); insert into audit values ('2026-11-27T10:00:00Z', 'signed up')");
  const { result } = await onboard({ ...h, engine }, tenantDoc(name, { tier: "medium" }));
  expect(finishedStatus(result)).toBe("Succeeded");
  expect((await store.tenants.require(name)).placement).toMatchObject({ cluster: SHARED_CLUSTER, dedicatedCluster: false });
  // Quota admission refuses a Backup until the quota controller has counted the new kind in this namespace.
  for (let n = 0; ; n++) {
    const quota = await send<{ status?: { used?: Record<string, string> } }>(shared.client, "GET", `/api/v1/namespaces/tenant-${name}/resourcequotas/tenant-quota`);
    if (quota?.status?.used?.["count/backups.postgresql.cnpg.io"] !== undefined) break;
    if (n > 240) throw new Error(`quota of tenant-${name} never counted Backups`);
    // A quota made before the controller watched the new kind is recounted only when its
    // hard limits change (or at the 5-minute resync): nudge it with a harmless limit.
    if (n > 0 && n % 30 === 0) await send(shared.client, "PATCH", `/api/v1/namespaces/tenant-${name}/resourcequotas/tenant-quota`, { spec: { hard: { "count/events": String(1_000_000 + n) } } });
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function namespaceExists(side: Side, tenant: string): Promise<boolean> {
  return (await send(side.client, "GET", `/api/v1/namespaces/tenant-${tenant}`)) !== undefined;
}

/** Kubeconfig: the shared cluster as landlord-dev, and each tenant's dedicated cluster on the second API server. */
async function twoClusterKubeconfig(second: string, dedicated: readonly string[]): Promise<string> {
  const a = parse(await readFile(inject("kubeconfig"), "utf8")) as { clusters: { name: string }[]; users: { name: string }[]; contexts: { name: string; context: { cluster: string; user: string } }[] };
  const b = parse(await readFile(second, "utf8")) as typeof a;
  const bc = b.clusters[0];
  const bu = b.users[0];
  if (!bc || !bu) throw new Error("second kubeconfig lacks a cluster or user");
  a.clusters.push({ ...bc, name: "dedicated" });
  a.users.push({ ...bu, name: "dedicated-admin" });
  for (const c of dedicated) a.contexts.push({ name: c, context: { cluster: "dedicated", user: "dedicated-admin" } });
  const file = join(root, "kubeconfig");
  await writeFile(file, stringify(a), { mode: 0o600 });
  return file;
}

const names = { moved: "", mismatch: "", resumed: "" };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "landlord-move-"));
  targetDir = await mkdtemp(join(tmpdir(), "landlord-cp-dedicated-"));
  admin = new pg.Client({ ...PG, database: "postgres" });
  await admin.connect();

  // First, so the quota controller counts Backups by the time the tenants' quotas are made.
  const kc1 = adminConfig(inject("kubeconfig"));
  shared = { name: SHARED_CLUSTER, client: new KubeClient(kc1, kc1.getCurrentContext()) };
  const crdDir = join(root, "crds");
  await mkdir(crdDir);
  await writeFile(join(crdDir, "backups.yaml"), stringify(BACKUP_CRD));
  await installCrds(kc1, crdDir);

  // The second cluster: a real control plane of its own, with the CRDs, nodes and the guardrails.
  const state = await startControlPlane({ dir: targetDir, log: () => undefined });
  const kc2 = adminConfig(state.kubeconfig);
  await waitSeeded(kc2);
  const sharedCrdDir = process.env.LANDLORD_CRDS_DIR ?? join(import.meta.dirname, "../../../shared/crds");
  await installCrds(kc2, sharedCrdDir);
  // As on the shared cluster: the Barman Cloud plugin's ObjectStore, not CloudNativePG's Backup (the stand-in below).
  await installCrds(kc2, join(sharedCrdDir, "more"), (f) => f.startsWith("barmancloud.cnpg.io_"));
  await addNodes(kc2, { pool: "shared", count: 2, cpu: "64", memory: "256Gi" });
  const c2 = new KubeClient(kc2, kc2.getCurrentContext());
  await new Applier(c2).applyPlatform(clusterBootstrap(templatePlatform().config), { force: false, repairDrift: true, dryRun: false, parallelism: 4 });
  target = { name: "dedicated", client: c2 };


  names.moved = uniqueName("mv");
  names.mismatch = uniqueName("mm");
  names.resumed = uniqueName("rs");
  const kubeconfig = await twoClusterKubeconfig(state.kubeconfig, Object.values(names).map((n) => `aks-${n}`));
  const ctx = platformFromText(livePlatformText());
  store = await openStore({ baseDir: root });
  const k = ctx.config.delivery.kubernetes;
  const i = ctx.config.integrations;
  delivery = new KubernetesDelivery(
    new KubeconfigResolver({ file: kubeconfig, contexts: k.contexts }),
    { forceConflicts: k.forceConflicts, parallelism: k.parallelism, readyTimeoutSeconds: k.readyTimeoutSeconds, cnpgNamespace: i.cnpg.namespace, certManagerNamespace: i.certManager.namespace, tokenSeconds: 600 },
    tenantLocator(store, ctx),
  );
  h = harness({ store, platform: ctx, folders: foldersUnder(root), delivery, leaseTtlMs: 30_000 });
  const probe = pgDatabaseProbe((tenant, cluster) => ({ ...PG, database: dbName(tenant, cluster === SHARED_CLUSTER ? "src" : "dst") }));
  engine = tenantEngine(h.services, { leaseTtlMs: 30_000, databaseProbe: probe });

  // Onboarded before the stand-in operator runs, so their databases are "not waited for" as in every other live test.
  await mediumWithData(names.moved, "full");
  await mediumWithData(names.mismatch, "without-last-row");
  await mediumWithData(names.resumed, "full");

  for (const side of [shared, target]) {
    await send(side.client, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: CNPG_NS } });
    await send(side.client, "POST", `/apis/apps/v1/namespaces/${CNPG_NS}/deployments`, OPERATOR);
  }
  for (const side of [shared, target]) {
    for (let n = 0; ; n++) {
      const d = await send<{ status?: { availableReplicas?: number } }>(side.client, "GET", `/apis/apps/v1/namespaces/${CNPG_NS}/deployments/${OPERATOR.metadata.name}`);
      if ((d?.status?.availableReplicas ?? 0) > 0) break;
      if (n > 120) throw new Error(`stand-in operator not available on ${side.name}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  player = (async () => {
    while (playing) {
      await playCnpg();
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
});

afterAll(async () => {
  playing = false;
  await player.catch(() => undefined);
  // Leave the shared cluster as the other files expect it: no operator, no Backup kind.
  await send(shared.client, "DELETE", `/apis/apps/v1/namespaces/${CNPG_NS}/deployments/${OPERATOR.metadata.name}`);
  await send(shared.client, "DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/backups.postgresql.cnpg.io");
  shared.client.close();
  target.client.close();
  delivery.close();
  await store.close();
  for (const d of databases) await admin.query(`drop database if exists ${d} with (force)`);
  await admin.end();
  await stopControlPlane(targetDir, true);
  await rm(root, { recursive: true, force: true });
});

async function startMove(name: string): Promise<string> {
  const current = (await store.tenants.require(name)).spec as ReturnType<typeof tenantDoc>;
  const wf = await submitUpdate(h.services, engine, tenantDoc(name, { tier: "large", domains: (current.spec as { domains: string[] }).domains }), "tester", new Date());
  expect(wf?.kind).toBe("move");
  return wf?.id ?? "";
}

describe("medium -> large: a move to the tenant's own cluster", () => {
  it("backs up, restores on the dedicated cluster, verifies the rows, cuts over, and only then removes the old namespace", async () => {
    const name = names.moved;
    const id = await startMove(name);
    const order: string[] = [];
    const result = await runTenantWorkflow(h.services, engine, id, (e: ProgressEvent) => {
      if (e.type === "step-succeeded") order.push(e.step);
      // The old namespace is still there when the cut-over ends; gone once the last step removed it.
      if (e.type === "step-started" && e.step === "remove-source") void namespaceExists(shared, name).then((there) => order.push(`source-present-before-removal:${String(there)}`));
    });
    expect(finishedStatus(result)).toBe("Succeeded");
    expect(order.filter((s) => !s.startsWith("source-"))).toEqual(["validate", "render", "final-backup", "fingerprint-source", "restore", "wait-ready", "verify", "cut-over", "remove-source", "done"]);
    expect(order).toContain("source-present-before-removal:true");

    // The rows written before the move read back on the target.
    const rows = await query<{ n: string; sum: string }>(dbName(name, "dst"), "select count(*)::text as n, sum(total)::text as sum from orders");
    expect(rows).toEqual([{ n: "50", sum: "1912.50" }]);
    expect(await query(dbName(name, "dst"), "select what from audit")).toEqual([{ what: "signed up" }]);
    const steps = Object.fromEntries((await store.workflows.steps(id)).map((s) => [s.name, s.output as Record<string, unknown>]));
    expect(steps.verify).toMatchObject({ verified: true, tables: 2, rows: 51, cluster: `aks-${name}` });
    expect(steps["final-backup"]).toMatchObject({ cluster: SHARED_CLUSTER, completion: "completed" });

    // The API servers accepted the recovery objects: the Backup on the source (until its namespace went), the restored Cluster on the target.
    const cluster = await send<{ metadata: { annotations?: Record<string, string> }; spec: Record<string, unknown> }>(target.client, "GET", `/apis/postgresql.cnpg.io/v1/namespaces/tenant-${name}/clusters/db`);
    // Restored from the source's folder, archiving into one of its own while the source still runs (docs/adr/0024).
    const folder = `db-${id.slice(0, 8)}`;
    expect(cluster?.spec).toMatchObject({
      bootstrap: { recovery: { source: "origin", database: "app" } },
      plugins: [{ name: "barman-cloud.cloudnative-pg.io", isWALArchiver: true, parameters: { barmanObjectName: "db-backups", serverName: folder } }],
      externalClusters: [{ name: "origin", plugin: { name: "barman-cloud.cloudnative-pg.io", parameters: { barmanObjectName: "db-backups", serverName: "db" } } }],
    });
    expect(cluster?.metadata.annotations ?? {}).not.toHaveProperty("cnpg.io/skipEmptyWalArchiveCheck");
    expect(tenants.get(name)?.backupsCompleted).toBe(1);

    expect(await namespaceExists(shared, name)).toBe(false);
    expect(await namespaceExists(target, name)).toBe(true);
    const record = await store.tenants.require(name);
    expect(record.phase).toBe("Ready");
    expect(record.placement).toMatchObject({ cluster: `aks-${name}`, dedicatedCluster: true, backupServerName: folder });
  });
});

describe("a fingerprint mismatch", () => {
  it("stops the move before cut-over; the source keeps serving and the error names what to run next", async () => {
    const name = names.mismatch;
    const id = await startMove(name);
    const status = finishedStatus(await runTenantWorkflow(h.services, engine, id));
    expect(status).toMatch(/^Failed: step 'verify' failed: the data restored on aks-\S+ does not match aks-weu-1's at the backup: public\.orders: 49 rows on the target, 50 on the source\. Nothing was cut over/);
    expect(status).toContain(`landlord update ${name}`);
    const steps = await store.workflows.steps(id);
    expect(steps.filter((s) => s.status === "Succeeded").map((s) => s.name)).toEqual(["validate", "render", "final-backup", "fingerprint-source", "restore", "wait-ready"]);
    expect(await namespaceExists(shared, name)).toBe(true);
    const record = await store.tenants.require(name);
    expect(record.phase).toBe("Failed");
    expect(record.placement).toMatchObject({ cluster: SHARED_CLUSTER });
    // The source's data is untouched.
    expect(await query(dbName(name, "src"), "select count(*)::int as n from orders")).toEqual([{ n: 50 }]);
  });
});

describe("a move interrupted after its backup", () => {
  it("resumes without taking a second backup", async () => {
    const name = names.resumed;
    const id = await startMove(name);
    const stop = new AbortController();
    const first = await engine.runWorkflow(id, {
      signal: stop.signal,
      onProgress: (e) => {
        if (e.type === "step-succeeded" && e.step === "fingerprint-source") stop.abort();
      },
    });
    expect(first.outcome).toBe("interrupted");
    expect(await namespaceExists(shared, name)).toBe(true);
    const reused: string[] = [];
    const second = await runTenantWorkflow(h.services, engine, id, (e) => {
      if (e.type === "step-reused") reused.push(e.step);
    });
    expect(finishedStatus(second)).toBe("Succeeded");
    expect(reused).toEqual(["validate", "render", "final-backup", "fingerprint-source"]);
    const backup = (await store.workflows.steps(id)).find((s) => s.name === "final-backup");
    expect(backup?.attempts).toBe(1);
    expect(tenants.get(name)?.backupsCompleted).toBe(1);
    expect(await query(dbName(name, "dst"), "select count(*)::int as n from orders")).toEqual([{ n: 50 }]);
    expect(await namespaceExists(shared, name)).toBe(false);
  });
});
