/**
 * Does the API stay fast with a fleet of 1,000 tenants? A store is grown to FLEET tenants
 * (first argument, default 1,000) by onboarding each through the durable workflow
 * in-process, as bench/onboard does (tenants, workflows, steps, audit, tokens: what the
 * API reads). Then `landlord serve` runs as its own process (node dist/src/cli/main.js
 * serve on 127.0.0.1, a free port, an operator token file, workers off so the load is the
 * API's alone), and this process sends RATE requests a second for SECONDS seconds
 * (second argument, default 30) of a mixed read load: tenant list pages (first, deep,
 * filtered), single tenants, workflows, audit and /healthz, by operator and tenant tokens.
 * On SQLite and on a fresh PostgreSQL database (127.0.0.1:5432; PG_ADMIN_URL overrides),
 * made and dropped here.
 *
 * Two load shapes. The judged one is open-loop with Poisson arrivals (many independent
 * clients), latency counted from when each request was due. The other is autocannon's
 * `overallRate`, which sends each second's requests back to back at the start of the
 * second (read in autocannon's lib/httpClient.js): a burst of RATE requests, printed as
 * the harsher figure. Baseline in the same run, for each shape: the same load against
 * /healthz only, the server's floor, printed beside as a ratio. Floor: p99 of the steady
 * mixed load under 50 ms.
 *
 * The server limits each credential to 1,200 requests a minute, as in production; the
 * load is spread over OPERATORS operator tokens and TENANT_USERS tenants' tokens, as many
 * clients would send it, so that no request is refused for its rate.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import pg from "pg";
import type { CliIo } from "../src/cli/io.js";
import { openRuntime, type Runtime } from "../src/app/runtime.js";
import { PLATFORM_TEMPLATE } from "../src/init/templates.js";
import { runTenantWorkflow } from "../src/workflows/tenant/run-tenant-workflow.js";
import { submitOnboard } from "../src/workflows/tenant/submit.js";
import { smallTenant, pgAdmin, PG_ADMIN_URL } from "./support.js";

const MAIN = resolve(import.meta.dirname, "../src/cli/main.js");
const FLEET = Number(process.argv[2] ?? 1_000);
const SECONDS = Number(process.argv[3] ?? 30);
const RATE = Number(process.env.LANDLORD_BENCH_RATE ?? 200);
const CONNECTIONS = 20;
const OPERATORS = 10;
const TENANT_USERS = 20;
const FLOOR_P99_MS = 50;
const GROW_CONCURRENCY = 8;
// Room for the fleet on the shared pools (the template's cluster holds about sixty).
const PLATFORM = PLATFORM_TEMPLATE.replace("cpuOvercommit: 4 ", "cpuOvercommit: 20").replace(/(name: shared, role: shared, vmSize: \S+, count: )6,/, (_, head: string) => `${head}1000,`);
if (!PLATFORM.includes("cpuOvercommit: 20") || !PLATFORM.includes("count: 1000,")) throw new Error("the platform template changed: make room for the fleet here again");

// LANDLORD_BENCH_CPU_PROF=DIR writes a CPU profile of each server (for `node --cpu-prof` readers); LANDLORD_BENCH_BACKENDS=sqlite|postgres runs one; LANDLORD_BENCH_RATE changes the request rate (the floor is judged at 200).
const PROFILE = process.env.LANDLORD_BENCH_CPU_PROF === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${process.env.LANDLORD_BENCH_CPU_PROF}`];
const ONLY = process.env.LANDLORD_BENCH_BACKENDS?.split(",");

const name = (i: number) => `t${String(i).padStart(4, "0")}`;



interface Backend {
  readonly name: string;
  /** Environment of a fresh store; on PostgreSQL a new database (dropped by dispose). */
  env(): Promise<Record<string, string>>;
  /** After the growth: bring the store to rest (PostgreSQL: VACUUM ANALYZE). */
  settle?(): Promise<void>;
  dispose(): Promise<void>;
}

const sqlite: Backend = { name: "sqlite", env: () => Promise.resolve({}), dispose: () => Promise.resolve() };

function postgres(): Backend {
  let database: string | undefined;
  return {
    name: "postgres",
    async env() {
      database = `landlord_bench_api_${randomBytes(6).toString("hex")}`;
      await pgAdmin(`create database ${database}`);
      const url = new URL(PG_ADMIN_URL);
      url.pathname = `/${database}`;
      return { DATABASE_URL: url.toString() };
    },
    async settle() {
      const url = new URL(PG_ADMIN_URL);
      url.pathname = `/${database ?? ""}`;
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        await client.query("vacuum analyze");
      } finally {
        await client.end();
      }
    },
    async dispose() {
      if (database !== undefined) await pgAdmin(`drop database if exists ${database} with (force)`);
    },
  };
}

const io = (cwd: string, env: NodeJS.ProcessEnv): CliIo => ({ stdout: () => undefined, stderr: () => undefined, cwd, env });

/** Onboards tenants 0..FLEET-1 through the workflow, a few at a time. */
async function grow(rt: Runtime): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < FLEET; i = next++) {
      const wf = await submitOnboard(rt.services, rt.engine, smallTenant(name(i)), "bench", new Date());
      const r = await runTenantWorkflow(rt.services, rt.engine, wf.id);
      if (r.outcome !== "finished" || r.workflow.status !== "Succeeded") throw new Error(`onboarding ${name(i)} did not succeed`);
    }
  };
  await Promise.all(Array.from({ length: GROW_CONCURRENCY }, worker));
}

interface Server {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

async function serve(dir: string, config: string, tokenFile: string, env: NodeJS.ProcessEnv): Promise<Server> {
  const child = spawn(process.execPath, [...PROFILE, MAIN, "--config", config, "serve", "--host", "127.0.0.1", "--port", "0", "--operator-token-file", tokenFile, "--no-workers", "--reconcile-interval", "0"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => {
      fail(new Error(`landlord serve did not start in 60 s: ${err}`));
    }, 60_000);
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /landlord serve: (http:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        done(m[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`landlord serve exited ${String(code)}: ${err}`));
    });
  });
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) {
          done();
          return;
        }
        child.once("exit", () => {
          done();
        });
        child.kill("SIGTERM");
      }),
  };
}

interface Load {
  readonly p50: number;
  readonly p97_5: number;
  readonly p99: number;
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly rps: number;
}

/**
 * autocannon's rate: each connection sends its per-second budget back to back at the start
 * of each second, then waits; so RATE over CONNECTIONS arrives as one burst of RATE
 * requests a second. Kept as the harsher figure; the floor is judged on `steady`.
 */
async function burst(url: string, requests: autocannon.Request[], seconds: number): Promise<Load> {
  const r = await autocannon({ url, connections: CONNECTIONS, overallRate: RATE, duration: seconds, requests });
  return { p50: r.latency.p50, p97_5: r.latency.p97_5, p99: r.latency.p99, requests: r.requests.total, errors: r.errors + r.timeouts, non2xx: r.non2xx, rps: r.requests.average };
}

/** A seeded generator (mulberry32): the same arrival times in every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Open-loop load at RATE requests a second with Poisson arrivals (exponential gaps, as
 * independent clients send them), cycling through `requests`. Each latency runs from the
 * moment the request was due, not when it was sent, so a stalled server is charged for the
 * requests it made wait (no coordinated omission).
 */
async function steady(base: string, requests: autocannon.Request[], seconds: number): Promise<Load> {
  const random = seeded(16);
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  let due = start;
  for (let i = 0; due - start < seconds * 1000; i++) {
    const req = requests[i % requests.length] ?? { path: "/healthz" };
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const at = due;
    inflight.push(
      fetch(`${base}${req.path ?? "/"}`, { method: req.method ?? "GET", headers: (req.headers ?? {}) as Record<string, string> })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status < 200 || res.status > 299) non2xx++;
          latencies.push(performance.now() - at);
        })
        .catch(() => {
          errors++;
        }),
    );
    due += (-Math.log(1 - random()) / RATE) * 1000;
  }
  await Promise.all(inflight);
  const took = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN);
  return { p50: q(0.5), p97_5: q(0.975), p99: q(0.99), requests: latencies.length + errors, errors, non2xx, rps: (latencies.length + errors) / took };
}

/** Mean time spent inside the server per route pattern (from its own /metrics histogram): handler cost without the queueing in front of it. */
async function serverMeans(base: string): Promise<Map<string, { count: number; meanMs: number }>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const sums = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/^landlord_http_request_duration_seconds_(sum|count)\{([^}]*)\} (\S+)$/gm)) {
    const labels = m[2] ?? "";
    const key = `${/method="([^"]+)"/.exec(labels)?.[1] ?? ""} ${/route="([^"]+)"/.exec(labels)?.[1] ?? ""}`;
    const into = m[1] === "sum" ? sums : counts;
    into.set(key, (into.get(key) ?? 0) + Number(m[3]));
  }
  return new Map([...counts].map(([k, c]) => [k, { count: c, meanMs: ((sums.get(k) ?? 0) / Math.max(c, 1)) * 1000 }]));
}

async function measure(b: Backend): Promise<{ mixed: Load; floor: Load; bursts: Load; burstFloor: Load; growSeconds: number; checked: string; perRoute: Map<string, { count: number; meanMs: number }> }> {
  const dir = await mkdtemp(join(tmpdir(), `landlord-bench-api-${b.name}-`));
  const config = join(dir, "landlord.yaml");
  await writeFile(config, PLATFORM);
  const env: NodeJS.ProcessEnv = { ...process.env, ...(await b.env()), LANDLORD_ACTOR: "bench" };
  delete env.LANDLORD_CRDS_DIR;
  if (b.name === "sqlite") delete env.DATABASE_URL;
  let server: Server | undefined;
  try {
    const t0 = performance.now();
    const rt = await openRuntime(io(dir, env), { config });
    try {
      await grow(rt);
    } finally {
      await rt.close();
    }
    const growSeconds = (performance.now() - t0) / 1000;
    // The store at rest, as autovacuum leaves it within a minute of such growth: without
    // this the measured half minute is autovacuum's, on tables of fresh dead rows and no
    // statistics, which a running fleet does not have.
    await b.settle?.();

    const operators = Array.from({ length: OPERATORS }, () => `llop_${randomBytes(24).toString("base64url")}`);
    const tokenFile = join(dir, "operator-tokens");
    await writeFile(tokenFile, `${operators.join("\n")}\n`, { mode: 0o600 });
    const users = await Promise.all(
      Array.from({ length: TENANT_USERS }, async (_, k) => {
        const tenant = name(Math.floor((k * FLEET) / TENANT_USERS));
        return { tenant, token: (await readFile(join(dir, ".landlord", "credentials", tenant, "api-token"), "utf8")).trim() };
      }),
    );
    server = await serve(dir, config, tokenFile, env);
    const base = server.url;

    // A cursor deep in the list, as a client paging through the fleet holds one.
    const get = async (path: string, token: string) => {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`GET ${path}: ${String(res.status)} ${await res.text()}`);
      return (await res.json()) as { items: { name?: string }[]; metadata: { continue?: string } };
    };
    const op0 = operators[0] ?? "";
    let cursor: string | undefined;
    let seen = 0;
    let pages = 0;
    for (let page = 0; page < 5; page++) {
      pages++;
      const p = await get(`/api/v1/tenants?limit=100${cursor === undefined ? "" : `&continue=${encodeURIComponent(cursor)}`}`, op0);
      seen += p.items.length;
      cursor = p.metadata.continue;
      if (cursor === undefined) break;
    }
    const all = await get("/api/v1/tenants?limit=500", op0);
    const checked = `paging: ${String(seen)} tenants over ${String(pages)} pages of 100, a page of 500 holds ${String(all.items.length)}`;
    if (seen !== Math.min(500, FLEET)) throw new Error(`paging saw ${String(seen)} tenants`);

    const auth = (token: string) => ({ authorization: `Bearer ${token}` });
    const mixed: autocannon.Request[] = [];
    for (let k = 0; k < TENANT_USERS; k++) {
      const op = operators[k % OPERATORS] ?? "";
      const user = users[k] ?? { tenant: name(0), token: "" };
      const other = name((k * 37) % FLEET);
      mixed.push(
        { method: "GET", path: "/api/v1/tenants?limit=100", headers: auth(op) },
        { method: "GET", path: `/api/v1/tenants?limit=100${cursor === undefined ? "" : `&continue=${encodeURIComponent(cursor)}`}`, headers: auth(op) },
        { method: "GET", path: `/api/v1/tenants?limit=100&phase=Ready&q=${other}`, headers: auth(op) },
        { method: "GET", path: `/api/v1/tenants/${other}`, headers: auth(op) },
        { method: "GET", path: "/api/v1/workflows?limit=100", headers: auth(op) },
        { method: "GET", path: `/api/v1/workflows?tenant=${other}`, headers: auth(op) },
        { method: "GET", path: "/api/v1/audit?limit=100", headers: auth(op) },
        { method: "GET", path: "/healthz" },
        { method: "GET", path: "/api/v1/tenants", headers: auth(user.token) },
        { method: "GET", path: `/api/v1/tenants/${user.tenant}`, headers: auth(user.token) },
        { method: "GET", path: "/api/v1/workflows", headers: auth(user.token) },
        { method: "GET", path: "/api/v1/audit", headers: auth(user.token) },
      );
    }
    const floor = await steady(base, [{ method: "GET", path: "/healthz" }], SECONDS);
    // Warm-up (JIT, the store's caches and connections), not counted.
    await steady(base, mixed, 3);
    const before = await serverMeans(base);
    const measured = await steady(base, mixed, SECONDS);
    const after = await serverMeans(base);
    const bursts = await burst(base, mixed, Math.min(SECONDS, 15));
    const burstFloor = await burst(base, [{ method: "GET", path: "/healthz" }], Math.min(SECONDS, 15));
    // Only what the measured run added.
    const perRoute = new Map(
      [...after].map(([k, a]) => {
        const p = before.get(k) ?? { count: 0, meanMs: 0 };
        const count = a.count - p.count;
        return [k, { count, meanMs: count > 0 ? (a.meanMs * a.count - p.meanMs * p.count) / count : 0 }] as const;
      }),
    );
    return { mixed: measured, floor, bursts, burstFloor, growSeconds, checked, perRoute };
  } finally {
    await server?.stop();
    await b.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

const row = (label: string, l: Load, floor?: Load) => {
  const ratio = (a: number, f: number) => (floor === undefined ? "" : ` (${(a / Math.max(f, 1)).toFixed(1)}x)`);
  return `${label.padEnd(30)} ${`${String(l.p50)} ms${ratio(l.p50, floor?.p50 ?? 0)}`.padStart(15)} ${`${String(l.p97_5)} ms${ratio(l.p97_5, floor?.p97_5 ?? 0)}`.padStart(15)} ${`${String(l.p99)} ms${ratio(l.p99, floor?.p99 ?? 0)}`.padStart(15)} ${String(l.requests).padStart(8)} ${l.rps.toFixed(0).padStart(6)} ${String(l.errors).padStart(7)} ${String(l.non2xx).padStart(7)}`;
};

console.log(`node ${process.version}, ${String(cpus().length)} CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log(`fleet ${String(FLEET)} tenants; ${String(RATE)} requests/s for ${String(SECONDS)} s, Poisson arrivals from this process (fetch), landlord serve in its own; then the same rate as autocannon sends it, a burst a second over ${String(CONNECTIONS)} connections`);
let ok = true;
for (const b of [sqlite, postgres()].filter((x) => ONLY === undefined || ONLY.includes(x.name))) {
  const r = await measure(b);
  console.log(`\n${b.name}: fleet grown in ${r.growSeconds.toFixed(0)} s; ${r.checked}; load average now ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  console.log(`${"".padEnd(30)} ${"p50".padStart(15)} ${"p97.5".padStart(15)} ${"p99".padStart(15)} ${"requests".padStart(8)} ${"req/s".padStart(6)} ${"errors".padStart(7)} ${"non-2xx".padStart(7)}`);
  console.log(row("/healthz only (floor)", r.floor));
  console.log(row("mixed reads", r.mixed, r.floor));
  console.log(row("burst: /healthz (autocannon)", r.burstFloor));
  console.log(row("burst: mixed (autocannon)", r.bursts, r.burstFloor));
  console.log(`time inside the server per route during the mixed load (mean, from its /metrics): ${[...r.perRoute].filter(([, v]) => v.count > 0).map(([k, v]) => `${k} ${v.meanMs.toFixed(1)} ms`).join("; ")}`);
  const met = r.mixed.p99 < FLOOR_P99_MS && r.mixed.errors === 0 && r.mixed.non2xx === 0;
  ok &&= met;
  console.log(`floor: mixed p99 under ${String(FLOOR_P99_MS)} ms, no errors or non-2xx`.padEnd(60), met ? `met (${String(r.mixed.p99)} ms)` : `MISSED (p99 ${String(r.mixed.p99)} ms, ${String(r.mixed.errors)} errors, ${String(r.mixed.non2xx)} non-2xx)`);
}
process.exitCode = ok ? 0 : 1;
