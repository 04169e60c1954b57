/**
 * A real Prometheus for tests: series are backfilled from OpenMetrics text with
 * `promtool tsdb create-blocks-from openmetrics` into a temp data dir, then the server is
 * started on a free 127.0.0.1 port. Missing binaries are an error, not a skip.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

export interface RunningPrometheus {
  readonly url: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => {
        resolve(port);
      });
    });
  });
}

async function requireBinary(name: string): Promise<void> {
  await exec(name, ["--version"]).catch(() => {
    throw new Error(`${name} is not installed: CI must install Debian's prometheus package`);
  });
}

export interface PrometheusOptions {
  /** prometheus.yml; files it names (rule files) go in `files`, relative to its folder. */
  readonly config?: string;
  readonly files?: Readonly<Record<string, string>>;
}

/** `openMetrics` (backfilled before start) must end with "# EOF"; "" backfills nothing. */
export async function startPrometheus(openMetrics: string, options: PrometheusOptions = {}): Promise<RunningPrometheus> {
  await requireBinary("promtool");
  await requireBinary("prometheus");
  const dir = await mkdtemp(join(tmpdir(), "landlord-prom-"));
  const data = join(dir, "data");
  if (openMetrics !== "") {
    await writeFile(join(dir, "series.om"), openMetrics);
    await exec("promtool", ["tsdb", "create-blocks-from", "openmetrics", join(dir, "series.om"), data]);
  }
  await writeFile(join(dir, "prometheus.yml"), options.config ?? "global:\n  scrape_interval: 1m\n");
  for (const [name, text] of Object.entries(options.files ?? {})) await writeFile(join(dir, name), text);
  const port = await freePort();
  return serve("prometheus", dir, port, [
    `--config.file=${join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${data}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // Backfilled blocks are old; keep them whatever their age.
    "--storage.tsdb.retention.time=3650d",
  ]);
}

/** A real Alertmanager (Debian's prometheus-alertmanager) with this config, gossip off. */
export async function startAlertmanager(configYaml: string): Promise<RunningPrometheus> {
  await requireBinary("prometheus-alertmanager").catch(() => {
    throw new Error("prometheus-alertmanager is not installed: CI must install Debian's prometheus-alertmanager");
  });
  const dir = await mkdtemp(join(tmpdir(), "landlord-am-"));
  await writeFile(join(dir, "alertmanager.yml"), configYaml, { mode: 0o600 });
  const port = await freePort();
  return serve("prometheus-alertmanager", dir, port, [
    `--config.file=${join(dir, "alertmanager.yml")}`,
    `--storage.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--cluster.listen-address=",
  ]);
}

async function serve(binary: string, dir: string, port: number, args: string[]): Promise<RunningPrometheus> {
  const url = `http://127.0.0.1:${port}`;
  let log = "";
  const child: ChildProcess = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stderr?.on("data", (b: Buffer) => {
    log = (log + b.toString()).slice(-4000);
  });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`${binary} exited with ${child.exitCode}:\n${log}`);
    }
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) return { url, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${binary} did not become ready in 30s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
