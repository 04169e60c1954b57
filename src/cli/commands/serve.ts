/**
 * `landlord serve`: the HTTP API, the portal and, on the replica holding the lease, the
 * workers (workflow runner, reconcile loop). Runs until SIGINT/SIGTERM, then shuts down
 * gracefully (src/server/server.ts).
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "../../errors.js";
import { sha256 } from "../../store/index.js";
import { oidcSettings } from "../../server/oidc.js";
import { startServer, type ServeOptions } from "../../server/server.js";
import type { CliIo } from "../io.js";
import { openRuntime } from "../../app/runtime.js";
import type { GlobalOptions } from "../../app/load-files.js";

export interface ServeCommandOptions {
  host: string;
  port: string;
  operatorTokenFile?: string;
  reconcileInterval: string;
  leaseTtl: string;
  insecureCookies?: boolean;
  workers?: boolean;
}

/** The package root (holding package.json) above this module, from src/ or dist/src/. */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "landlord") return dir;
    } catch {
      // Not here; one folder up.
    }
  }
  return undefined;
}

function version(root: string | undefined): string {
  if (root === undefined) return "unknown";
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: unknown };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}

/**
 * Operator tokens, one per line of the file; the file is made (mode 0600, a new random
 * token) when it does not exist. Only their sha256 stays in memory.
 */
async function operatorTokens(file: string, io: CliIo): Promise<Map<string, string>> {
  if (!existsSync(file)) {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, `llop_${randomBytes(32).toString("base64url")}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    io.stderr(`a new operator token was written to ${file} (mode 0600)\n`);
  }
  const lines = (await readFile(file, "utf8")).split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  if (lines.length === 0) throw new InputError([{ file, path: "", message: "holds no operator token", fix: "put one token per line, or delete the file to have one made" }]);
  return new Map(lines.map((t, i) => [sha256(t), `operator-${String(i + 1)}`]));
}

function seconds(value: string, flag: string): number {
  const m = /^(\d+)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new InputError([{ path: flag, message: `'${value}' is not a duration`, fix: "use e.g. 30s, 5m or 0 (off)" }]);
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
}

export async function serveCommand(io: CliIo, global: GlobalOptions, opts: ServeCommandOptions): Promise<void> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InputError([{ path: "--port", message: `'${opts.port}' is not a port`, fix: "use 0-65535 (0: any free port)" }]);
  const reconcileIntervalMs = seconds(opts.reconcileInterval, "--reconcile-interval");
  const leaseTtlMs = seconds(opts.leaseTtl, "--lease-ttl");
  if (leaseTtlMs < 300) throw new InputError([{ path: "--lease-ttl", message: `${opts.leaseTtl} is too short to renew in time`, fix: "use at least 1s; 15s is the default" }]);
  const base = dirname(resolve(io.cwd, global.config));
  const tokenFile = opts.operatorTokenFile === undefined ? join(base, ".landlord", "operator-token") : isAbsolute(opts.operatorTokenFile) ? opts.operatorTokenFile : resolve(io.cwd, opts.operatorTokenFile);
  const tokens = await operatorTokens(tokenFile, io);
  const rt = await openRuntime(io, global, undefined, { longLived: true });
  const root = packageRoot();
  const portalDir = root === undefined ? undefined : join(root, "dist", "portal");
  try {
    // Read at start: a missing client secret stops here, naming its variable.
    const oidc = oidcSettings(rt.services.platform.config, io.env);
    const serveOptions: ServeOptions = {
      ...(oidc ? { oidc } : {}),
      host: opts.host,
      port,
      version: version(root),
      operatorTokens: tokens,
      ...(portalDir !== undefined ? { portalDir } : {}),
      secureCookies: opts.insecureCookies !== true,
      runWorkers: opts.workers !== false,
      workers: { reconcileIntervalMs, leaseTtlMs },
      log: (line) => {
        io.stderr(`${new Date().toISOString()} ${line}\n`);
      },
    };
    const server = await startServer(rt, serveOptions);
    io.stdout(`landlord serve: ${server.url}  (API ${server.url}/api/v1, docs ${server.url}/docs, portal ${server.url}/)\n`);
    io.stdout(`  store: ${rt.storeLabel}; operator token in ${tokenFile}${portalDir !== undefined && existsSync(join(portalDir, "index.html")) ? "" : "; portal not built (npm run build:portal)"}\n`);
    if (oidc) io.stdout(`  OIDC login through ${oidc.issuerUrl} (client ${oidc.clientId}, callback ${oidc.redirectUrl})\n`);
    await new Promise<void>((done) => {
      const stop = (signal: NodeJS.Signals) => {
        io.stderr(`${signal}: shutting down (running workflow steps finish first; again to quit at once)\n`);
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        process.once("SIGINT", () => process.exit(130));
        process.once("SIGTERM", () => process.exit(143));
        done();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await server.close();
    io.stderr("stopped\n");
  } finally {
    await rt.close();
  }
}
