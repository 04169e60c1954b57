/**
 * The API over real HTTP, on both store backends: onboarding from a request to Ready with
 * live progress, the error shape, tokens and sessions, the OpenAPI document, health,
 * readiness and metrics (checked by promtool).
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS, useBackend } from "../store/support/backends.js";
import { call, events, operatorToken, project, replica, tenantToken, until, type Project, type Replica } from "./support/serve.js";

interface Wf {
  id: string;
  status: string;
  tenant: string;
  steps?: { name: string; status: string }[];
}
interface Problem {
  path: string;
  message: string;
  fix: string;
}
interface ErrorBody {
  error: { code: string; message: string; problems: Problem[] };
}

const form = (name: string) => ({ name, tier: "small", domains: [`${name}.apps.example.com`], contact: `ops@${name}.example.com` });

for (const backend of BACKENDS) {
  describe(`landlord serve API on ${backend.name}`, () => {
    const b = useBackend(backend);
    let p: Project;
    let r: Replica;
    beforeAll(async () => {
      p = await project(b.url);
      r = await replica(p);
    });
    afterAll(async () => {
      await r.stop();
    });

    test("onboarding: 202 with the workflow, live progress to the end, the tenant Ready", async () => {
      const res = await call(r.url, "POST", "/api/v1/tenants", { token: operatorToken, body: form("acme") });
      expect(res.status).toBe(202);
      const wf = res.body as Wf;
      expect(wf).toMatchObject({ tenant: "acme", status: "Pending" });
      expect(wf.steps?.map((s) => s.name)).toEqual(["validate", "reserve", "render", "cloud-resources", "apply", "wait-ready", "monitoring", "credentials", "done"]);
      const stream = await events(r.url, `/api/v1/workflows/${wf.id}/events`, operatorToken);
      expect(stream.at(-1)?.event).toBe("end");
      expect((stream.at(-1)?.data as Wf).status).toBe("Succeeded");
      const tenant = await call(r.url, "GET", "/api/v1/tenants/acme", { token: operatorToken });
      expect(tenant.status).toBe(200);
      expect(tenant.body).toMatchObject({ name: "acme", phase: "Ready", tier: "small", cluster: "aks-weu-1", domains: ["acme.apps.example.com"] });
      const list = await call(r.url, "GET", "/api/v1/tenants", { token: operatorToken });
      expect((list.body as { items: { name: string }[] }).items.map((t) => t.name)).toEqual(["acme"]);
      // The token was written to the credentials file only; no response carried it.
      const token = await tenantToken(p, "acme");
      expect(tenant.text + list.text + JSON.stringify(stream)).not.toContain(token);
    });

    test("bad input: 400 with every problem's field and fix, nothing written", async () => {
      const res = await call(r.url, "POST", "/api/v1/tenants", { token: operatorToken, body: { ...form("Bad_Name"), tier: "nope" } });
      expect(res.status).toBe(400);
      const e = (res.body as ErrorBody).error;
      expect(e.code).toBe("invalid-input");
      expect(e.problems.length).toBeGreaterThanOrEqual(2);
      for (const problem of e.problems) expect(problem.fix).not.toBe("");
      expect(e.problems.map((x) => x.path).join(" ")).toMatch(/metadata\.name/);
      expect(e.problems.map((x) => x.path).join(" ")).toMatch(/spec\.tier/);
      const missing = await call(r.url, "POST", "/api/v1/tenants", { token: operatorToken, body: { name: "x" } });
      expect(missing.status).toBe(400);
      expect((missing.body as ErrorBody).error.problems.length).toBeGreaterThan(0);
      expect((missing.body as ErrorBody).error.problems[0]?.path).toMatch(/^body/);
      // A name the state refuses (already taken) is a 409 with the way forward.
      const taken = await call(r.url, "POST", "/api/v1/tenants", { token: operatorToken, body: form("acme") });
      expect(taken.status).toBe(409);
      expect((taken.body as ErrorBody).error).toMatchObject({ code: "conflict", message: expect.stringMatching(/tenant 'acme' already exists/) as unknown });
      expect((await call(r.url, "GET", "/api/v1/tenants/other", { token: operatorToken })).status).toBe(404);
    });

    test("no credentials, or a wrong token: 401 in the same shape", async () => {
      for (const token of [undefined, "ll_not-a-token"]) {
        const res = await call(r.url, "GET", "/api/v1/tenants", token === undefined ? {} : { token });
        expect(res.status).toBe(401);
        expect((res.body as ErrorBody).error).toMatchObject({ code: "unauthenticated", problems: [expect.objectContaining({ path: "Authorization" })] });
      }
    });

    test("update and offboard start workflows that the leader runs", async () => {
      const spec = ((await call(r.url, "GET", "/api/v1/tenants/acme", { token: operatorToken })).body as { spec: Record<string, unknown> }).spec;
      const same = await call(r.url, "PUT", "/api/v1/tenants/acme", { token: operatorToken, body: { spec } });
      expect(same.status).toBe(200);
      expect(same.body).toBeNull();
      const changed = { ...spec, spec: { ...(spec.spec as object), displayName: "Acme Corp" } };
      const up = await call(r.url, "PUT", "/api/v1/tenants/acme", { token: operatorToken, body: { spec: changed } });
      expect(up.status).toBe(202);
      const done = await until("update", async () => {
        const w = (await call(r.url, "GET", `/api/v1/workflows/${(up.body as Wf).id}`, { token: operatorToken })).body as Wf;
        return w.status === "Succeeded" ? w : undefined;
      });
      expect(done.steps?.every((s) => s.status === "Succeeded")).toBe(true);
      expect((await call(r.url, "GET", "/api/v1/tenants/acme", { token: operatorToken })).body).toMatchObject({ displayName: "Acme Corp", phase: "Ready" });

      const onboarding = (await call(r.url, "POST", "/api/v1/tenants", { token: operatorToken, body: form("gone") })).body as Wf;
      // Offboarding waits for the onboarding workflow itself to end, not only for the phase.
      await until("gone onboarded", async () => (((await call(r.url, "GET", `/api/v1/workflows/${onboarding.id}`, { token: operatorToken })).body as Wf).status === "Succeeded" ? true : undefined));
      const off = await call(r.url, "DELETE", "/api/v1/tenants/gone", { token: operatorToken });
      expect(off.status).toBe(202);
      await until("gone Offboarded", async () => ((await call(r.url, "GET", "/api/v1/tenants/gone", { token: operatorToken })).body as { phase?: string }).phase === "Offboarded" ? true : undefined);
      const list = (await call(r.url, "GET", "/api/v1/tenants", { token: operatorToken })).body as { items: { name: string }[] };
      expect(list.items.map((t) => t.name)).toEqual(["acme"]);
    });

    test("a tenant token logs in to a session; writes need the CSRF token; rotation revokes the old token", async () => {
      const token = await tenantToken(p, "acme");
      const login = await call(r.url, "POST", "/api/v1/session", { body: { token } });
      expect(login.status).toBe(200);
      const { csrfToken, kind, name } = login.body as { csrfToken: string; kind: string; name: string };
      expect({ kind, name }).toEqual({ kind: "tenant", name: "acme" });
      const cookie = login.headers.get("set-cookie") ?? "";
      expect(cookie).toMatch(/landlord_session=[^;]+;.*HttpOnly/i);
      expect(cookie).toMatch(/Secure/);
      expect(cookie).toMatch(/SameSite=Strict/i);
      const sid = /landlord_session=([^;]+)/.exec(cookie)?.[1] ?? "";
      const headers = { cookie: `landlord_session=${sid}` };
      expect((await call(r.url, "GET", "/api/v1/me", { headers })).body).toMatchObject({ kind: "tenant", name: "acme" });
      const noCsrf = await call(r.url, "POST", "/api/v1/tenants/acme/token", { headers });
      expect(noCsrf.status).toBe(403);
      expect((noCsrf.body as ErrorBody).error.code).toBe("csrf");
      const rotated = await call(r.url, "POST", "/api/v1/tenants/acme/token", { headers: { ...headers, "x-csrf-token": csrfToken } });
      expect(rotated.status).toBe(201);
      const fresh = (rotated.body as { token: string }).token;
      expect(fresh).toMatch(/^ll_/);
      expect((await call(r.url, "GET", "/api/v1/me", { token })).status).toBe(401);
      expect((await call(r.url, "GET", "/api/v1/me", { token: fresh })).body).toMatchObject({ kind: "tenant", name: "acme" });
      // The session moved to the new token with the rotation.
      expect((await call(r.url, "GET", "/api/v1/me", { headers })).status).toBe(200);
      expect((await call(r.url, "DELETE", "/api/v1/session", { headers: { ...headers, "x-csrf-token": csrfToken } })).status).toBe(200);
      expect((await call(r.url, "GET", "/api/v1/me", { headers })).status).toBe(401);
      const audit = await r.rt.store.audit.list({ tenantName: "acme" });
      expect(audit.map((a) => a.action)).toContain("tenant.token-rotated");
      expect(JSON.stringify(audit)).not.toContain(fresh);
    });

    test("OpenAPI document from the zod schemas, and its page", async () => {
      const doc = (await call(r.url, "GET", "/openapi.json")).body as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>> };
      expect(doc.openapi).toBe("3.1.0");
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/v1/tenants", "/api/v1/tenants/{name}", "/api/v1/workflows/{id}/events", "/api/v1/session"]));
      const onboard = JSON.stringify(doc.paths["/api/v1/tenants"]?.post?.requestBody?.content["application/json"]?.schema);
      // The CLI's Tenant schema: its name pattern and the email format are in the document.
      expect(onboard).toContain("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
      expect(onboard).toContain('"format":"email"');
      const page = await call(r.url, "GET", "/docs");
      expect(page.status).toBe(200);
      expect(page.text).toContain('<script type="module" src="/docs/docs.js">');
      expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect((await call(r.url, "GET", "/docs/docs.js")).status).toBe(200);
    });

    test("health, readiness, metrics (promtool check metrics) and security headers", async () => {
      expect((await call(r.url, "GET", "/healthz")).body).toEqual({ status: "ok" });
      expect((await call(r.url, "GET", "/readyz")).body).toEqual({ status: "ready", store: backend.name, leader: true });
      const metrics = await call(r.url, "GET", "/metrics");
      expect(metrics.text).toMatch(/^landlord_tenants\{phase="Ready"\} 1$/m);
      expect(metrics.text).toMatch(/^landlord_workflows_finished_total\{kind="onboard",status="Succeeded"\} [1-9]/m);
      expect(metrics.text).toMatch(/^landlord_leader 1$/m);
      expect(metrics.text).toMatch(/^landlord_http_request_duration_seconds_count\{code="2xx",method="GET",route="\/api\/v1\/tenants\/:name"\} \d+$/m);
      expect(metrics.text).not.toMatch(/acme/);
      const dir = await mkdtemp(join(tmpdir(), "landlord-metrics-"));
      await writeFile(join(dir, "metrics.txt"), metrics.text);
      execFileSync("sh", ["-c", `promtool check metrics < ${join(dir, "metrics.txt")}`], { stdio: "pipe" });
      const h = (await call(r.url, "GET", "/api/v1/tenants", { token: operatorToken })).headers;
      expect(h.get("x-content-type-options")).toBe("nosniff");
      expect(h.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(h.get("cache-control")).toBe("no-store");
    });

    test("a malformed body and an unknown route answer in the same error shape", async () => {
      const res = await fetch(`${r.url}/api/v1/tenants`, { method: "POST", headers: { authorization: `Bearer ${operatorToken}`, "content-type": "application/json" }, body: "{not json" });
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorBody).error).toMatchObject({ code: "bad-request", problems: [expect.objectContaining({ path: "body" })] });
      const nowhere = await call(r.url, "GET", "/api/v1/nowhere", { token: operatorToken });
      expect(nowhere.status).toBe(404);
      expect((nowhere.body as ErrorBody).error.problems[0]?.fix).toMatch(/openapi\.json/);
      const badQuery = await call(r.url, "GET", "/api/v1/tenants?phase=Sleeping", { token: operatorToken });
      expect(badQuery.status).toBe(400);
      expect((badQuery.body as ErrorBody).error.problems[0]?.path).toBe("query.phase");
    });

    test("token use is rate limited per credential; nothing secret reaches the server's log", async () => {
      const limited = await replica(p, { requestsPerMinute: 5, runWorkers: false });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 7; i++) statuses.push((await call(limited.url, "GET", "/api/v1/tenants", { token: operatorToken })).status);
        expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
        const res = await call(limited.url, "GET", "/api/v1/tenants", { token: operatorToken });
        expect((res.body as ErrorBody).error.code).toBe("rate-limited");
        expect(res.headers.get("retry-after")).not.toBeNull();
        // Another credential has its own budget.
        expect((await call(limited.url, "GET", "/api/v1/me", { token: await tenantToken(p, "acme") })).status).not.toBe(429);
      } finally {
        await limited.stop();
      }
      const logs = [...r.logs, ...limited.logs].join("\n");
      expect(logs).not.toContain(operatorToken);
      expect(logs).not.toMatch(/ll_[A-Za-z0-9_-]{20,}/);
    });

    test("guessing tokens is rate limited per address, and a good token from there waits too", async () => {
      const guarded = await replica(p, { failedAuthPerMinute: 3, runWorkers: false });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) statuses.push((await call(guarded.url, "GET", "/api/v1/tenants", { token: `ll_guess_${String(i)}` })).status);
        expect(statuses).toEqual([401, 401, 401, 429, 429]);
        expect((await call(guarded.url, "GET", "/api/v1/tenants", { token: operatorToken })).status).toBe(429);
      } finally {
        await guarded.stop();
      }
    });

    test("login is rate limited per address", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await call(r.url, "POST", "/api/v1/session", { body: { token: `ll_guess_${String(i)}` } })).status);
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
      expect(statuses.at(-1)).toBe(429);
    });
  });
}
