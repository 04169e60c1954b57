/**
 * Does onboarding stay flat as the fleet grows? One small tenant onboarded through the
 * durable workflow (directory delivery, no cluster) when the store already holds 10,
 * 1,000 and 5,000 tenants (arguments override), on SQLite and on PostgreSQL
 * (127.0.0.1:5432; PG_ADMIN_URL overrides), one store per size: a SQLite file, or a
 * fresh database made for this run and dropped at the end. Measured two ways:
 *
 *   CLI        `landlord onboard NAME --tier small --domain ... --contact ...` as a fresh
 *              process, as a user runs it (start-up, store open, workflow, summary)
 *   in-process submit + run of the workflow with the runtime the CLI builds
 *
 * Each fleet is grown by onboarding tenants through the same workflow in-process (what a
 * real store holds: tenants, workflows, steps, audit). Then PROBES onboardings per size
 * and way are taken round-robin over the sizes (load on the shared machine falls on all
 * alike) and their median is reported. Floor: per-tenant time at the largest size within 1.2 times that at
 * the smallest, both ways, on both backends.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import type { CliIo } from "../src/cli/io.js";
import { openRuntime, type Runtime } from "../src/app/runtime.js";
import { PLATFORM_TEMPLATE } from "../src/init/templates.js";
import { runTenantWorkflow } from "../src/workflows/tenant/run-tenant-workflow.js";
import { submitOnboard } from "../src/workflows/tenant/submit.js";
import { smallTenant, pgAdmin, PG_ADMIN_URL } from "./support.js";

const MAIN = resolve(import.meta.dirname, "../src/cli/main.js");
const sizes = (process.argv.length > 2 ? process.argv.slice(2).map(Number) : [10, 1_000, 5_000]).sort((a, b) => a - b);
const PROBES = Number(process.env.BENCH_PROBES ?? 9);
const FLOOR = 1.2;
const GROW_CONCURRENCY = 8;
// Room for the largest fleet on the shared pools (the template's cluster holds about sixty).
const PLATFORM = PLATFORM_TEMPLATE.replace("cpuOvercommit: 4 ", "cpuOvercommit: 20").replace(/(name: shared, role: shared, vmSize: \S+, count: )6,/, (_, head: string) => `${head}1000,`);
if (!PLATFORM.includes("cpuOvercommit: 20") || !PLATFORM.includes("count: 1000,")) throw new Error("the platform template changed: make room for the fleet here again");



interface Backend {
  readonly name: string;
  /** The environment of a fresh, empty store: DATABASE_URL of a new database on PostgreSQL. */
  database(): Promise<Record<string, string>>;
  /** Drops what database() made. */
  dispose(): Promise<void>;
}

const sqliteBackend: Backend = { name: "sqlite", database: () => Promise.resolve({}), dispose: () => Promise.resolve() };

function postgresBackend(): Backend {
  const made: string[] = [];
  return {
    name: "postgres",
    async database() {
      const database = `landlord_bench_${randomBytes(6).toString("hex")}`;
      await pgAdmin(`create database ${database}`);
      made.push(database);
      const url = new URL(PG_ADMIN_URL);
      url.pathname = `/${database}`;
      return { DATABASE_URL: url.toString() };
    },
    async dispose() {
      for (const d of made.splice(0)) await pgAdmin(`drop database if exists ${d} with (force)`);
    },
  };
}

interface Point {
  readonly size: number;
  readonly cliMs: number;
  readonly inProcessMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** One store (its own folder, and its own database on PostgreSQL) grown to `size` tenants. */
interface Fleet {
  readonly size: number;
  readonly dir: string;
  readonly config: string;
  readonly env: NodeJS.ProcessEnv;
  rt: Runtime;
  placed: number;
}

async function openFleet(b: Backend, size: number): Promise<Fleet> {
  const dir = await mkdtemp(join(tmpdir(), `landlord-bench-onboard-${b.name}-${size}-`));
  const config = join(dir, "landlord.yaml");
  await writeFile(config, PLATFORM);
  const env: NodeJS.ProcessEnv = { ...process.env, ...(await b.database()) };
  delete env.LANDLORD_CRDS_DIR;
  if (b.name === "sqlite") delete env.DATABASE_URL;
  return { size, dir, config, env, rt: await openRuntime(runtimeIo(dir, env), { config }), placed: 0 };
}

function runtimeIo(cwd: string, env: NodeJS.ProcessEnv): CliIo {
  return { stdout: () => undefined, stderr: () => undefined, cwd, env };
}

async function inProcess(f: Fleet, name: string): Promise<number> {
  const start = performance.now();
  const wf = await submitOnboard(f.rt.services, f.rt.engine, smallTenant(name), "bench", new Date());
  const r = await runTenantWorkflow(f.rt.services, f.rt.engine, wf.id);
  if (r.outcome !== "finished" || r.workflow.status !== "Succeeded") throw new Error(`onboarding ${name} did not succeed`);
  f.placed++;
  return performance.now() - start;
}

async function cli(f: Fleet, name: string): Promise<number> {
  // The CLI opens the store itself; this process lets go of it meanwhile.
  await f.rt.close();
  const start = performance.now();
  const r = spawnSync(process.execPath, [MAIN, "--config", f.config, "onboard", name, "--tier", "small", "--domain", `${name}.apps.example.com`, "--contact", `ops@${name}.example.com`], { cwd: f.dir, env: f.env, stdio: ["ignore", "pipe", "pipe"] });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`landlord onboard ${name} exited ${String(r.status)}: ${r.stderr.toString()}`);
  f.placed++;
  f.rt = await openRuntime(runtimeIo(f.dir, f.env), { config: f.config });
  return ms;
}

/**
 * Grows one store per size, then takes the probes round-robin over the stores, so that
 * load on the machine (it is shared) falls on every size alike.
 */
async function measureBackend(b: Backend): Promise<Point[]> {
  const fleets: Fleet[] = [];
  try {
    for (const size of sizes) {
      const f = await openFleet(b, size);
      fleets.push(f);
      const fillStart = performance.now();
      // Grown several at a time (submissions are safe to race); only the probes are timed.
      let next = 0;
      await Promise.all(
        Array.from({ length: GROW_CONCURRENCY }, async () => {
          while (next < size) await inProcess(f, `fleet-${(next++).toString(36).padStart(4, "0")}`);
        }),
      );
      process.stderr.write(`  ${b.name}: grew a fleet of ${size} in ${((performance.now() - fillStart) / 1000).toFixed(0)} s, load average ${loadavg()[0]?.toFixed(2) ?? "?"}\n`);
    }
    for (const f of fleets) await inProcess(f, "warm-up");
    const probesIn = fleets.map(() => [] as number[]);
    const probesCli = fleets.map(() => [] as number[]);
    for (let k = 0; k < PROBES; k++) {
      for (const [i, f] of fleets.entries()) {
        // The CLI probe reopened the runtime: one untimed onboarding first, so the timed one
        // runs warm (a cold first onboarding would add the same constant at every size and
        // flatter the ratio).
        await inProcess(f, `probe-warm-${k}`);
        probesIn[i]?.push(await inProcess(f, `probe-in-${k}`));
        probesCli[i]?.push(await cli(f, `probe-cli-${k}`));
      }
    }
    return fleets.map((f, i) => ({ size: f.size, cliMs: median(probesCli[i] ?? []), inProcessMs: median(probesIn[i] ?? []) }));
  } finally {
    for (const f of fleets) {
      await f.rt.close();
      await rm(f.dir, { recursive: true, force: true });
    }
    await b.dispose();
  }
}

console.log(`node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}; median of ${PROBES} onboardings each`);
let pass = true;
for (const b of [sqliteBackend, postgresBackend()]) {
  const points = await measureBackend(b);
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last) continue;
  console.log(`\n${b.name}${b.name === "postgres" ? " (a fresh database per fleet, dropped afterwards)" : ""}`);
  console.log(`${"tenants in the store".padEnd(24)} ${"CLI process".padStart(14)} ${"in-process".padStart(14)}`);
  for (const p of points) console.log(`${String(p.size).padEnd(24)} ${p.cliMs.toFixed(0).padStart(11)} ms ${p.inProcessMs.toFixed(1).padStart(11)} ms`);
  const rCli = last.cliMs / first.cliMs;
  const rIn = last.inProcessMs / first.inProcessMs;
  const ok = rCli <= FLOOR && rIn <= FLOOR;
  pass &&= ok;
  console.log(`${`ratio ${last.size} / ${first.size}`.padEnd(24)} ${rCli.toFixed(2).padStart(14)} ${rIn.toFixed(2).padStart(14)}`);
  console.log(`floor: within ${FLOOR}x`.padEnd(24), ok ? "met" : "MISSED");
}
process.exitCode = pass ? 0 : 1;
