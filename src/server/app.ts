/**
 * The HTTP server of `landlord serve`: the API routes (route.ts), health, readiness,
 * metrics, the OpenAPI document with its page, and the portal's built files. Security
 * headers (helmet, a strict CSP), rate limits on login and on token use, one JSON error
 * shape, no request logging of headers or bodies (they carry tokens).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import fastifyCookie from "@fastify/cookie";
import fastifyHelmet from "@fastify/helmet";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { sql } from "kysely";
import { sha256 } from "../store/index.js";
import { redactSecrets } from "../util/redact.js";
import { bearerOf, SESSION_COOKIE } from "./auth.js";
import type { ServerContext } from "./context.js";
import { DOCS_CSS, DOCS_HTML, DOCS_JS } from "./docs-page.js";
import { errorResponse, HttpError, operatorsOnly } from "./errors.js";
import { openApiDocument } from "./openapi.js";
import { parsePart, type ApiRoute } from "./route.js";
import { adoptionRoutes } from "./routes/adoptions.js";
import { alertRoutes } from "./routes/alerts.js";
import { auditRoutes } from "./routes/audit.js";
import { costRoutes } from "./routes/costs.js";
import { diffRoutes } from "./routes/diff.js";
import { rolloutRoutes } from "./routes/rollouts.js";
import { oidcRoutes } from "./routes/oidc.js";
import { sessionRoutes } from "./routes/session.js";
import { statusRoutes } from "./routes/status.js";
import { statusPageRoutes } from "./routes/status-page.js";
import { loadStatusPage } from "../app/status-page.js";
import { STATUS_PAGE_CSS, statusPageHtml } from "../notices/status-page.js";
import { backupRoutes } from "./routes/backups.js";
import { tenantRoutes } from "./routes/tenants.js";
import { usageRoutes } from "./routes/usage.js";
import { workflowRoutes } from "./routes/workflows.js";

export interface AppOptions {
  readonly version: string;
  /** Built portal (index.html and assets); served at / when it exists. */
  readonly portalDir?: string;
  /** Logins per client address per minute. */
  readonly loginPerMinute?: number;
  /** Requests per credential (or address, without one) per minute. */
  readonly requestsPerMinute?: number;
  /** Requests with a wrong token per client address per minute; more are refused (429) without looking. */
  readonly failedAuthPerMinute?: number;
  /** Whether this replica runs the workers, for /readyz. */
  readonly leader?: () => boolean;
  readonly log?: (line: string) => void;
}

export function apiRoutes(ctx: ServerContext): ApiRoute[] {
  return [
    ...sessionRoutes(ctx),
    ...oidcRoutes(ctx),
    ...tenantRoutes(ctx),
    ...adoptionRoutes(ctx),
    ...statusRoutes(ctx),
    ...backupRoutes(ctx),
    ...diffRoutes(ctx),
    ...workflowRoutes(ctx),
    ...auditRoutes(ctx),
    ...rolloutRoutes(ctx),
    ...costRoutes(ctx),
    ...alertRoutes(ctx),
    ...usageRoutes(ctx),
    ...statusPageRoutes(ctx),
  ];
}

/** Rate-limit key: the credential (hashed), else the client address. */
function clientKey(req: FastifyRequest): string {
  const bearer = bearerOf(req);
  if (bearer !== undefined) return `t:${sha256(bearer)}`;
  const sid = req.cookies[SESSION_COOKIE];
  if (sid !== undefined && sid !== "") return `s:${sha256(sid)}`;
  return `a:${req.ip}`;
}

export async function buildApp(ctx: ServerContext, options: AppOptions): Promise<FastifyInstance> {
  const log = options.log ?? (() => undefined);
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, forceCloseConnections: "idle", return503OnClosing: true });
  const routes = apiRoutes(ctx);

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
    },
    // Browsers reach this over plain HTTP in development; HSTS belongs to the TLS terminator.
    strictTransportSecurity: false,
  });
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, {
    global: false,
    keyGenerator: clientKey,
    errorResponseBuilder: (_req, c) => new HttpError(429, "rate-limited", `too many requests: at most ${String(c.max)} per ${c.after === "" ? "window" : "minute"}`, [{ path: "request", message: `retry after ${c.after}`, fix: "slow down; wait before retrying" }]),
  });

  const started = new WeakMap<FastifyRequest, number>();
  app.addHook("onRequest", (req, _reply, done) => {
    started.set(req, performance.now());
    done();
  });
  app.addHook("onResponse", (req, reply, done) => {
    const t = started.get(req);
    if (t !== undefined) {
      const route = req.routeOptions.url ?? "unmatched";
      ctx.metrics.observe("landlord_http_request_duration_seconds", { method: req.method, route, code: `${String(Math.floor(reply.statusCode / 100))}xx` }, (performance.now() - t) / 1000);
    }
    done();
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, body, retryAfterSeconds } = errorResponse(err);
    if (retryAfterSeconds !== undefined) void reply.header("retry-after", String(retryAfterSeconds));
    if (status >= 500) log(`${req.method} ${req.routeOptions.url ?? req.url.split("?")[0] ?? ""}: ${redactSecrets(err instanceof Error ? (err.stack ?? err.message) : String(err))}`);
    if (status === 429) void reply.header("retry-after", "60");
    return reply.code(status).type("application/json").send(body);
  });

  // Guessing tokens: each wrong token would otherwise get a fresh per-credential budget.
  const failed = new Map<string, { count: number; since: number }>();
  const failedLimit = options.failedAuthPerMinute ?? 30;
  const authenticate = async (request: FastifyRequest) => {
    const now = Date.now();
    const f = failed.get(request.ip);
    if (f && now - f.since < 60_000 && f.count >= failedLimit) {
      throw new HttpError(429, "rate-limited", `too many requests with wrong credentials from this address (at most ${String(failedLimit)} a minute)`, [{ path: "Authorization", message: "refused without being checked", fix: "wait a minute, then use a valid token" }]);
    }
    try {
      return await ctx.auth.authenticate(request);
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) {
        if (!f || now - f.since >= 60_000) failed.set(request.ip, { count: 1, since: now });
        else f.count++;
        if (failed.size > 10_000) failed.clear();
      }
      throw err;
    }
  };

  for (const r of routes) {
    app.route({
      method: r.method,
      url: r.url,
      // Public routes (logins, the SSO redirect and callback) are limited per address, each
      // route on its own budget: one SSO sign-in passes three of them.
      config: { rateLimit: r.access === "public" ? { max: options.loginPerMinute ?? 10, timeWindow: 60_000, keyGenerator: (req: FastifyRequest) => `public:${r.method}:${r.url}:${req.ip}` } : { max: options.requestsPerMinute ?? 1200, timeWindow: 60_000 } },
      handler: async (request, reply) => {
        const who = r.access === "public" ? undefined : await authenticate(request);
        // Before the input is read: a tenant learns nothing from an operator route, not even what it validates.
        if (r.access === "operator" && who?.principal.kind !== "operator") throw operatorsOnly();
        const answer = await r.handler({
          principal: who?.principal ?? { kind: "operator", name: "anonymous" },
          session: who?.session,
          params: parsePart(r.params, request.params, "params"),
          query: parsePart(r.query, request.query, "query"),
          body: parsePart(r.body, request.body, "body"),
          request,
          reply,
        });
        if (r.stream === true || answer === undefined) return reply;
        return reply
          .code(answer.status ?? 200)
          .header("cache-control", "no-store")
          .type("application/json")
          .send(answer.body);
      },
    });
  }

  const document = openApiDocument(routes, options.version);
  app.get("/openapi.json", (_req, reply) => reply.type("application/json").send(document));
  app.get("/docs", (_req, reply) => reply.type("text/html; charset=utf-8").send(DOCS_HTML));
  app.get("/docs/docs.js", (_req, reply) => reply.type("text/javascript; charset=utf-8").send(DOCS_JS));
  app.get("/docs/docs.css", (_req, reply) => reply.type("text/css; charset=utf-8").send(DOCS_CSS));

  app.get("/healthz", (_req, reply) => reply.send({ status: "ok" }));
  // Tenants' public status pages: no credentials, so limited per client address.
  const statusLimit = { rateLimit: { max: options.requestsPerMinute ?? 1200, timeWindow: 60_000, keyGenerator: (req: FastifyRequest) => `status:${req.ip}` } };
  app.get("/status-page.css", (_req, reply) => reply.type("text/css; charset=utf-8").header("cache-control", "public, max-age=3600").send(STATUS_PAGE_CSS));
  app.get<{ Params: { name: string } }>("/status/:name", { config: statusLimit }, async (req, reply) => {
    try {
      const page = await loadStatusPage(ctx.rt.store, ctx.rt.services.platform, req.params.name, new Date());
      return await reply.type("text/html; charset=utf-8").header("cache-control", "public, max-age=30").send(statusPageHtml(page));
    } catch (err) {
      const { status, body } = errorResponse(err);
      return reply.code(status).type("text/plain; charset=utf-8").send(body.error.message);
    }
  });
  app.get("/readyz", async (_req, reply) => {
    try {
      await sql`select 1`.execute(ctx.rt.store.db);
    } catch (err) {
      const { body } = errorResponse(err);
      return reply.code(503).send({ status: "not ready", store: "unreachable", detail: body.error.message });
    }
    return reply.send({ status: "ready", store: ctx.rt.store.backend, leader: options.leader?.() ?? false });
  });
  app.get("/metrics", async (_req, reply) => reply.type("text/plain; version=0.0.4; charset=utf-8").send(await ctx.metrics.render()));

  const portal = options.portalDir;
  const hasPortal = portal !== undefined && existsSync(join(portal, "index.html"));
  if (hasPortal) await app.register(fastifyStatic, { root: portal, prefix: "/", index: ["index.html"], wildcard: false });
  const indexHtml = hasPortal ? await readFile(join(portal, "index.html"), "utf8") : undefined;

  app.setNotFoundHandler((req, reply) => {
    // The portal routes in the browser: any other GET of a page gets index.html.
    if (indexHtml !== undefined && req.method === "GET" && !req.url.startsWith("/api/") && (req.headers.accept ?? "").includes("text/html")) {
      return reply.type("text/html; charset=utf-8").send(indexHtml);
    }
    const { status, body } = errorResponse(new HttpError(404, "not-found", `no route ${req.method} ${req.url.split("?")[0] ?? ""}`, [{ path: "url", message: "unknown", fix: "see /openapi.json (browsable at /docs) for the routes" }]));
    return reply.code(status).send(body);
  });

  app.addHook("preClose", (done) => {
    ctx.streams.closeAll();
    done();
  });
  return app;
}
