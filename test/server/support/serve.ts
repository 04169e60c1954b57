/**
 * A real `landlord serve` replica for tests: a project made by `landlord init` in a temp
 * folder, the runtime the CLI opens (SQLite beside landlord.yaml, or DATABASE_URL), and the
 * HTTP server on a free port of 127.0.0.1.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIo } from "../../../src/cli/io.js";
import { run } from "../../../src/cli/program.js";
import { openRuntime, type Runtime } from "../../../src/app/runtime.js";
import { sha256 } from "../../../src/store/index.js";
import { startServer, type RunningServer, type ServeOptions } from "../../../src/server/server.js";

export interface Project {
  readonly dir: string;
  readonly env: Record<string, string>;
  io(): CliIo;
}

export async function project(databaseUrl?: string): Promise<Project> {
  const dir = await mkdtemp(join(tmpdir(), "landlord-serve-"));
  const env: Record<string, string> = { LANDLORD_ACTOR: "test", ...(databaseUrl !== undefined && databaseUrl.startsWith("postgres") ? { DATABASE_URL: databaseUrl } : {}) };
  const io = (): CliIo => ({ stdout: () => undefined, stderr: () => undefined, cwd: dir, env });
  const code = await run(["init"], io());
  if (code !== 0) throw new Error(`landlord init failed with ${String(code)}`);
  return { dir, env, io };
}

export interface Replica {
  readonly server: RunningServer;
  readonly rt: Runtime;
  readonly url: string;
  readonly logs: string[];
  stop(): Promise<void>;
}

export const operatorToken = `llop_${randomBytes(16).toString("hex")}`;

export async function replica(p: Project, options: Partial<ServeOptions> = {}): Promise<Replica> {
  const rt = await openRuntime(p.io(), { config: "landlord.yaml" });
  const logs: string[] = [];
  const server = await startServer(rt, {
    host: "127.0.0.1",
    port: 0,
    version: "test",
    operatorTokens: new Map([[sha256(operatorToken), "operator-1"]]),
    workers: { leaseTtlMs: 1500, pollMs: 100, concurrency: 4, reconcileIntervalMs: 0, graceMs: 10_000 },
    log: (l) => logs.push(l),
    ...options,
  });
  let stopped: Promise<void> | undefined;
  return {
    server,
    rt,
    url: server.url,
    logs,
    stop() {
      stopped ??= server.close().then(() => rt.close());
      return stopped;
    },
  };
}

export async function tenantToken(p: Project, tenant: string): Promise<string> {
  return (await readFile(join(p.dir, ".landlord", "credentials", tenant, "api-token"), "utf8")).trim();
}

export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
  readonly headers: Headers;
}

export async function call(base: string, method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(opts.token !== undefined ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
      ...opts.headers,
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (metrics, HTML): the text is the body.
  }
  return { status: res.status, body, text, headers: res.headers };
}

/** Reads a server-sent event stream to its end; returns the events in order. */
export async function events(base: string, path: string, token: string): Promise<{ event: string; data: unknown }[]> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" } });
  if (res.status !== 200 || !res.body) throw new Error(`events: ${String(res.status)} ${await res.text()}`);
  const out: { event: string; data: unknown }[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let at: number;
    while ((at = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event !== undefined && data !== undefined) out.push({ event, data: JSON.parse(data) as unknown });
    }
  }
  return out;
}

/** Polls until `check` returns a value (not undefined), or fails after `ms`. */
export async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
