/**
 * Start-up time of the CLI as a user runs it, each a fresh process: `landlord --help`,
 * `landlord get tenants` (SQLite store beside landlord.yaml, opened once before timing so
 * creating it is not counted) and `landlord validate -f` of one tenant file, against a
 * bare `node -e 0` measured in the same run, interleaved so load on the machine falls on
 * all alike. Prints median and 90th percentile wall time of N runs (first argument,
 * default 20) and each command's median minus node's.
 *
 * Floor: `landlord --help` within 150 ms of `node -e 0`.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";

const MAIN = resolve(import.meta.dirname, "../src/cli/main.js");
const runs = Number(process.argv[2] ?? 20);
const FLOOR_MS = 150;

const dir = await mkdtemp(join(tmpdir(), "landlord-bench-startup-"));
const env = { ...process.env };
delete env.DATABASE_URL;
delete env.LANDLORD_CRDS_DIR;

function run(args: string[]): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${String(r.status)}: ${r.stderr.toString()}`);
  return ms;
}

const cases: { label: string; args: string[] }[] = [
  { label: "node -e 0", args: ["-e", "0"] },
  { label: "landlord --help", args: [MAIN, "--help"] },
  { label: "landlord get tenants", args: [MAIN, "get", "tenants"] },
  { label: "landlord validate -f tenants/acme.yaml", args: [MAIN, "validate", "-f", "tenants/acme.yaml"] },
];

try {
  run([MAIN, "init"]);
  // Warm the page cache and create the store, so every timed run finds them.
  for (const c of cases) run(c.args);
  const times = cases.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) cases.forEach((c, k) => times[k]?.push(run(c.args)));

  const pick = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;
  const base = pick(times[0] ?? [], 0.5);
  console.log(`node ${process.version}, ${cpus().length} CPUs, ${runs} runs each, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`${"".padEnd(42)} ${"median".padStart(8)} ${"p90".padStart(8)} ${"- node".padStart(8)}`);
  cases.forEach((c, k) => {
    const xs = times[k] ?? [];
    const med = pick(xs, 0.5);
    console.log(`${c.label.padEnd(42)} ${med.toFixed(0).padStart(6)} ms ${pick(xs, 0.9).toFixed(0).padStart(5)} ms ${k === 0 ? "" : `${(med - base).toFixed(0).padStart(5)} ms`}`);
  });
  const help = pick(times[1] ?? [], 0.5) - base;
  const ok = help <= FLOOR_MS;
  console.log(`floor: --help within ${FLOOR_MS} ms of node -e 0`.padEnd(42), ok ? `met (${help.toFixed(0)} ms)` : `MISSED (${help.toFixed(0)} ms)`);
  process.exitCode = ok ? 0 : 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
