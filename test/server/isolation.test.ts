/**
 * A tenant principal reaches only its own tenant, on EVERY route: the routes are read from
 * the server's own OpenAPI document (generated from the same list the server registers),
 * and each is called as tenant acme, by bearer token and by browser session, aimed at
 * tenant globex's resources. Zero successes; list routes answer with acme's items only.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { invoicesRepo } from "../../src/store/invoices-repo.js";
import { BACKENDS, useBackend } from "../store/support/backends.js";
import { call, operatorToken, project, replica, tenantToken, until, type Project, type Replica, type Reply } from "./support/serve.js";

interface Doc {
  paths: Record<string, Record<string, { "x-landlord-access": string }>>;
}

const form = (name: string) => ({ name, tier: "small", domains: [`${name}.apps.example.com`], contact: `ops@${name}.example.com` });

/** What globex has that acme must never see. */
const GLOBEX_SECRETS = ["globex.apps.example.com", "ops@globex.example.com", "Globex"];

for (const backend of BACKENDS) {
  describe(`tenant isolation on every route (${backend.name})`, () => {
    const b = useBackend(backend);
    let p: Project;
    let r: Replica;
    let acmeToken = "";
    let globexWorkflow = "";
    let globexSpec: unknown;
    let globexInvoice = "";
    beforeAll(async () => {
      p = await project(b.url);
      r = await replica(p);
      for (const name of ["acme", "globex"]) {
        const res = await call(r.url, "POST", "/api/v1/tenants", { token: operatorToken, body: { ...form(name), displayName: name === "globex" ? "Globex" : "Acme" } });
        expect(res.status).toBe(202);
        if (name === "globex") globexWorkflow = (res.body as { id: string }).id;
      }
      for (const name of ["acme", "globex"]) {
        await until(`${name} Ready`, async () => (((await call(r.url, "GET", `/api/v1/tenants/${name}`, { token: operatorToken })).body as { phase?: string }).phase === "Ready" ? true : undefined));
      }
      acmeToken = await tenantToken(p, "acme");
      globexSpec = ((await call(r.url, "GET", "/api/v1/tenants/globex", { token: operatorToken })).body as { spec: unknown }).spec;
      globexInvoice = (await invoicesRepo(r.rt.store.db).issue({ tenantName: "globex", month: "2026-10", currency: "EUR", lines: [{ description: "Globex base fee", amountMinor: 10_000n }], now: new Date() })).number;
    });
    afterAll(async () => {
      await r.stop();
    });

    test("0 successes against globex, by token and by session", async () => {
      const doc = (await call(r.url, "GET", "/openapi.json")).body as Doc;
      const login = await call(r.url, "POST", "/api/v1/session", { body: { token: acmeToken } });
      const sid = /landlord_session=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1] ?? "";
      const session = { cookie: `landlord_session=${sid}`, "x-csrf-token": (login.body as { csrfToken: string }).csrfToken };
      const rows: { route: string; documented: string; via: string; status: number; outcome: string }[] = [];
      let checked = 0;
      for (const [path, methods] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          if (op["x-landlord-access"] === "public") continue;
          // Sample values: globex's own resource for each path parameter (a rollout is the fleet's, operators only).
          const id = path.includes("/invoices/") ? globexInvoice : path.startsWith("/api/v1/rollouts/") ? "ro-20261127000000-0000" : globexWorkflow;
          const month = path.endsWith("/costs") || path.endsWith("/sla") ? "?month=2026-10" : "";
          const target = `${path.replace("{name}", "globex").replace("{id}", id)}${month}`;
          const variants = [target];
          // globex's invoice asked for under acme's own path: still absent.
          if (path.includes("/invoices/{id}")) variants.push(path.replace("{name}", "acme").replace("{id}", id), `${path.replace("{name}", "acme").replace("{id}", id)}?format=pdf`);
          if (path === "/api/v1/workflows" || path === "/api/v1/audit") variants.push(`${target}?tenant=globex`);
          if (path === "/api/v1/tenants" && method === "get") variants.push(`${target}?all=true`, `${target}?phase=Ready`);
          const body = method === "put" ? { spec: globexSpec } : method === "post" && path === "/api/v1/tenants" ? form("mallory") : method === "post" && path === "/api/v1/rollouts" ? { version: "1.0.0" } : undefined;
          for (const url of variants) {
            for (const via of ["token", "session"] as const) {
              // Logging out would end the session the next calls use; it is checked last, below.
              if (path === "/api/v1/session" && method === "delete" && via === "session") continue;
              const res: Reply = await call(r.url, method.toUpperCase(), url, { ...(via === "token" ? { token: acmeToken } : { headers: session }), ...(body !== undefined ? { body } : {}) });
              checked++;
              let outcome: string;
              if (res.status >= 200 && res.status < 300) {
                // Only routes that answer about the caller itself may succeed: lists (acme's items), who-am-I, logout.
                if (url.split("?")[0] === "/api/v1/tenants" && method === "get") {
                  const names = (res.body as { items: { name: string }[] }).items.map((t) => t.name);
                  expect(names, url).toEqual(["acme"]);
                  outcome = "own items only";
                } else if (url === "/api/v1/workflows") {
                  const tenants = new Set((res.body as { items: { tenant: string }[] }).items.map((w) => w.tenant));
                  expect([...tenants], url).toEqual(["acme"]);
                  outcome = "own items only";
                } else if (url === "/api/v1/audit") {
                  const tenants = new Set((res.body as { items: { tenant: string | null }[] }).items.map((a) => a.tenant));
                  expect([...tenants], url).toEqual(["acme"]);
                  outcome = "own items only";
                } else if (url === "/api/v1/me" || url === "/api/v1/session") {
                  expect(res.body, url).toMatchObject({ kind: "tenant", name: "acme" });
                  outcome = "itself";
                } else {
                  outcome = "SUCCESS AGAINST GLOBEX";
                }
              } else {
                outcome = `refused (${(res.body as { error?: { code?: string } }).error?.code ?? "?"})`;
                expect([403, 404], `${method} ${url} via ${via}`).toContain(res.status);
              }
              for (const secret of GLOBEX_SECRETS) expect(res.text, `${method} ${url} via ${via}`).not.toContain(secret);
              rows.push({ route: `${method.toUpperCase()} ${url}`, documented: `${method.toUpperCase()} ${path}`, via, status: res.status, outcome });
            }
          }
        }
      }
      const successes = rows.filter((x) => x.outcome === "SUCCESS AGAINST GLOBEX");
      console.log(`\nisolation (${backend.name}): tenant acme vs tenant globex\n${rows.map((x) => `| ${x.route} | ${x.via} | ${String(x.status)} | ${x.outcome} |`).join("\n")}\n${String(checked)} calls, ${String(successes.length)} successes against globex`);
      expect(successes).toEqual([]);
      // Every documented non-public route was called.
      const documented = Object.entries(doc.paths).flatMap(([, m]) => Object.values(m)).filter((o) => o["x-landlord-access"] !== "public").length;
      expect(new Set(rows.map((x) => x.documented)).size).toBe(documented);
      // globex is untouched: still Ready, same generation, its token still works.
      const g = (await call(r.url, "GET", "/api/v1/tenants/globex", { token: operatorToken })).body as { phase: string; generation: number };
      expect(g).toMatchObject({ phase: "Ready", generation: 1 });
      expect((await call(r.url, "GET", "/api/v1/me", { token: await tenantToken(p, "globex") })).body).toMatchObject({ name: "globex" });
      expect((await call(r.url, "GET", "/api/v1/tenants/mallory", { token: operatorToken })).status).toBe(404);
    });

    test("the live progress stream of another tenant's workflow is refused before it starts", async () => {
      const res = await fetch(`${r.url}/api/v1/workflows/${globexWorkflow}/events`, { headers: { authorization: `Bearer ${acmeToken}` } });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
      expect(await res.text()).not.toContain("Succeeded");
    });
  });
}
