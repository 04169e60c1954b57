/**
 * `landlord render` end to end, as a user runs it: a fresh process from tenant files on
 * disk to YAML on stdout (redirected to a file) and to `--out DIR`, at 1,000, 10,000 and
 * 50,000 tenants (arguments override), against a baseline measured in the same run on
 * the same files: ./render-baseline.ts, which reads and parses the files and writes the
 * same objects with the YAML library's plain dump (the time it spends obtaining the
 * objects from Landlord's renderers is taken off its wall time, see there).
 *
 * Prints wall time, tenants/s and peak RSS (the child's max RSS, from /usr/bin/time) of
 * each, and the ratio landlord / baseline. Floors: at 10,000 tenants at most 1.0 times
 * the baseline and peak RSS under 500 MB; at 50,000 it completes with RSS under 1 GB.
 *
 * BENCH_CPU_PROF=DIR writes a V8 CPU profile of each landlord run into DIR;
 * BENCH_RENDER_BASELINE_MAX=N skips the baseline above N tenants (it is the slow side).
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { PLATFORM_TEMPLATE } from "../src/init/templates.js";

const MAIN = resolve(import.meta.dirname, "../src/cli/main.js");
const BASELINE = resolve(import.meta.dirname, "render-baseline.js");
const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [1_000, 10_000, 50_000];
const profileDir = process.env.BENCH_CPU_PROF;
const baselineMax = Number(process.env.BENCH_RENDER_BASELINE_MAX ?? Infinity);
const tiers = ["small", "small", "small", "medium", "large"] as const;

interface Run {
  readonly ms: number;
  readonly rssMb: number;
  readonly outBytes: number;
  readonly stderr: string;
}

async function writeFleet(root: string, n: number): Promise<string> {
  await mkdir(join(root, "tenants"), { recursive: true });
  const config = join(root, "landlord.yaml");
  await writeFile(config, PLATFORM_TEMPLATE);
  const batch: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const name = `customer-${i.toString(36).padStart(4, "0")}`;
    const doc = {
      apiVersion: "landlord.dev/v1alpha1",
      kind: "Tenant",
      metadata: { name },
      spec: {
        displayName: `Customer ${i}`,
        tier: tiers[i % tiers.length],
        domains: [`${name}.apps.example.com`],
        contacts: { email: `ops@${name}.example.com` },
        compliance: i % 3 === 0 ? ["gdpr"] : [],
        overrides: { app: { env: { LOG_LEVEL: i % 2 === 0 ? "info" : "debug" }, featureFlags: { beta: i % 7 === 0 } } },
      },
    };
    batch.push(writeFile(join(root, "tenants", `${name}.yaml`), stringify(doc)));
    if (batch.length === 64) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  return config;
}

function du(path: string): Promise<number> {
  return new Promise((ok, fail) => {
    const p = spawn("du", ["-sb", path], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.on("error", fail);
    p.on("close", () => {
      ok(Number(out.split("\t")[0]));
    });
  });
}

/** Runs `node args` under /usr/bin/time; stdout to `stdoutFile` (or /dev/null). */
async function measure(args: string[], stdoutFile: string | undefined, outDir: string | undefined, rssFile: string): Promise<Run> {
  const fd = openSync(stdoutFile ?? "/dev/null", "w");
  const start = performance.now();
  const child = spawn("/usr/bin/time", ["-f", "%M", "-o", rssFile, process.execPath, ...args], { stdio: ["ignore", fd, "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((ok, fail) => {
    child.on("error", fail);
    child.on("close", ok);
  });
  const ms = performance.now() - start;
  closeSync(fd);
  if (code !== 0) throw new Error(`node ${args.join(" ")} exited ${String(code)}:\n${stderr}`);
  const rssKb = Number((await readFile(rssFile, "utf8")).trim().split("\n").pop());
  const outBytes = stdoutFile !== undefined ? statSync(stdoutFile).size : outDir !== undefined ? await du(outDir) : 0;
  return { ms, rssMb: rssKb / 1024, outBytes, stderr };
}

function excludedMs(run: Run): number {
  const last = run.stderr.trim().split("\n").pop() ?? "{}";
  return (JSON.parse(last) as { excludedMs: number }).excludedMs;
}

const line = (label: string, value: string): void => {
  console.log(`${label.padEnd(58)} ${value}`);
};
const fmt = (n: number, run: Run, ms = run.ms) =>
  `${(ms / 1000).toFixed(2)} s, ${Math.round((n / ms) * 1000)} tenants/s, peak RSS ${run.rssMb.toFixed(0)} MB, ${(run.outBytes / 1e6).toFixed(0)} MB written`;

console.log(`node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
let pass = true;
for (const n of sizes) {
  const root = await mkdtemp(join(tmpdir(), `landlord-bench-render-${n}-`));
  try {
    const config = await writeFleet(root, n);
    const prof = (name: string) => (profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir, "--cpu-prof-name", `render-${n}-${name}.cpuprofile`] : []);
    const rss = join(root, "rss");
    const llStdout = await measure([...prof("stdout"), MAIN, "--config", config, "render"], join(root, "landlord.yaml.out"), undefined, rss);
    await rm(join(root, "landlord.yaml.out"));
    const llOut = await measure([...prof("out"), MAIN, "--config", config, "render", "--out", join(root, "ll")], undefined, join(root, "ll"), rss);
    await rm(join(root, "ll"), { recursive: true });
    console.log(`\n${n} tenants (load average now ${loadavg()[0]?.toFixed(2) ?? "?"})`);
    line("landlord render > file", fmt(n, llStdout));
    line("landlord render --out DIR", fmt(n, llOut));
    const peak = Math.max(llStdout.rssMb, llOut.rssMb);
    if (n > baselineMax) {
      line("baseline", `not run above ${baselineMax} tenants (BENCH_RENDER_BASELINE_MAX)`);
      if (n === 50_000) {
        const ok = peak < 1024;
        pass &&= ok;
        line("floor: completes with peak RSS < 1 GB", ok ? "met" : "MISSED");
      }
      continue;
    }
    const baseStdout = await measure([BASELINE, config], join(root, "baseline.yaml.out"), undefined, rss);
    await rm(join(root, "baseline.yaml.out"));
    const baseOut = await measure([BASELINE, config, "--out", join(root, "base")], undefined, join(root, "base"), rss);
    const baseStdoutMs = baseStdout.ms - excludedMs(baseStdout);
    const baseOutMs = baseOut.ms - excludedMs(baseOut);
    line("baseline: parse + yaml.stringify > file", `${fmt(n, baseStdout, baseStdoutMs)} (${(excludedMs(baseStdout) / 1000).toFixed(2)} s of getting the objects not counted)`);
    line("baseline: parse + yaml.stringify into DIR", `${fmt(n, baseOut, baseOutMs)} (${(excludedMs(baseOut) / 1000).toFixed(2)} s not counted)`);
    const rStdout = llStdout.ms / baseStdoutMs;
    const rOut = llOut.ms / baseOutMs;
    line("ratio landlord / baseline, stdout", rStdout.toFixed(3));
    line("ratio landlord / baseline, --out", rOut.toFixed(3));
    if (n === 10_000) {
      const ok = rStdout <= 1 && rOut <= 1 && peak < 500;
      pass &&= ok;
      line("floor: <= 1.0 x baseline and peak RSS < 500 MB", ok ? "met" : "MISSED");
    }
    if (n === 50_000) {
      const ok = peak < 1024;
      pass &&= ok;
      line("floor: completes with peak RSS < 1 GB", ok ? "met" : "MISSED");
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
process.exitCode = pass ? 0 : 1;
