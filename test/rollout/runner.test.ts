/**
 * Rollouts end to end without a cluster: tenants onboarded through the real workflows onto
 * a directory delivery, a real Prometheus scraping the test exporter (whose error rate
 * follows the image each tenant's delivered Deployment names), the runner on SQLite and
 * PostgreSQL. The Kubernetes variants (Deployment rollouts on a real API server, SIGKILL)
 * are in test/kubernetes/rollout-live.test.ts.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { createRelease, controlRollout, runRollout, startRollout } from "../../src/rollout/service.js";
import { rolloutContext } from "../../src/rollout/wiring.js";
import { rolloutsRepo } from "../../src/store/rollouts-repo.js";
import { openStore, type Store } from "../../src/store/index.js";
import { tenantDoc } from "../support/fixtures.js";
import { PG_ADMIN_URL } from "../store/support/backends.js";
import { finishedStatus, foldersUnder, harness, onboard, platformFromText, type Harness } from "../workflows/tenant/support/harness.js";
import type { AppState } from "./support/exporter.js";
import { ERROR_GATE, MISSING_GATE } from "./support/exporter.js";
import { eventLog, platformTextWith, startObservability, waitForSeries, type Observability } from "./support/setup.js";

const OUT = { dir: "" };
let obs: Observability;

/** What the directory delivery wrote: each tenant's namespace, app image and tier. */
async function deliveredApps(): Promise<AppState[]> {
  const root = OUT.dir;
  if (root === "") return [];
  const out: AppState[] = [];
  const dirs = await readdir(root).catch(() => [] as string[]);
  for (const d of dirs) {
    const text = await readFile(join(root, d, "kubernetes.yaml"), "utf8").catch(() => undefined);
    if (text === undefined) continue;
    for (const doc of parseAllDocuments(text)) {
      const o = doc.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string> }; spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | null;
      if (o?.kind !== "Deployment" || o.metadata?.name !== "app") continue;
      out.push({ namespace: o.metadata.namespace ?? "", image: o.spec?.template?.spec?.containers?.[0]?.image ?? "", tier: o.metadata.labels?.["landlord.dev/tier"] ?? "" });
    }
  }
  return out;
}

beforeAll(async () => {
  obs = await startObservability(deliveredApps);
});

afterAll(async () => {
  await obs.stop();
});

interface Fleet {
  readonly h: Harness;
  readonly store: Store;
  readonly names: string[];
  readonly log: ReturnType<typeof eventLog>;
  readonly ctx: ReturnType<typeof rolloutContext>;
  close(): Promise<void>;
}

async function pgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const database = `landlord_rollout_${randomBytes(5).toString("hex")}`;
  const admin = async (sqlText: string) => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    try {
      await c.query(sqlText);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${database}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${database} with (force)`) };
}

/** A fresh store and fleet of `n` small tenants (ring 0 for the first: the canary), plus extras. */
async function fleet(n: number, rollout: Record<string, unknown>, opts: { backend?: "sqlite" | "postgres"; extra?: Record<string, unknown>[] } = {}): Promise<Fleet> {
  const root = await mkdtemp(join(tmpdir(), "landlord-rollout-"));
  const database = opts.backend === "postgres" ? await pgDatabase() : undefined;
  const store = await openStore({ baseDir: root, ...(database ? { url: database.url } : {}) });
  const platform = platformFromText(platformTextWith({ prometheusUrl: obs.prometheus.url, ...rollout }));
  const folders = foldersUnder(root);
  OUT.dir = folders.outDir;
  const h = harness({ store, platform, folders });
  const suffix = randomBytes(2).toString("hex");
  const names = Array.from({ length: n }, (_, i) => `ro${suffix}-${String(i)}`);
  for (const [i, name] of names.entries()) {
    const { result } = await onboard(h, tenantDoc(name, { spec: i === 0 ? { rollout: { ring: 0 } } : {} }));
    expect(finishedStatus(result)).toBe("Succeeded");
  }
  for (const doc of opts.extra ?? []) expect(finishedStatus((await onboard(h, doc)).result)).toBe("Succeeded");
  await waitForSeries(obs.prometheus.url, names.map((x) => `tenant-${x}`));
  const log = eventLog();
  const ctx = rolloutContext({ store, platform, delivery: h.services.delivery, onEvent: log.onEvent, leaseTtlMs: 3_000, controlPollMs: 200 });
  return {
    h,
    store,
    names,
    log,
    ctx,
    async close() {
      await store.close();
      await database?.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

const FAST = { bakeSeconds: 4, intervalSeconds: 1, maxParallel: 5, tenantTimeoutSeconds: 30, gates: [ERROR_GATE] };

async function versionOf(store: Store, name: string): Promise<string | undefined> {
  return ((await store.tenants.require(name)).spec as { spec: { version?: string } }).spec.version;
}

async function release(f: Fleet, version: string): Promise<void> {
  await createRelease(f.store, { version }, "tester", new Date());
}

function show(title: string, f: Fleet): void {
  console.log(`--- wave log: ${title}\n${f.log.lines.join("\n")}`);
}

describe("rollouts over a directory delivery with a real Prometheus", () => {
  it.each(["sqlite", "postgres"] as const)("a good release reaches 100%%; pinned tenants and closed maintenance windows are skipped and listed (%s)", async (backend) => {
    const pinned = tenantDoc(`pin${randomBytes(2).toString("hex")}`, { spec: { rollout: { pinned: true } } });
    const closedWindow = tenantDoc(`win${randomBytes(2).toString("hex")}`, { spec: { maintenanceWindow: { days: [["sun", "mon", "tue", "wed", "thu", "fri", "sat"][(new Date().getUTCDay() + 3) % 7]], start: "03:00", durationMinutes: 30, timezone: "UTC" } } });
    const f = await fleet(10, { ...FAST, maintenance: { maxWaitMinutes: 0, onMissed: "skip" } }, { backend, extra: [pinned, closedWindow] });
    try {
      await release(f, "2.0.0");
      const { rollout, plan } = await startRollout(f.ctx, "2.0.0", f.ctx.platform.config.rollout, "tester", new Date());
      expect(plan.skipped.map((s) => s.tenant)).toEqual([(pinned.metadata as { name: string }).name]);
      const end = await runRollout(f.ctx, rollout.id);
      show(`good release (${backend})`, f);
      expect(end.state).toBe("Succeeded");
      for (const n of f.names) expect(await versionOf(f.store, n)).toBe("2.0.0");
      expect(await versionOf(f.store, (pinned.metadata as { name: string }).name)).toBeUndefined();
      const targets = await rolloutsRepo(f.store.db).targets(rollout.id);
      const win = targets.find((t) => t.tenant === (closedWindow.metadata as { name: string }).name);
      expect(win).toMatchObject({ state: "skipped", reason: expect.stringContaining("maintenance window") as unknown });
      expect(targets.filter((t) => t.state === "done")).toHaveLength(10);
      // Waves in order: every tenant of a wave was healthy before the next wave started.
      const waveStarts = f.log.lines.filter((l) => / started: /.test(l)).map((l) => l.slice(1, l.indexOf("]")));
      expect(waveStarts).toEqual(plan.waves.filter((w) => w.tenants.length > 0).map((w) => w.name));
      expect(plan.waves.map((w) => w.tenants.length)).toEqual([1, 1, 4, 5]);
    } finally {
      await f.close();
    }
  }, 120_000);

  it("a release bad for every tenant stops at the canary, and only the canary is rolled back", async () => {
    const f = await fleet(10, FAST);
    try {
      obs.exporter.bad = (tag) => tag === "6.6.6";
      await release(f, "6.6.6");
      const before = await Promise.all(f.names.map((n) => f.store.tenants.require(n)));
      const { rollout } = await startRollout(f.ctx, "6.6.6", f.ctx.platform.config.rollout, "tester", new Date());
      const end = await runRollout(f.ctx, rollout.id);
      show("bad for all", f);
      expect(end.state).toBe("RolledBack");
      expect(end.reason).toMatch(/gate error-rate failed for ro.*-0/);
      const targets = await rolloutsRepo(f.store.db).targets(rollout.id);
      expect(targets.filter((t) => t.state === "rolled-back").map((t) => t.tenant)).toEqual([f.names[0]]);
      expect(targets.filter((t) => t.state !== "rolled-back").every((t) => t.state === "pending")).toBe(true);
      // Every tenant's stored spec is what it was; the canary's came back (one more generation each way).
      for (const [i, n] of f.names.entries()) {
        const now = await f.store.tenants.require(n);
        expect(now.spec).toEqual(before[i]?.spec);
        expect(now.generation).toBe((before[i]?.generation ?? 0) + (i === 0 ? 2 : 0));
      }
    } finally {
      obs.exporter.bad = () => false;
      await f.close();
    }
  }, 120_000);

  it("a gate whose query has no series fails (no data is not health)", async () => {
    const f = await fleet(4, { ...FAST, gates: [ERROR_GATE, MISSING_GATE] });
    try {
      await release(f, "2.1.0");
      const { rollout } = await startRollout(f.ctx, "2.1.0", f.ctx.platform.config.rollout, "tester", new Date());
      const end = await runRollout(f.ctx, rollout.id);
      show("no series", f);
      // The canary goes back, but the same gate cannot vouch for its health afterwards either: said, not hidden.
      expect(end.state).toBe("Failed");
      expect(end.reason).toMatch(/gate latency failed .*no data/);
      const targets = await rolloutsRepo(f.store.db).targets(rollout.id);
      expect(targets.filter((t) => t.state === "done")).toHaveLength(0);
      expect(targets.find((t) => t.tenant === f.names[0])).toMatchObject({ state: "rollback-failed", reason: expect.stringContaining("back on the previous version but unhealthy: gate latency") as unknown });
      expect(await versionOf(f.store, f.names[0] ?? "")).toBeUndefined();
    } finally {
      await f.close();
    }
  }, 120_000);

  it("a stored window time zone validation now refuses fails that tenant with the fix, instead of throwing out of the rollout", async () => {
    const f = await fleet(2, FAST);
    try {
      // Stored before validation refused such zones: written past it, straight into the store.
      const canary = await f.store.tenants.require(f.names[0] ?? "");
      const window = { days: ["sun"], start: "02:00", durationMinutes: 60, timezone: "Mars/Olympus" };
      const stale = { ...(canary.spec as { spec: Record<string, unknown> }), spec: { ...(canary.spec as { spec: Record<string, unknown> }).spec, maintenanceWindow: window } };
      await f.store.tenants.updateSpec({ name: canary.name, spec: stale, domains: canary.domains, now: new Date() });
      await release(f, "2.2.0");
      const { rollout } = await startRollout(f.ctx, "2.2.0", f.ctx.platform.config.rollout, "tester", new Date());
      const end = await runRollout(f.ctx, rollout.id);
      show("stale time zone", f);
      expect(end.reason).toMatch(/spec\.maintenanceWindow\.timezone: 'Mars\/Olympus' is not a known time zone/);
      const targets = await rolloutsRepo(f.store.db).targets(rollout.id);
      expect(targets.find((t) => t.tenant === f.names[0])).toMatchObject({ state: "failed", reason: expect.stringContaining("fix: use the canonical IANA name") as unknown });
      expect(targets.filter((t) => t.state === "done")).toHaveLength(0);
    } finally {
      await f.close();
    }
  }, 120_000);

  it("Prometheus stopped during a bake: the gate fails and nothing is promoted", async () => {
    const f = await fleet(6, { ...FAST, bakeSeconds: 6 });
    // A Prometheus of its own, so the others keep theirs.
    const own = await startObservability(deliveredApps);
    try {
      const ctx = rolloutContext({ store: f.store, platform: platformFromText(platformTextWith({ ...FAST, bakeSeconds: 6, prometheusUrl: own.prometheus.url })), delivery: f.h.services.delivery, onEvent: f.log.onEvent, controlPollMs: 200 });
      await waitForSeries(own.prometheus.url, f.names.map((x) => `tenant-${x}`));
      await release(f, "2.2.0");
      const { rollout } = await startRollout(ctx, "2.2.0", ctx.platform.config.rollout, "tester", new Date());
      const running = runRollout(ctx, rollout.id);
      await f.log.until(/\[canary .*\] rolled out/);
      await own.prometheus.stop();
      const end = await running;
      show("Prometheus stopped", f);
      expect(end.state).not.toBe("Succeeded");
      expect(end.reason).toMatch(/query failed: Prometheus at .* could not be reached/);
      const targets = await rolloutsRepo(f.store.db).targets(rollout.id);
      expect(targets.filter((t) => t.wave > 0).every((t) => t.state === "pending")).toBe(true);
      for (const n of f.names.slice(1)) expect(await versionOf(f.store, n)).toBeUndefined();
    } finally {
      await own.exporter.stop();
      await f.close();
    }
  }, 120_000);

  it("abort rolls back what was changed; retry then completes", async () => {
    const f = await fleet(6, FAST);
    try {
      await release(f, "2.3.0");
      const { rollout } = await startRollout(f.ctx, "2.3.0", f.ctx.platform.config.rollout, "tester", new Date());
      const running = runRollout(f.ctx, rollout.id);
      await f.log.until(/\[w50 .*\] rolled out/);
      const cmd = await controlRollout(f.ctx, rollout.id, "abort", "tester", new Date());
      expect(cmd).toMatchObject({ needsRun: false, rollout: { requested: "abort" } });
      const aborted = await running;
      show("abort", f);
      expect(aborted.state).toBe("Aborted");
      for (const n of f.names) expect(await versionOf(f.store, n)).toBeUndefined();
      const targets = await rolloutsRepo(f.store.db).targets(rollout.id);
      expect(targets.filter((t) => t.state === "rolled-back").length).toBeGreaterThanOrEqual(2);
      const retried = await controlRollout(f.ctx, rollout.id, "retry", "tester", new Date());
      expect(retried).toMatchObject({ needsRun: true, rollout: { state: "Running" } });
      const end = await runRollout(f.ctx, rollout.id);
      show("retry after abort", f);
      expect(end.state).toBe("Succeeded");
      for (const n of f.names) expect(await versionOf(f.store, n)).toBe("2.3.0");
    } finally {
      await f.close();
    }
  }, 120_000);

  it("one active rollout per app; a runner interrupted mid-wave is resumed without changing any tenant twice", async () => {
    const f = await fleet(8, FAST, { backend: "postgres" });
    try {
      await release(f, "2.4.0");
      await release(f, "2.5.0");
      const before = new Map(await Promise.all(f.names.map(async (n) => [n, (await f.store.tenants.require(n)).generation] as const)));
      const { rollout } = await startRollout(f.ctx, "2.4.0", f.ctx.platform.config.rollout, "tester", new Date());
      await expect(startRollout(f.ctx, "2.5.0", f.ctx.platform.config.rollout, "tester", new Date())).rejects.toThrow(/one rollout per app/);
      const stop = new AbortController();
      const running = runRollout(f.ctx, rollout.id, stop.signal);
      await f.log.until(/\[w50 .*\] applied/);
      stop.abort();
      const interrupted = await running;
      expect(interrupted.state).toBe("Running");
      const cmd = await controlRollout(f.ctx, rollout.id, "resume", "tester", new Date());
      expect(cmd.needsRun).toBe(true);
      const end = await runRollout(f.ctx, rollout.id);
      show("interrupted and resumed", f);
      expect(end.state).toBe("Succeeded");
      for (const n of f.names) {
        expect(await versionOf(f.store, n)).toBe("2.4.0");
        // One spec change per tenant, however often it was re-applied.
        expect((await f.store.tenants.require(n)).generation).toBe((before.get(n) ?? 0) + 1);
      }
      expect(f.log.lines.some((l) => /re-applied after a restart/.test(l))).toBe(true);
    } finally {
      await f.close();
    }
  }, 120_000);
});
