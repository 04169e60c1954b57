/**
 * Starting and stopping one `landlord serve` replica: the HTTP server on every replica,
 * the workers on the one holding the lease. Shutdown order: stop taking requests and end
 * event streams, let running workflow steps finish, hand the lease back, close the store.
 */
import type { FastifyInstance } from "fastify";
import type { Runtime } from "../app/runtime.js";
import { buildApp } from "./app.js";
import { Authenticator } from "./auth.js";
import { Metrics } from "./metrics.js";
import { OidcLogin, type OidcSettings } from "./oidc.js";
import { EventStreams } from "./sse.js";
import { Workers, type WorkerOptions } from "./workers.js";
import { TENANT_PHASES } from "../store/index.js";
import { rolloutContext } from "../rollout/wiring.js";

export interface ServeOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly version: string;
  /** sha256 of each operator token, with the operator's name. */
  readonly operatorTokens: ReadonlyMap<string, string>;
  readonly portalDir?: string;
  readonly secureCookies?: boolean;
  readonly workers?: Partial<WorkerOptions>;
  /** false: this replica serves the API only and never runs workers. */
  readonly runWorkers?: boolean;
  readonly loginPerMinute?: number;
  readonly requestsPerMinute?: number;
  readonly failedAuthPerMinute?: number;
  /** Login through the OpenID provider of landlord.yaml serve.oidc (the secret read from the environment). */
  readonly oidc?: OidcSettings;
  readonly log?: (line: string) => void;
}

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly workers: Workers;
  readonly metrics: Metrics;
  /** Graceful: see the module comment. Does not close the runtime (its owner does). */
  close(): Promise<void>;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = { leaseTtlMs: 15_000, pollMs: 1_000, concurrency: 4, reconcileIntervalMs: 60_000, purgeIntervalMs: 3_600_000, drillIntervalMs: 600_000, noticesIntervalMs: 30_000, graceMs: 60_000 };

export async function startServer(rt: Runtime, options: ServeOptions): Promise<RunningServer> {
  const log = options.log ?? (() => undefined);
  const metrics = new Metrics();
  metrics.collectWith(async () => {
    const counts = new Map<string, number>(TENANT_PHASES.map((p) => [p, 0]));
    // Counted in SQL: a scrape must not read every tenant of a large fleet.
    const rows = await rt.store.db.selectFrom("tenants").select((eb) => ["phase", eb.fn.countAll<number | string>().as("n")]).groupBy("phase").execute();
    for (const row of rows) counts.set(row.phase, Number(row.n));
    metrics.reset("landlord_tenants");
    for (const [phase, n] of counts) metrics.set("landlord_tenants", { phase }, n);
  });
  const rollouts = rolloutContext({ store: rt.store, platform: rt.services.platform, delivery: rt.services.delivery, owner: rt.engine.owner });
  const workers = new Workers(rt, rollouts, metrics, log, { ...DEFAULT_WORKER_OPTIONS, ...options.workers });
  const auth = new Authenticator(rt.store, { operatorTokens: options.operatorTokens });
  const streams = new EventStreams(rt);
  const app = await buildApp(
    { rt, auth, metrics, streams, rollouts, submitted: () => { workers.poke(); }, secureCookies: options.secureCookies ?? true, ...(options.oidc ? { oidc: new OidcLogin(options.oidc, rt.store, auth.sessions) } : {}) },
    {
      version: options.version,
      ...(options.portalDir !== undefined ? { portalDir: options.portalDir } : {}),
      ...(options.loginPerMinute !== undefined ? { loginPerMinute: options.loginPerMinute } : {}),
      ...(options.requestsPerMinute !== undefined ? { requestsPerMinute: options.requestsPerMinute } : {}),
      ...(options.failedAuthPerMinute !== undefined ? { failedAuthPerMinute: options.failedAuthPerMinute } : {}),
      leader: () => workers.isLeader,
      log,
    },
  );
  const address = await app.listen({ host: options.host, port: options.port });
  if (options.runWorkers !== false) workers.start();
  let closing: Promise<void> | undefined;
  return {
    url: address.replace("[::1]", "localhost"),
    app,
    workers,
    metrics,
    close() {
      closing ??= (async () => {
        await app.close();
        await workers.stop();
      })();
      return closing;
    },
  };
}
