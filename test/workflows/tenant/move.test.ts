/**
 * The pure parts of a move across clusters (docs/adr/0020): the restored Cluster as the
 * real CloudNativePG CRD accepts it, the fingerprint comparison, the probe against the
 * real PostgreSQL, and a whole move in directory delivery (files only) on both store backends.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { parseAllDocuments } from "yaml";
import { FINGERPRINT_SQL, fingerprintDifferences, parseFingerprint } from "../../../src/delivery/kubernetes/database-probe.js";
import { pgDatabaseProbe } from "../../../src/delivery/kubernetes/database-probe-pg.js";
import { GitopsDelivery } from "../../../src/delivery/gitops/gitops-delivery.js";
import { GitopsRepo } from "../../../src/delivery/gitops/repo.js";
import { ConflictError } from "../../../src/errors.js";
import { gitopsSettings } from "../../../src/render/gitops/argocd.js";
import { renderBundle } from "../../../src/render/bundle.js";
import type { KubeObject } from "../../../src/render/object.js";
import { resolveTenant, type ResolvedTenant } from "../../../src/spec/resolve.js";
import { backupArchive, backupDestination } from "../../../src/render/kubernetes/database.js";
import type { Store } from "../../../src/store/index.js";
import { validateObjects } from "../../../src/validate/objects.js";
import { recoveredBundle, targetServerName } from "../../../src/workflows/tenant/move-render.js";
import { runTenantWorkflow } from "../../../src/workflows/tenant/run-tenant-workflow.js";
import { renderStored } from "../../../src/workflows/tenant/services.js";
import { submitUpdate } from "../../../src/workflows/tenant/submit.js";
import { fleet, platform, sharedCrds, tenantFile, tenantDoc } from "../../support/fixtures.js";
import { platformWith } from "../../support/platform-variants.js";
import { BACKENDS, unique, useBackend } from "../../store/support/backends.js";
import { finishedStatus, foldersUnder, harness, onboard, type Harness } from "./support/harness.js";

const MOVE_STEPS = ["validate", "render", "final-backup", "fingerprint-source", "restore", "wait-ready", "verify", "cut-over", "remove-source", "done"];

type PluginEntry = { name: string; isWALArchiver?: boolean; parameters: Record<string, string> };
type ClusterSpec = { plugins: PluginEntry[]; externalClusters?: { name: string; plugin: PluginEntry }[]; bootstrap: Record<string, unknown> };

/** The archiving plugin's parameters of a rendered Cluster (its barmanObjectName and serverName). */
function archiving(cluster: KubeObject & { spec: ClusterSpec }): Record<string, string> {
  const entry = cluster.spec.plugins.find((p) => p.name === "barman-cloud.cloudnative-pg.io" && p.isWALArchiver === true);
  if (!entry) throw new Error("no archiving plugin on the Cluster");
  return entry.parameters;
}

function storeOf(objects: readonly KubeObject[], name: string): { destinationPath: string } {
  const store = objects.find((o) => o.kind === "ObjectStore" && o.metadata.name === name);
  if (!store) throw new Error(`no ObjectStore ${name} rendered`);
  return (store.spec as { configuration: { destinationPath: string } }).configuration;
}

function clusterOf(objects: readonly KubeObject[]): KubeObject & { spec: ClusterSpec } {
  const cluster = objects.find((o) => o.kind === "Cluster");
  if (!cluster) throw new Error("no Cluster rendered");
  return cluster as KubeObject & { spec: ClusterSpec };
}

describe("the restored Cluster", () => {
  const ctx = platform();
  const [medium] = fleet(ctx, [tenantFile("acme", { tier: "medium" })]);
  const [large] = fleet(ctx, [tenantFile("acme", { tier: "large" })]);
  if (!medium || !large) throw new Error("fixtures did not resolve");
  const WORKFLOW = "5f0c9a7e-2b1d-4c3e-9f8a-0123456789ab";
  /** The large tenant as the move renders its target: placed anew, with the move's own archive folder. */
  const moved = (): ResolvedTenant => {
    const r = resolveTenant(ctx, { file: "spec", index: 0, value: tenantDoc("acme", { tier: "large" }) }, { placement: medium.placement, backupServerName: targetServerName(WORKFLOW) });
    if (!r.ok) throw new Error("target did not resolve");
    return r.value;
  };

  test("bootstraps from the source's archive and is valid against the CloudNativePG Cluster CRD", async () => {
    const target = renderBundle(ctx.config, moved());
    const restored = recoveredBundle(target, backupArchive(ctx.config, medium));
    const cluster = clusterOf(restored.objects);
    expect(cluster.spec).toMatchObject({
      bootstrap: { recovery: { source: "origin", database: "app", owner: "app" } },
      externalClusters: [{ name: "origin", plugin: { name: "barman-cloud.cloudnative-pg.io", parameters: { barmanObjectName: "db-backups", serverName: "db" } } }],
    });
    // The same container: the tenant's own ObjectStore (workload identity) reads the source's folder.
    expect(storeOf(restored.objects, "db-backups")).toMatchObject({ destinationPath: backupDestination(ctx.config, medium), azureCredentials: { inheritFromAzureAD: true } });
    expect(cluster.spec.bootstrap).not.toHaveProperty("initdb");
    expect(validateObjects(restored.objects, await sharedCrds())).toEqual([]);
    // Everything but the Cluster is the target's plain render, and the plain render is untouched.
    expect(restored.objects.filter((o) => o.kind !== "Cluster")).toEqual(target.objects.filter((o) => o.kind !== "Cluster"));
    expect(clusterOf(target.objects).spec.bootstrap).toEqual({ initdb: { database: "app", owner: "app" } });
  });

  test("archives into a folder of its own while it restores from the source's, and never skips CloudNativePG's empty-archive check", () => {
    const target = moved();
    const objects = recoveredBundle(renderBundle(ctx.config, target), backupArchive(ctx.config, medium)).objects;
    const cluster = clusterOf(objects);
    const own = archiving(cluster);
    const origin = cluster.spec.externalClusters?.[0]?.plugin.parameters;
    // Same container (the tenant's storage account is its name's) through the same ObjectStore, different folders.
    expect(own.barmanObjectName).toBe("db-backups");
    expect(origin?.barmanObjectName).toBe("db-backups");
    expect(origin?.serverName).toBe("db");
    expect(own.serverName).toBe("db-5f0c9a7e");
    expect(own.serverName).not.toBe(origin?.serverName);
    expect(backupArchive(ctx.config, target)).toEqual({ destinationPath: backupDestination(ctx.config, medium), serverName: "db-5f0c9a7e" });
    expect(cluster.metadata.annotations ?? {}).not.toHaveProperty("cnpg.io/skipEmptyWalArchiveCheck");
    expect(JSON.stringify(cluster)).not.toContain("skipEmptyWalArchiveCheck");
  });

  test("reads an archive in another container through an ObjectStore of its own, with the tenant's credentials", async () => {
    const elsewhere = { destinationPath: "https://llbkother0000000.blob.core.windows.net/cnpg-backups", serverName: "db" };
    const restored = recoveredBundle(renderBundle(ctx.config, moved()), elsewhere);
    expect(clusterOf(restored.objects).spec.externalClusters).toEqual([{ name: "origin", plugin: { name: "barman-cloud.cloudnative-pg.io", parameters: { barmanObjectName: "db-origin-backups", serverName: "db" } } }]);
    expect(storeOf(restored.objects, "db-origin-backups")).toMatchObject({ destinationPath: elsewhere.destinationPath, azureCredentials: { inheritFromAzureAD: true } });
    expect(storeOf(restored.objects, "db-backups").destinationPath).toBe(backupDestination(ctx.config, moved()));
    expect(validateObjects(restored.objects, await sharedCrds())).toEqual([]);
  });

  test("is refused when it would archive into the folder it restores from", () => {
    // Both rendered at the Cluster's default folder: the old shape of a move.
    const sameFolder = renderBundle(ctx.config, large);
    expect(() => recoveredBundle(sameFolder, backupArchive(ctx.config, medium))).toThrow(/would archive into https:\/\/\S+\/db, the folder it restores from and the running source still writes/);
  });

  test("a tenant never moved renders no serverName (CloudNativePG's default, the Cluster's name): its objects are unchanged", () => {
    expect(archiving(clusterOf(renderBundle(ctx.config, medium).objects))).toEqual({ barmanObjectName: "db-backups" });
    expect(backupArchive(ctx.config, medium).serverName).toBe("db");
  });

  test("the folder stays with the Cluster: kept while the tenant stays on its cluster, not carried to another", () => {
    const recorded = { ...medium.placement, backupServerName: "db-11111111" };
    const resolve = (tier: string) => {
      const r = resolveTenant(ctx, { file: "spec", index: 0, value: tenantDoc("acme", { tier }) }, { placement: recorded });
      if (!r.ok) throw new Error("did not resolve");
      return r.value;
    };
    // medium -> small re-places the tenant on the same shared cluster: same namespace, same Cluster.
    expect(resolve("small").placement).toMatchObject({ cluster: medium.placement.cluster, backupServerName: "db-11111111" });
    expect(archiving(clusterOf(renderBundle(ctx.config, resolve("medium")).objects))).toMatchObject({ serverName: "db-11111111" });
    // Another cluster is another Cluster: the move that takes it there names its folder.
    expect(resolve("large").placement).not.toHaveProperty("backupServerName");
  });
});

describe("fingerprints", () => {
  const db = `landlord_fp_${randomBytes(4).toString("hex")}`;
  const [acme] = fleet(platform(), [tenantFile("acme", { tier: "medium" })]);
  if (!acme) throw new Error("fixture did not resolve");
  const admin = new pg.Client({ host: "127.0.0.1", port: 5432, user: "postgres", database: "postgres" });
  beforeAll(async () => {
    await admin.connect();
    await admin.query(`create database ${db}`);
  });
  afterAll(async () => {
    await admin.query(`drop database if exists ${db} with (force)`);
    await admin.end();
  });

  test("count and digest every table on the real PostgreSQL, and name what differs", async () => {
    const c = new pg.Client({ host: "127.0.0.1", port: 5432, user: "postgres", database: db });
    await c.connect();
    await c.query("create table orders (id int primary key, note text); create schema billing; create table billing.lines (n int, amount numeric)");
    await c.query("insert into orders values (2, 'b'), (1, 'a'); insert into billing.lines values (1, 9.5)");
    const probe = pgDatabaseProbe(() => ({ host: "127.0.0.1", port: 5432, user: "postgres", database: db }));
    const before = await probe.fingerprint(acme);
    expect(Object.keys(before.tables)).toEqual(["billing.lines", "public.orders"]);
    expect(before.tables["public.orders"]?.rows).toBe(2);
    // Insertion order does not matter, content does.
    await c.query("delete from orders; insert into orders values (1, 'a'), (2, 'b')");
    expect(await probe.fingerprint(acme)).toEqual(before);
    await c.query("update orders set note = 'B' where id = 2");
    const changed = await probe.fingerprint(acme);
    expect(fingerprintDifferences(before, changed)).toEqual(["public.orders: same row count (2), different content"]);
    await c.query("delete from orders where id = 2; drop table billing.lines");
    expect(fingerprintDifferences(before, await probe.fingerprint(acme))).toEqual([
      "billing.lines: missing on the target (1 rows on the source)",
      "public.orders: 1 rows on the target, 2 on the source",
    ]);
    await c.end();
    expect(FINGERPRINT_SQL).not.toMatch(/;\s*$/);
    expect(parseFingerprint("{}\n")).toEqual({ tables: {} });
  });

  test("the fingerprint at a WAL position waits for a write in flight, holds it, and reads a position after its commit (restore drills)", async () => {
    const c = new pg.Client({ host: "127.0.0.1", port: 5432, user: "postgres", database: db });
    const writer = new pg.Client({ host: "127.0.0.1", port: 5432, user: "postgres", database: db });
    await c.connect();
    await writer.connect();
    await c.query("drop table if exists billing.lines; drop table if exists orders; create table ledger (id serial primary key, note text)");
    await c.query("insert into ledger (note) select 'row ' || g from generate_series(1, 50) g");
    // A transaction in flight when the fingerprint starts: it commits 1.5 s later.
    await writer.query("begin");
    await writer.query("insert into ledger (note) values ('in flight')");
    const beforeCommit = (await writer.query<{ lsn: string }>("select pg_current_wal_insert_lsn()::text as lsn")).rows[0]?.lsn ?? "";
    const probe = pgDatabaseProbe(() => ({ host: "127.0.0.1", port: 5432, user: "postgres", database: db }));
    const started = Date.now();
    const point = probe.fingerprintAtPoint(acme);
    await new Promise((r) => setTimeout(r, 1_500));
    await writer.query("commit");
    const fp = await point;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(fp.fingerprint.tables["public.ledger"]?.rows).toBe(51);
    const after = (await c.query<{ ahead: string }>("select pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::text as ahead", [fp.lsn, beforeCommit])).rows[0]?.ahead ?? "0";
    expect(Number(after)).toBeGreaterThan(0);
    // The same data read plainly: the point fingerprint is the ordinary one plus its position.
    expect(fp.fingerprint).toEqual(await probe.fingerprint(acme));
    // The marker a restore to a time needs: a commit of its own, so the WAL moves on.
    await probe.commitMarker(acme);
    const later = (await c.query<{ ahead: string }>("select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)::text as ahead", [fp.lsn])).rows[0]?.ahead ?? "0";
    expect(Number(later)).toBeGreaterThan(0);
    await writer.end();
    await c.end();
  });
});

describe.each(BACKENDS)("a tier move in directory delivery on $name", (factory) => {
  const backend = useBackend(factory);
  let root: string;
  let h: Harness;
  let store: Store;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "landlord-move-"));
    store = await backend.open();
    h = harness({ store, platform: platform(), folders: foldersUnder(root) });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test("medium -> large runs the move: target files restore from the backup, the data steps say they need a cluster", async () => {
    const name = unique("mv");
    expect(finishedStatus((await onboard(h, tenantDoc(name, { tier: "medium" }))).result)).toBe("Succeeded");
    const before = await store.tenants.require(name);
    expect(before.placement).toMatchObject({ cluster: "aks-weu-1", dedicatedCluster: false });
    const wf = await submitUpdate(h.services, h.engine, tenantDoc(name, { tier: "large" }), "tester", new Date());
    expect(wf?.kind).toBe("move");
    // Until cut-over the tenant is recorded where it serves.
    expect((await store.tenants.require(name)).placement).toEqual(before.placement);
    expect((await store.tenants.require(name)).phase).toBe("Updating");
    const result = await runTenantWorkflow(h.services, h.engine, wf?.id ?? "");
    expect(finishedStatus(result)).toBe("Succeeded");
    const steps = await store.workflows.steps(wf?.id ?? "");
    expect(steps.map((s) => s.name)).toEqual(MOVE_STEPS);
    const out = Object.fromEntries(steps.map((s) => [s.name, s.output]));
    expect(out["fingerprint-source"]).toEqual({ skipped: expect.stringMatching(/need a cluster/) as unknown });
    expect(out.verify).toEqual({ skipped: expect.stringMatching(/need a cluster/) as unknown });
    expect(out["remove-source"]).toEqual({ skipped: expect.stringMatching(/need a cluster/) as unknown });
    const after = await store.tenants.require(name);
    expect(after.phase).toBe("Ready");
    expect(after.placement).toMatchObject({ cluster: `aks-${name}`, dedicatedCluster: true });
    const written = await readFile(join(h.outDir, name, "kubernetes.yaml"), "utf8");
    const docs = parseAllDocuments(written).map((d) => d.toJS() as KubeObject);
    // Restored from the source's folder, archiving into the move's own; no check skipped.
    const folder = `db-${(wf?.id ?? "").slice(0, 8)}`;
    expect(clusterOf(docs).spec).toMatchObject({
      bootstrap: { recovery: { source: "origin" } },
      externalClusters: [{ name: "origin", plugin: { parameters: { serverName: "db" } } }],
    });
    expect(archiving(clusterOf(docs))).toMatchObject({ serverName: folder });
    expect(written).not.toContain("skipEmptyWalArchiveCheck");
    expect(out.render).toMatchObject({ archive: { restoresFrom: "db", archivesTo: folder } });
    // The store keeps the folder with the placement: every later render archives there.
    expect(after.placement).toMatchObject({ backupServerName: folder });
    expect(archiving(clusterOf((await renderStored(h.services, name, after.spec)).bundle.objects))).toMatchObject({ serverName: folder });
    expect(await readFile(join(h.outDir, name, "move-backup.yaml"), "utf8")).toMatch(/kind: Backup/);
    // Moved and delivered: the same spec again is nothing to do.
    expect(await submitUpdate(h.services, h.engine, tenantDoc(name, { tier: "large" }), "tester", new Date())).toBeUndefined();

    // Moving again restores from the folder the first move's target archived into, and archives into a third.
    const back = await submitUpdate(h.services, h.engine, tenantDoc(name, { tier: "medium" }), "tester", new Date());
    expect(back?.kind).toBe("move");
    expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, back?.id ?? ""))).toBe("Succeeded");
    const again = `db-${(back?.id ?? "").slice(0, 8)}`;
    expect(again).not.toBe(folder);
    const movedBack = clusterOf(parseAllDocuments(await readFile(join(h.outDir, name, "kubernetes.yaml"), "utf8")).map((d) => d.toJS() as KubeObject));
    expect(archiving(movedBack)).toMatchObject({ serverName: again });
    expect(movedBack.spec).toMatchObject({ externalClusters: [{ plugin: { parameters: { serverName: folder } } }] });
    expect((await store.tenants.require(name)).placement).toMatchObject({ cluster: "aks-weu-1", backupServerName: again });
  });

  test("GitOps delivery refuses a move across clusters, naming what to do; nothing is written", async () => {
    const ctx = platform(platformWith(["integrations", "gitops"], { repoURL: "https://git.example.com/fleet.git", revision: "main", argocdNamespace: "argocd" }));
    const repo = await GitopsRepo.open({ dir: join(root, "fleet") });
    const g = harness({ store, platform: ctx, folders: foldersUnder(root), delivery: new GitopsDelivery(repo, gitopsSettings(ctx.config)) });
    const name = unique("gm");
    expect(finishedStatus((await onboard(g, tenantDoc(name, { tier: "medium" }))).result)).toBe("Succeeded");
    const before = await store.tenants.require(name);
    const err = await submitUpdate(g.services, g.engine, tenantDoc(name, { tier: "large" }), "tester", new Date()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as Error).message).toMatch(new RegExp(`would move from cluster aks-weu-1 to aks-${name}\\. GitOps delivery cannot move a database.*delivery\\.mode: kubernetes`));
    const after = await store.tenants.require(name);
    expect({ phase: after.phase, placement: after.placement, generation: after.generation }).toEqual({ phase: "Ready", placement: before.placement, generation: before.generation });
  });
});
