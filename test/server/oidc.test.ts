/**
 * Login through a real OpenID provider (oidc-provider, on 127.0.0.1) configured in
 * landlord.yaml: the browser's trip is driven with fetch (redirects followed by hand,
 * cookies carried per host, the provider's login and consent forms posted). Operators
 * come from groups, tenant users from a claim or a group; a user with neither, a tampered
 * state, a replayed callback and a refusal at the provider get the API's error shape.
 */
import { rolloutContext } from "../../src/rollout/wiring.js";
import { appendFile } from "node:fs/promises";
import { createServer, type RequestListener, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import Provider, { type Account } from "oidc-provider";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { FastifyInstance } from "fastify";
import { run } from "../../src/cli/program.js";
import { openRuntime, type Runtime } from "../../src/app/runtime.js";
import { buildApp } from "../../src/server/app.js";
import { Authenticator } from "../../src/server/auth.js";
import { Metrics } from "../../src/server/metrics.js";
import { OidcLogin, oidcSettings } from "../../src/server/oidc.js";
import { EventStreams } from "../../src/server/sse.js";
import { InputError } from "../../src/errors.js";
import { sha256 } from "../../src/store/index.js";
import { BACKENDS, useBackend } from "../store/support/backends.js";
import { call, events, operatorToken, project, replica, type Project, type Replica } from "./support/serve.js";

const CLIENT_ID = "landlord-portal";
const CLIENT_SECRET = "test-client-secret-0123456789abcdef";
const SECRET_ENV = "LANDLORD_TEST_OIDC_SECRET";

interface Person {
  email: string;
  groups: string[];
  landlord_tenant?: string;
}
const PEOPLE: Record<string, Person> = {
  ada: { email: "ada@ops.example.com", groups: ["landlord-operators", "staff"] },
  bob: { email: "bob@acme.example.com", groups: ["staff"], landlord_tenant: "acme" },
  cy: { email: "cy@globex.example.com", groups: ["globex-admins"] },
  dee: { email: "dee@example.com", groups: ["staff"] },
};

const form = (name: string) => ({ name, tier: "small", domains: [`${name}.apps.example.com`], contact: `ops@${name}.example.com` });

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((done) => s.listen(0, "127.0.0.1", done));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((done) => s.close(() => { done(); }));
  return port;
}

/** A browser's cookies, per origin (enough for two hosts on 127.0.0.1 with different ports). */
class Jar {
  private readonly byOrigin = new Map<string, Map<string, string>>();
  take(url: URL, res: Response): void {
    const jar = this.byOrigin.get(url.origin) ?? new Map<string, string>();
    this.byOrigin.set(url.origin, jar);
    for (const c of res.headers.getSetCookie()) {
      const m = /^([^=]+)=([^;]*)/.exec(c);
      if (!m?.[1]) continue;
      if (m[2] === "" || /expires=Thu, 01 Jan 1970/i.test(c) || /max-age=0/i.test(c)) jar.delete(m[1]);
      else jar.set(m[1], m[2] ?? "");
    }
  }
  header(url: URL): string {
    return [...(this.byOrigin.get(url.origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  get(url: URL, name: string): string | undefined {
    return this.byOrigin.get(url.origin)?.get(name);
  }
}

async function visit(jar: Jar, url: URL, init: { method?: string; body?: URLSearchParams } = {}): Promise<Response> {
  const res = await fetch(url, {
    method: init.method ?? "GET",
    redirect: "manual",
    headers: { cookie: jar.header(url), ...(init.body ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
    ...(init.body ? { body: init.body } : {}),
  });
  jar.take(url, res);
  return res;
}

/**
 * From the portal's "Sign in with SSO" to the provider's redirect back: logs in as
 * `account` and consents. Returns the callback URL (not yet visited) and the browser's jar.
 */
async function throughProvider(appUrl: string, account: string, jar = new Jar()): Promise<{ callback: URL; jar: Jar }> {
  let url = new URL("/api/v1/oidc/login", appUrl);
  let res = await visit(jar, url);
  expect(res.status).toBe(302);
  for (let hops = 0; hops < 20; hops++) {
    const location = res.headers.get("location");
    if (location !== null) {
      const next = new URL(location, url);
      if (next.pathname === "/api/v1/oidc/callback") return { callback: next, jar };
      url = next;
      res = await visit(jar, url);
      continue;
    }
    const html = await res.text();
    expect(res.status, html).toBe(200);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (action === undefined || prompt === undefined) throw new Error(`no form on ${url.pathname}`);
    url = new URL(action, url);
    res = await visit(jar, url, { method: "POST", body: new URLSearchParams(prompt === "login" ? { prompt, login: account, password: "any" } : { prompt }) });
  }
  throw new Error("too many redirects");
}

/** Visits the callback with the browser's cookies; returns the answer and the session cookie, if one was set. */
async function callback(jar: Jar, url: URL): Promise<{ res: Response; body: unknown; session: string | undefined }> {
  const res = await visit(jar, url);
  const text = await res.text();
  return { res, body: text === "" ? null : (JSON.parse(text) as unknown), session: jar.get(url, "landlord_session") };
}

async function signIn(appUrl: string, account: string): Promise<{ headers: Record<string, string>; status: number; body: unknown }> {
  const { callback: cb, jar } = await throughProvider(appUrl, account);
  const { res, body, session } = await callback(jar, cb);
  return { status: res.status, body, headers: session === undefined ? {} : { cookie: `landlord_session=${session}` } };
}

for (const backend of BACKENDS) {
  describe(`OIDC login on ${backend.name}`, () => {
    const b = useBackend(backend);
    let p: Project;
    let workers: Replica;
    let idp: Server;
    let provider: Provider;
    let rt: Runtime;
    let app: FastifyInstance;
    let appUrl: string;
    const logs: string[] = [];

    beforeAll(async () => {
      // The provider's listener first (its issuer goes into landlord.yaml), its handler once the app's callback URL is known.
      let handler: RequestListener = (_req, res) => res.writeHead(503).end();
      idp = createServer((req, res) => {
        handler(req, res);
      });
      await new Promise<void>((done) => idp.listen(0, "127.0.0.1", done));
      const issuer = `http://127.0.0.1:${String((idp.address() as AddressInfo).port)}`;
      const appPort = await freePort();
      appUrl = `http://127.0.0.1:${String(appPort)}`;

      p = await project(b.url);
      await appendFile(
        join(p.dir, "landlord.yaml"),
        [
          "serve:",
          "  oidc:",
          `    issuerUrl: ${issuer}`,
          `    clientId: ${CLIENT_ID}`,
          `    clientSecretEnv: ${SECRET_ENV}`,
          `    redirectUrl: ${appUrl}/api/v1/oidc/callback`,
          "    scopes: [openid, email, groups, landlord]",
          "    operatorGroups: [landlord-operators]",
          "    tenantClaim: landlord_tenant",
          "    tenantGroups: { globex-admins: globex }",
          "",
        ].join("\n"),
      );
      workers = await replica(p);
      for (const name of ["acme", "globex"]) {
        const res = await call(workers.url, "POST", "/api/v1/tenants", { token: operatorToken, body: form(name) });
        expect(res.status).toBe(202);
        const stream = await events(workers.url, `/api/v1/workflows/${(res.body as { id: string }).id}/events`, operatorToken);
        expect((stream.at(-1)?.data as { status: string }).status).toBe("Succeeded");
      }

      // The OIDC replica: settings from landlord.yaml and the secret from the environment, as `serve` reads them.
      rt = await openRuntime(p.io(), { config: "landlord.yaml" });
      const settings = oidcSettings(rt.services.platform.config, { ...p.env, [SECRET_ENV]: CLIENT_SECRET });
      if (!settings) throw new Error("landlord.yaml has no serve.oidc");
      const auth = new Authenticator(rt.store, { operatorTokens: new Map() });
      app = await buildApp(
        { rt, auth, metrics: new Metrics(), streams: new EventStreams(rt), rollouts: rolloutContext({ store: rt.store, platform: rt.services.platform, delivery: rt.services.delivery }), submitted: () => undefined, secureCookies: false, oidc: new OidcLogin(settings, rt.store, auth.sessions) },
        { version: "test", loginPerMinute: 1000, log: (l) => logs.push(l) },
      );
      await app.listen({ host: "127.0.0.1", port: appPort });

      provider = new Provider(issuer, {
        clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${appUrl}/api/v1/oidc/callback`], grant_types: ["authorization_code"], response_types: ["code"], token_endpoint_auth_method: "client_secret_basic" }],
        claims: { openid: ["sub"], email: ["email"], groups: ["groups"], landlord: ["landlord_tenant"] },
        scopes: ["openid", "email", "groups", "landlord"],
        features: { devInteractions: { enabled: true } },
        cookies: { keys: ["oidc-test-cookie-key"] },
        ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600 },
        findAccount: (_ctx, id): Account | undefined => {
          const person = PEOPLE[id];
          if (!person) return undefined;
          return { accountId: id, claims: () => ({ sub: id, ...person }) };
        },
      });
      const serve = provider.callback();
      handler = (req, res) => {
        void serve(req, res);
      };
    });

    afterAll(async () => {
      await app.close();
      await rt.close();
      await workers.stop();
      await new Promise<void>((done) => idp.close(() => { done(); }));
    });

    test("a member of an operator group gets an operator session: every tenant, writes with the CSRF token", async () => {
      const s = await signIn(appUrl, "ada");
      expect(s.status).toBe(302);
      expect(s.headers.cookie).toBeDefined();
      const me = await call(appUrl, "GET", "/api/v1/me", { headers: s.headers });
      expect(me.body).toMatchObject({ kind: "operator", name: "ada@ops.example.com" });
      const list = await call(appUrl, "GET", "/api/v1/tenants", { headers: s.headers });
      expect((list.body as { items: { name: string }[] }).items.map((t) => t.name)).toEqual(["acme", "globex"]);
      const csrfToken = (me.body as { csrfToken: string }).csrfToken;
      expect((await call(appUrl, "POST", "/api/v1/tenants", { headers: { ...s.headers, "x-csrf-token": csrfToken }, body: form("initech") })).status).toBe(202);
      // The session is in the store: the replica without OIDC knows it too.
      expect((await call(workers.url, "GET", "/api/v1/me", { headers: s.headers })).body).toMatchObject({ kind: "operator", name: "ada@ops.example.com" });
    });

    test("a tenant user (from the claim, or from a group) sees only its tenant", async () => {
      const bob = await signIn(appUrl, "bob");
      expect(bob.status).toBe(302);
      expect((await call(appUrl, "GET", "/api/v1/me", { headers: bob.headers })).body).toMatchObject({ kind: "tenant", name: "acme" });
      const list = await call(appUrl, "GET", "/api/v1/tenants", { headers: bob.headers });
      expect((list.body as { items: { name: string }[] }).items.map((t) => t.name)).toEqual(["acme"]);
      expect((await call(appUrl, "GET", "/api/v1/tenants/acme", { headers: bob.headers })).status).toBe(200);
      expect((await call(appUrl, "GET", "/api/v1/tenants/globex", { headers: bob.headers })).status).toBe(404);
      // Rotating the tenant's API token leaves a session that never held one as it is.
      const csrfToken = ((await call(appUrl, "GET", "/api/v1/me", { headers: bob.headers })).body as { csrfToken: string }).csrfToken;
      expect((await call(appUrl, "POST", "/api/v1/tenants/acme/token", { headers: { ...bob.headers, "x-csrf-token": csrfToken } })).status).toBe(201);
      expect((await call(appUrl, "GET", "/api/v1/me", { headers: bob.headers })).body).toMatchObject({ kind: "tenant", name: "acme" });

      const cy = await signIn(appUrl, "cy");
      expect((await call(appUrl, "GET", "/api/v1/me", { headers: cy.headers })).body).toMatchObject({ kind: "tenant", name: "globex" });
      expect((await call(appUrl, "GET", "/api/v1/tenants/acme", { headers: cy.headers })).status).toBe(404);

      // No API token behind the session: it lasts while the tenant is live, and ends when it is offboarded.
      await rt.store.db.updateTable("tenants").set({ phase: "Offboarded" }).where("name", "=", "globex").execute();
      try {
        expect((await call(appUrl, "GET", "/api/v1/tenants/globex", { headers: cy.headers })).status).toBe(401);
      } finally {
        await rt.store.db.updateTable("tenants").set({ phase: "Ready" }).where("name", "=", "globex").execute();
      }
    });

    test("a user in no operator or tenant group is refused with 403 and no session", async () => {
      const dee = await signIn(appUrl, "dee");
      expect(dee.status).toBe(403);
      expect(dee.headers.cookie).toBeUndefined();
      const e = (dee.body as { error: { code: string; message: string; problems: { fix: string }[] } }).error;
      expect(e.code).toBe("forbidden");
      expect(e.message).toMatch(/dee@example\.com .*no role in Landlord/);
      expect(e.problems[0]?.fix).toMatch(/administrator/);
    });

    test("a tampered state is 401; the callback works once; a refusal at the provider is 403; no code reaches the logs", async () => {
      const { callback: cb, jar } = await throughProvider(appUrl, "ada");
      const code = cb.searchParams.get("code") ?? "";
      expect(code).not.toBe("");
      const tampered = new URL(cb);
      tampered.searchParams.set("state", `${cb.searchParams.get("state") ?? ""}x`);
      const bad = await callback(jar, tampered);
      expect(bad.res.status).toBe(401);
      expect(bad.session).toBeUndefined();
      expect((bad.body as { error: { code: string; message: string } }).error).toMatchObject({ code: "unauthenticated", message: expect.stringMatching(/state does not match/) as unknown });
      expect(JSON.stringify(bad.body)).not.toContain(code);
      // The login was used up by the failed attempt: the genuine callback cannot follow it.
      const replay = await callback(jar, cb);
      expect(replay.res.status).toBe(401);
      expect((replay.body as { error: { message: string } }).error.message).toMatch(/no login under way/);

      // The provider sends the user back with error=access_denied.
      const jar2 = new Jar();
      const start = new URL("/api/v1/oidc/login", appUrl);
      const res = await visit(jar2, start);
      const state = new URL(res.headers.get("location") ?? "").searchParams.get("state") ?? "";
      const denied = await callback(jar2, new URL(`/api/v1/oidc/callback?error=access_denied&state=${state}`, appUrl));
      expect(denied.res.status).toBe(403);
      expect((denied.body as { error: { message: string } }).error.message).toMatch(/access_denied/);

      // An ID token whose nonce is not the one this login sent (a mixed-up or injected token).
      const { callback: cb3, jar: jar3 } = await throughProvider(appUrl, "ada");
      await rt.store.db.withTables<{ server_oidc_logins: { key: string; nonce: string } }>().updateTable("server_oidc_logins").set({ nonce: "another-login" }).where("key", "=", sha256(jar3.get(new URL(appUrl), "landlord_oidc") ?? "")).execute();
      const wrongNonce = await callback(jar3, cb3);
      expect(wrongNonce.res.status).toBe(401);
      expect(wrongNonce.session).toBeUndefined();
      expect((wrongNonce.body as { error: { message: string } }).error.message).toMatch(/did not check out/);

      // Without the login cookie (another browser), a callback is refused.
      const { callback: cb2 } = await throughProvider(appUrl, "bob");
      expect((await callback(new Jar(), cb2)).res.status).toBe(401);
      expect(logs.join("\n")).not.toContain(code);
    });

    test("the OIDC routes are documented and public; the portal learns SSO is on", async () => {
      const doc = (await call(appUrl, "GET", "/openapi.json")).body as { paths: Record<string, Record<string, { "x-landlord-access": string }>> };
      for (const path of ["/api/v1/oidc", "/api/v1/oidc/login", "/api/v1/oidc/callback"]) expect(doc.paths[path]?.["get"]?.["x-landlord-access"]).toBe("public");
      expect((await call(appUrl, "GET", "/api/v1/oidc")).body).toEqual({ enabled: true, loginUrl: "/api/v1/oidc/login" });
      // A replica without OIDC says so, and its login route is a 404 in the one error shape.
      expect((await call(workers.url, "GET", "/api/v1/oidc")).body).toEqual({ enabled: false });
      expect(((await call(workers.url, "GET", "/api/v1/oidc/login")).body as { error: { code: string } }).error.code).toBe("not-found");
    });

    test("landlord serve's server offers SSO with the settings serve reads, and its login goes to the provider", async () => {
      const settings = oidcSettings(rt.services.platform.config, { ...p.env, [SECRET_ENV]: CLIENT_SECRET });
      if (!settings) throw new Error("landlord.yaml has no serve.oidc");
      const served = await replica(p, { oidc: settings, runWorkers: false });
      try {
        expect((await call(served.url, "GET", "/api/v1/oidc")).body).toEqual({ enabled: true, loginUrl: "/api/v1/oidc/login" });
        const login = await fetch(`${served.url}/api/v1/oidc/login`, { redirect: "manual" });
        expect(login.status).toBe(302);
        // To the provider on this machine (not back to this server), with PKCE.
        const to = new URL(login.headers.get("location") ?? "");
        expect(to.origin).not.toBe(new URL(served.url).origin);
        expect(to.hostname).toBe("127.0.0.1");
        expect(to.searchParams.get("code_challenge_method")).toBe("S256");
      } finally {
        await served.stop();
      }
    });

    test("a missing client secret is a startup error naming the variable", () => {
      expect(() => oidcSettings(rt.services.platform.config, p.env)).toThrow(InputError);
      try {
        oidcSettings(rt.services.platform.config, p.env);
      } catch (err) {
        expect((err as InputError).problems[0]?.message).toContain(SECRET_ENV);
      }
    });
  });
}

describe("landlord serve with serve.oidc", () => {
  test("stops at start, naming the variable, when the client secret is not in the environment", async () => {
    const p = await project();
    await appendFile(
      join(p.dir, "landlord.yaml"),
      ["serve:", "  oidc:", "    issuerUrl: https://login.example.com/realms/ops", "    clientId: landlord", `    clientSecretEnv: ${SECRET_ENV}`, "    redirectUrl: https://landlord.example.com/api/v1/oidc/callback", "    operatorGroups: [ops]", ""].join("\n"),
    );
    const err: string[] = [];
    const code = await run(["serve", "--port", "0", "--host", "127.0.0.1"], { ...p.io(), stderr: (s) => err.push(s) });
    expect(code).not.toBe(0);
    expect(err.join("")).toContain(`the environment variable ${SECRET_ENV} (the OIDC client secret) is not set`);
  });

  test.each([
    ["a plain-http issuer off this machine", ["    issuerUrl: http://login.example.com", "    operatorGroups: [ops]"], /issuerUrl must use https/],
    ["a mapping that gives nobody a role", ["    issuerUrl: https://login.example.com"], /oidc maps nobody to a role/],
  ])("landlord validate refuses %s", async (_what, lines, message) => {
    const p = await project();
    await appendFile(
      join(p.dir, "landlord.yaml"),
      ["serve:", "  oidc:", ...lines, "    clientId: landlord", `    clientSecretEnv: ${SECRET_ENV}`, "    redirectUrl: https://landlord.example.com/api/v1/oidc/callback", ""].join("\n"),
    );
    const out: string[] = [];
    const code = await run(["validate"], { ...p.io(), stderr: (s) => out.push(s), stdout: (s) => out.push(s) });
    expect(code).not.toBe(0);
    expect(out.join("")).toMatch(message);
  });
});
