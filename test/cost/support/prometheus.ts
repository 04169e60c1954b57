/**
 * A real Prometheus (Debian's package) holding backfilled series: OpenMetrics text is
 * written into blocks with `promtool tsdb create-blocks-from openmetrics`, then the server
 * is started on a free loopback port over that data directory. Missing binaries fail the
 * test: CI must install the prometheus package.
 */
import { spawn, execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../../src/devcluster/ports.js";

const run = promisify(execFile);

export interface RunningPrometheus {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startPrometheusWith(openMetrics: string): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), "landlord-prom-"));
  await writeFile(join(dir, "series.om"), openMetrics);
  return startPrometheusFrom(dir, join(dir, "series.om"));
}

/** Backfills `seriesFile` (OpenMetrics) into `dir`/data and serves it; `dir` is removed on stop. */
export async function startPrometheusFrom(dir: string, seriesFile: string): Promise<RunningPrometheus> {
  const data = join(dir, "data");
  await writeFile(join(dir, "prometheus.yml"), "global: {}\n");
  // One block per 31 days keeps startup quick; the default (2h blocks) makes hundreds.
  await run("promtool", ["tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=744h", seriesFile, data], { maxBuffer: 16 * 1024 * 1024 });
  const port = await freePort();
  const child = spawn(
    "prometheus",
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${data}`,
      "--storage.tsdb.retention.time=100y", // the backfilled month is in the past
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr.on("data", (b: Buffer) => {
    log = (log + b.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      resolve();
    });
  });
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}):\n${log}`);
    try {
      const res = await fetch(`${url}-/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`prometheus not ready after 30 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** OpenMetrics text for backfilling: one family at a time, samples in time order. */
export class OpenMetricsWriter {
  private readonly families = new Map<string, { type: "gauge" | "counter"; lines: string[] }>();

  /** Adds one series sampled every `step` seconds over [start, end]. */
  series(name: string, type: "gauge" | "counter", labels: Record<string, string>, start: number, end: number, step: number, value: (t: number) => number | undefined): void {
    const family = this.families.get(name) ?? { type, lines: [] };
    this.families.set(name, family);
    const labelText = Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(",");
    const sample = type === "counter" ? `${name}_total` : name;
    for (let t = start; t <= end; t += step) {
      const v = value(t);
      if (v !== undefined) family.lines.push(`${sample}{${labelText}} ${v} ${t}`);
    }
  }

  text(): string {
    const out: string[] = [];
    for (const [name, f] of this.families) {
      out.push(`# TYPE ${name} ${f.type}`, ...f.lines);
    }
    out.push("# EOF", "");
    return out.join("\n");
  }
}
