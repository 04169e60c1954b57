/**
 * GET /api/v1/tenants/:name/usage and the SLA's days over real HTTP, on both store
 * backends, against a real Prometheus backfilled with acme's and globex's series
 * (test/support/usage-fixture.ts): the values are the ones written, a tenant reaches its
 * own usage only, and without Prometheus the answer is 409 naming the setting to fix.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS, useBackend } from "../store/support/backends.js";
import { startPrometheus, type RunningPrometheus } from "../support/prometheus-server.js";
import { afterData, configurePrometheus, DAY, expectedDay, expectedPoint, usageFixture } from "../support/usage-fixture.js";
import { call, operatorToken, project, replica, tenantToken, until, type Project, type Replica } from "./support/serve.js";

const form = (name: string) => ({ name, tier: "small", domains: [`${name}.apps.example.com`], contact: `ops@${name}.example.com` });

interface ErrorBody {
  error: { code: string; message: string; problems: { path: string; message: string; fix: string }[] };
}
interface UsageBody {
  tenant: string;
  window: string;
  start: number;
  end: number;
  stepSeconds: number;
  rangeSeconds: number;
  series: { id: string; unit: string; query: string | null; points: { at: number; value: number }[]; error: string | null }[];
  notes: string[];
}
interface SlaBody {
  requests: number;
  failed: number;
  availability: number | null;
  days: { date: string; requests: number; failed: number; availability: number | null }[];
}

const now = Date.now() / 1000;
const f = usageFixture(now);
let prom: RunningPrometheus;
beforeAll(async () => {
  prom = await startPrometheus(f.openMetrics);
}, 120_000);
afterAll(async () => {
  await prom.stop();
});

async function onboard(r: Replica, names: string[]): Promise<void> {
  for (const name of names) expect((await call(r.url, "POST", "/api/v1/tenants", { token: operatorToken, body: form(name) })).status).toBe(202);
  for (const name of names) await until(`${name} Ready`, async () => (((await call(r.url, "GET", `/api/v1/tenants/${name}`, { token: operatorToken })).body as { phase?: string }).phase === "Ready" ? true : undefined), 60_000);
}

/** Every point the fixture can vouch for equals it; none is after the data stopped. */
function expectWritten(body: UsageBody, ns: "tenant-acme" | "tenant-globex"): void {
  expect(body.series.map((s) => s.id)).toEqual(["cpu", "memory", "requests", "errors"]);
  for (const s of body.series) {
    expect(s.error).toBeNull();
    expect(s.query).toContain(`namespace="${ns}"`);
    let checked = 0;
    for (const p of s.points) {
      expect(afterData(f, p.at, body.rangeSeconds)).toBe(false);
      const want = expectedPoint(f, ns, s.id, p.at, body.rangeSeconds);
      if (want === null) continue;
      expect(p.value, `${ns} ${s.id} at ${String(p.at)}`).toBeCloseTo(want, 6);
      checked++;
    }
    expect(checked, `${ns} ${s.id}`).toBeGreaterThan(s.points.length * 0.6);
  }
}

for (const backend of BACKENDS) {
  describe(`usage and SLA days over HTTP on ${backend.name}`, () => {
    const b = useBackend(backend);
    let p: Project;
    let r: Replica;
    beforeAll(async () => {
      p = await project(b.url);
      await configurePrometheus(p.dir, prom.url);
      r = await replica(p);
      await onboard(r, ["acme", "globex", "bravo"]);
    }, 120_000);
    afterAll(async () => {
      await r.stop();
    });

    test("each tenant's usage is what was written for its namespace, for every window", async () => {
      const acme = await tenantToken(p, "acme");
      for (const window of ["24h", "7d", "30d"]) {
        const own = await call(r.url, "GET", `/api/v1/tenants/acme/usage?window=${window}`, { token: acme });
        expect(own.status, own.text).toBe(200);
        const body = own.body as UsageBody;
        expect(body).toMatchObject({ tenant: "acme", window, notes: [] });
        expect((body.end - body.start) / body.stepSeconds + 1).toBeLessThanOrEqual(200);
        expectWritten(body, "tenant-acme");
        const globex = await call(r.url, "GET", `/api/v1/tenants/globex/usage?window=${window}`, { token: operatorToken });
        expect(globex.status, globex.text).toBe(200);
        expectWritten(globex.body as UsageBody, "tenant-globex");
      }
      // Without a window: the last 24 hours.
      expect(((await call(r.url, "GET", "/api/v1/tenants/acme/usage", { token: acme })).body as UsageBody).window).toBe("24h");
    }, 60_000);

    test("a tenant without series gets empty series (no data), not zeros", async () => {
      const res = await call(r.url, "GET", "/api/v1/tenants/bravo/usage?window=7d", { token: await tenantToken(p, "bravo") });
      expect(res.status, res.text).toBe(200);
      expect((res.body as UsageBody).series.map((s) => [s.id, s.points, s.error])).toEqual([["cpu", [], null], ["memory", [], null], ["requests", [], null], ["errors", [], null]]);
    });

    test("acme's token cannot read globex's usage, and a bad window names the field and the fix", async () => {
      const acme = await tenantToken(p, "acme");
      for (const url of ["/api/v1/tenants/globex/usage", "/api/v1/tenants/globex/usage?window=30d"]) {
        const res = await call(r.url, "GET", url, { token: acme });
        // As every scoped route answers: another tenant does not exist for this token.
        expect(res.status, url).toBe(404);
        // Nothing of globex's numbers: 2 cores, 1 GiB.
        expect(res.text).not.toMatch(/tenant-globex|1073741824/);
      }
      const bad = await call(r.url, "GET", "/api/v1/tenants/acme/usage?window=1y", { token: acme });
      expect(bad.status).toBe(400);
      const problem = (bad.body as ErrorBody).error.problems[0];
      expect(problem?.path).toBe("query.window");
      expect(`${problem?.message ?? ""} ${problem?.fix ?? ""}`).toMatch(/24h.*7d.*30d/);
      expect((await call(r.url, "GET", "/api/v1/tenants/nobody/usage", { token: operatorToken })).status).toBe(404);
    });

    test("the SLA lists every day of the month; acme's bad day is below the promise; the month is their sum", async () => {
      const month = new Date(f.outage.from * 1000).toISOString().slice(0, 7);
      const badDate = new Date(f.outage.from * 1000).toISOString().slice(0, 10);
      const res = await call(r.url, "GET", `/api/v1/tenants/acme/sla?month=${month}`, { token: await tenantToken(p, "acme") });
      expect(res.status, res.text).toBe(200);
      const sla = res.body as SlaBody;
      const start = Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1, 1) / 1000;
      expect(sla.days.map((d) => d.date)).toEqual(sla.days.map((_, i) => new Date((start + i * DAY) * 1000).toISOString().slice(0, 10)));
      expect(sla.days.length).toBeGreaterThanOrEqual(28);
      expect(sla.requests).toBeCloseTo(sla.days.reduce((a, d) => a + d.requests, 0), 6);
      expect(sla.failed).toBeCloseTo(sla.days.reduce((a, d) => a + d.failed, 0), 6);
      for (const [i, d] of sla.days.entries()) {
        const want = expectedDay(f, "tenant-acme", start + i * DAY);
        if (want === null) continue;
        if (want.requests === 0) expect(d.availability, d.date).toBeNull();
        else expect(d.availability, d.date).toBeCloseTo(100 * (1 - want.failed / want.requests), 2);
      }
      expect(sla.days.find((d) => d.date === badDate)?.availability).toBeCloseTo(80, 2);
      // Another tenant's SLA stays out of reach.
      expect((await call(r.url, "GET", `/api/v1/tenants/globex/sla?month=${month}`, { token: await tenantToken(p, "acme") })).status).toBe(404);
    });

    test("the OpenAPI document has the usage route, scoped, with its window", async () => {
      const doc = (await call(r.url, "GET", "/openapi.json")).body as { paths: Record<string, Record<string, { parameters: { name: string; in: string }[]; "x-landlord-access": string }>> };
      const op = doc.paths["/api/v1/tenants/{name}/usage"]?.get;
      expect(op?.["x-landlord-access"]).toBe("scoped");
      expect(op?.parameters.map((x) => `${x.in}:${x.name}`)).toEqual(["path:name", "query:window"]);
    });
  });

  describe(`usage without Prometheus on ${backend.name}`, () => {
    const b = useBackend(backend);
    let p: Project;
    let r: Replica;
    beforeAll(async () => {
      p = await project(b.url);
      r = await replica(p);
      await onboard(r, ["acme", "globex"]);
    }, 120_000);
    afterAll(async () => {
      await r.stop();
    });

    test("409 not-configured naming integrations.monitoring.prometheus.url; another tenant's is still 404", async () => {
      const acme = await tenantToken(p, "acme");
      const res = await call(r.url, "GET", "/api/v1/tenants/acme/usage?window=7d", { token: acme });
      expect(res.status, res.text).toBe(409);
      const err = (res.body as ErrorBody).error;
      expect(err.code).toBe("not-configured");
      expect(err.problems[0]).toMatchObject({ path: "integrations.monitoring.prometheus.url" });
      expect(err.problems[0]?.fix).toMatch(/set integrations\.monitoring\.prometheus\.url in landlord\.yaml/);
      expect((await call(r.url, "GET", "/api/v1/tenants/globex/usage?window=7d", { token: acme })).status).toBe(404);
    });
  });
}
