/**
 * Several `landlord serve` replicas on one store: one leader runs the workers, every
 * replica serves the API. A leader shut down gracefully lets each running step finish and
 * hands over; a leader killed outright is replaced once its lease runs out. No step that
 * had finished runs again.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { afterAll, beforeEach, describe, expect, test } from "vitest";
import type { StepRecord } from "../../src/store/index.js";
import { BACKENDS, useBackend } from "../store/support/backends.js";
import { call, events, operatorToken, project, replica, until, type Replica } from "./support/serve.js";

const form = (name: string) => ({ name, tier: "small", domains: [`${name}.apps.example.com`], contact: `ops@${name}.example.com` });
const ROOT = resolve(import.meta.dirname, "../..");

for (const backend of BACKENDS) {
  describe(`serve replicas on ${backend.name}`, () => {
    const b = useBackend(backend);
    const running: Replica[] = [];
    const children: ChildProcess[] = [];
    afterAll(async () => {
      for (const c of children) c.kill("SIGKILL");
      await Promise.all(running.map((x) => x.stop()));
    });
    // Each test starts a fleet of its own on the same database: a replica left leading by
    // a failed test must not make the next one fail too.
    beforeEach(async () => {
      await Promise.all(running.splice(0).map((x) => x.stop()));
    });

    test("one leader; a graceful stop finishes the running steps, the other replica takes over, no step runs twice", async () => {
      const p = await project(b.url);
      const first = await replica(p);
      running.push(first);
      await until("a leader", () => (first.server.workers.isLeader ? true : undefined));
      const second = await replica(p);
      running.push(second);
      await new Promise((r) => setTimeout(r, 700));
      expect([first.server.workers.isLeader, second.server.workers.isLeader]).toEqual([true, false]);
      expect((await call(second.url, "GET", "/readyz")).body).toMatchObject({ status: "ready", leader: false });

      // Submitted through the replica that is not the leader: the leader picks them up.
      let stepsStarted = 0;
      const firstStep = new Promise<void>((done) =>
        first.rt.engine.subscribe((e) => {
          if (e.type === "step-started" && ++stepsStarted === 3) done();
        }),
      );
      const names = ["t1", "t2", "t3", "t4", "t5", "t6"];
      for (const n of names) expect((await call(second.url, "POST", "/api/v1/tenants", { token: operatorToken, body: form(n) })).status).toBe(202);
      await firstStep;
      const stoppedAt = Date.now();
      await first.stop();
      // Stopped at step boundaries: nothing is left Running.
      const store = second.rt.store;
      const all = await store.workflows.list();
      for (const wf of all) expect((await store.workflows.steps(wf.id)).filter((s) => s.status === "Running"), wf.tenantName).toEqual([]);
      expect(all.some((w) => w.status !== "Succeeded"), "the stop left work for the other replica").toBe(true);

      await until("the other replica leads", () => (second.server.workers.isLeader ? true : undefined), 5_000);
      const tookOverMs = Date.now() - stoppedAt;
      for (const n of names) {
        await until(`${n} Ready`, async () => (((await call(second.url, "GET", `/api/v1/tenants/${n}`, { token: operatorToken })).body as { phase?: string }).phase === "Ready" ? true : undefined));
      }
      const steps: StepRecord[] = [];
      for (const wf of await store.workflows.list()) steps.push(...(await store.workflows.steps(wf.id)));
      expect(steps.filter((s) => s.attempts !== 1)).toEqual([]);
      console.log(`graceful handover (${backend.name}): the second replica led ${String(tookOverMs)} ms after the leader was asked to stop`);
      // The next test starts a fleet of its own on the same database: no leader may linger.
      await second.stop();
    });

    test("live progress on one replica of a workflow another replica runs", async () => {
      const p = await project(b.url);
      const api = await replica(p, { runWorkers: false });
      running.push(api);
      const res = await call(api.url, "POST", "/api/v1/tenants", { token: operatorToken, body: form("watched") });
      expect(res.status).toBe(202);
      const id = (res.body as { id: string }).id;
      // Nobody runs workflows yet: the stream shows it Pending and stays open.
      const stream = events(api.url, `/api/v1/workflows/${id}/events`, operatorToken);
      await new Promise((r) => setTimeout(r, 500));
      const worker = await replica(p);
      running.push(worker);
      const seen = await stream;
      expect(seen[0]).toMatchObject({ event: "snapshot", data: { status: "Pending" } });
      expect(seen.at(-1)).toMatchObject({ event: "end", data: { status: "Succeeded" } });
      const statuses = seen.map((e) => (e.data as { status: string }).status);
      expect(statuses.indexOf("Pending")).toBeLessThan(statuses.lastIndexOf("Succeeded"));
      await worker.stop();
      await api.stop();
    });

    test("a leader killed with SIGKILL is replaced within the lease time", async () => {
      const p = await project(b.url);
      const tokenFile = join(p.dir, "operator-token");
      await writeFile(tokenFile, `${operatorToken}\n`, { mode: 0o600 });
      const child = spawn(process.execPath, ["--import", pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href, join(ROOT, "src/cli/main.ts"), "serve", "--port", "0", "--lease-ttl", "2s", "--operator-token-file", tokenFile], {
        cwd: p.dir,
        env: { ...process.env, ...p.env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.push(child);
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const url = await new Promise<string>((done, fail) => {
        const lines = createInterface({ input: child.stdout });
        lines.on("line", (l) => {
          const m = /^landlord serve: (http:\/\/\S+)/.exec(l);
          if (m?.[1] !== undefined) done(m[1]);
        });
        child.on("exit", (code) => {
          fail(new Error(`serve exited with ${String(code)}: ${stderr}`));
        });
      });
      await until("the child leads", () => (/now runs the workers/.test(stderr) ? true : undefined), 20_000);
      expect((await call(url, "GET", "/readyz")).body).toMatchObject({ leader: true });
      const other = await replica(p, { workers: { leaseTtlMs: 2000, pollMs: 100, concurrency: 4, reconcileIntervalMs: 0, graceMs: 5000 } });
      running.push(other);
      expect(other.server.workers.isLeader).toBe(false);

      child.kill("SIGKILL");
      const killedAt = Date.now();
      await until("the survivor leads", () => (other.server.workers.isLeader ? true : undefined), 10_000);
      const tookOverMs = Date.now() - killedAt;
      expect(tookOverMs).toBeLessThan(2000 + 1000);
      const res = await call(other.url, "POST", "/api/v1/tenants", { token: operatorToken, body: form("after") });
      expect(res.status).toBe(202);
      await until("after Ready", async () => (((await call(other.url, "GET", "/api/v1/tenants/after", { token: operatorToken })).body as { phase?: string }).phase === "Ready" ? true : undefined));
      console.log(`takeover after SIGKILL (${backend.name}): ${String(tookOverMs)} ms with a 2 s lease`);
      await other.stop();
    });

    test("SIGTERM: the process stops cleanly and hands the lease back at once", async () => {
      const p = await project(b.url);
      const tokenFile = join(p.dir, "operator-token");
      await writeFile(tokenFile, `${operatorToken}\n`, { mode: 0o600 });
      const child = spawn(process.execPath, ["--import", pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href, join(ROOT, "src/cli/main.ts"), "serve", "--port", "0", "--lease-ttl", "30s", "--operator-token-file", tokenFile], {
        cwd: p.dir,
        env: { ...process.env, ...p.env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.push(child);
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((done) => child.on("exit", (code) => { done(code); }));
      await until("the child leads", () => (/now runs the workers/.test(stderr) ? true : undefined), 20_000);
      const other = await replica(p, { workers: { leaseTtlMs: 30_000, pollMs: 100, concurrency: 4, reconcileIntervalMs: 0, graceMs: 5000 } });
      running.push(other);
      await new Promise((r) => setTimeout(r, 1200));
      expect(other.server.workers.isLeader).toBe(false);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/SIGTERM: shutting down/);
      expect(stderr).toMatch(/stopped\n/);
      // Released, not expired: the survivor leads within a second or so, not after 30 s.
      const stoppedAt = Date.now();
      await until("the survivor leads", () => (other.server.workers.isLeader ? true : undefined), 3_000);
      console.log(`handover after SIGTERM (${backend.name}): ${String(Date.now() - stoppedAt)} ms with a 30 s lease`);
      await other.stop();
    });
  });
}
