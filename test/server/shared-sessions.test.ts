/**
 * Browser sessions live in the store: two `serve` replicas on one store (a shared SQLite
 * file, or one PostgreSQL database) know each other's sessions. A login on one works on
 * the other for reads and CSRF-checked writes, a logout on either ends it on both, a
 * rotation through one keeps the session on the other, and a revoked token ends its
 * sessions everywhere. The table holds neither the cookie nor the CSRF token.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sha256 } from "../../src/store/index.js";
import { BACKENDS, useBackend } from "../store/support/backends.js";
import { call, events, operatorToken, project, replica, tenantToken, type Project, type Replica } from "./support/serve.js";

const form = (name: string) => ({ name, tier: "small", domains: [`${name}.apps.example.com`], contact: `ops@${name}.example.com` });

async function login(url: string, token: string): Promise<{ sid: string; csrf: string; headers: Record<string, string> }> {
  const res = await call(url, "POST", "/api/v1/session", { body: { token } });
  expect(res.status).toBe(200);
  const sid = /landlord_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1] ?? "";
  expect(sid).not.toBe("");
  return { sid, csrf: (res.body as { csrfToken: string }).csrfToken, headers: { cookie: `landlord_session=${sid}` } };
}

async function onboard(r: Replica, name: string): Promise<void> {
  const res = await call(r.url, "POST", "/api/v1/tenants", { token: operatorToken, body: form(name) });
  expect(res.status).toBe(202);
  const stream = await events(r.url, `/api/v1/workflows/${(res.body as { id: string }).id}/events`, operatorToken);
  expect((stream.at(-1)?.data as { status: string }).status).toBe("Succeeded");
}

for (const backend of BACKENDS) {
  describe(`sessions shared by serve replicas on ${backend.name}`, () => {
    const b = useBackend(backend);
    let p: Project;
    let one: Replica;
    let two: Replica;
    beforeAll(async () => {
      p = await project(b.url);
      one = await replica(p);
      two = await replica(p, { runWorkers: false });
    });
    afterAll(async () => {
      await Promise.all([two.stop(), one.stop()]);
    });

    test("a login on one replica reads and writes on the other; a logout on the other ends it on both", async () => {
      const s = await login(one.url, operatorToken);
      const me = await call(two.url, "GET", "/api/v1/me", { headers: s.headers });
      expect(me.status).toBe(200);
      // The reloaded page on the other replica gets the same CSRF token back.
      expect(me.body).toMatchObject({ kind: "operator", name: "operator-1", csrfToken: s.csrf });

      expect((await call(two.url, "POST", "/api/v1/tenants", { headers: s.headers, body: form("nocsrf") })).status).toBe(403);
      const wrote = await call(two.url, "POST", "/api/v1/tenants", { headers: { ...s.headers, "x-csrf-token": s.csrf }, body: form("shared") });
      expect(wrote.status).toBe(202);
      expect((await call(one.url, "GET", "/api/v1/tenants/shared", { headers: s.headers })).status).toBe(200);

      // Only hashes are stored: neither the cookie nor the CSRF token is in the row.
      const rows = await one.rt.store.db.withTables<{ server_sessions: { key: string; principal: string; csrf_hash: string; expires_at: string } }>().selectFrom("server_sessions").selectAll().execute();
      const mine = rows.find((r) => r.key === sha256(s.sid));
      expect(mine?.csrf_hash).toBe(sha256(s.csrf));
      expect(JSON.stringify(rows)).not.toContain(s.sid);
      expect(JSON.stringify(rows)).not.toContain(s.csrf);

      expect((await call(two.url, "DELETE", "/api/v1/session", { headers: { ...s.headers, "x-csrf-token": s.csrf } })).status).toBe(200);
      expect((await call(one.url, "GET", "/api/v1/me", { headers: s.headers })).status).toBe(401);
      expect((await call(two.url, "GET", "/api/v1/me", { headers: s.headers })).status).toBe(401);
    });

    test("rotating through one replica keeps the session on the other; a token revoked elsewhere ends its sessions", async () => {
      await onboard(one, "acme");
      const s = await login(two.url, await tenantToken(p, "acme"));
      const rotated = await call(one.url, "POST", "/api/v1/tenants/acme/token", { headers: { ...s.headers, "x-csrf-token": s.csrf } });
      expect(rotated.status).toBe(201);
      const me = await call(two.url, "GET", "/api/v1/me", { headers: s.headers });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ kind: "tenant", name: "acme" });

      // Another browser of the tenant logs in with the new token; the operator's rotation revokes it.
      const newToken = (rotated.body as { token: string }).token;
      const other = await login(one.url, newToken);
      expect((await call(one.url, "POST", "/api/v1/tenants/acme/token", { token: operatorToken })).status).toBe(201);
      expect((await call(two.url, "GET", "/api/v1/tenants/acme", { headers: other.headers })).status).toBe(401);
      expect((await call(one.url, "GET", "/api/v1/tenants/acme", { headers: s.headers })).status).toBe(401);
      // A session that failed the check is gone from the store, not just refused.
      const left = await one.rt.store.db.withTables<{ server_sessions: { key: string } }>().selectFrom("server_sessions").select("key").where("key", "in", [sha256(s.sid), sha256(other.sid)]).execute();
      expect(left).toEqual([]);
    });

    test("an expired session is refused on every replica and swept at the next login", async () => {
      const s = await login(one.url, operatorToken);
      const table = one.rt.store.db.withTables<{ server_sessions: { key: string; expires_at: string } }>();
      await table.updateTable("server_sessions").set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where("key", "=", sha256(s.sid)).execute();
      expect((await call(two.url, "GET", "/api/v1/me", { headers: s.headers })).status).toBe(401);
      // A fresh replica sweeps on its first login.
      const three = await replica(p, { runWorkers: false });
      try {
        await login(three.url, operatorToken);
      } finally {
        await three.stop();
      }
      expect(await table.selectFrom("server_sessions").select("key").where("key", "=", sha256(s.sid)).execute()).toEqual([]);
    });
  });
}
