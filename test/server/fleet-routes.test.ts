/**
 * The routes that mirror the CLI beyond tenants (diff, releases and rollouts, costs and
 * invoices, alerts and SLA) and list paging, over real HTTP on both store backends.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createRelease } from "../../src/rollout/service.js";
import { invoicesRepo } from "../../src/store/invoices-repo.js";
import { BACKENDS, useBackend } from "../store/support/backends.js";
import { call, operatorToken, project, replica, tenantToken, until, type Project, type Replica } from "./support/serve.js";

const form = (name: string) => ({ name, tier: "small", domains: [`${name}.apps.example.com`], contact: `ops@${name}.example.com` });
const NAMES = ["acme", "bravo", "charlie", "delta", "echo"];

interface Page<T> {
  items: T[];
  metadata: { continue?: string };
}
interface ErrorBody {
  error: { code: string; message: string; problems: { path: string; message: string; fix: string }[] };
}

/** Follows metadata.continue to the last page; items are read by their name, id or tenant. */
async function allPages(base: string, path: string, token: string): Promise<{ items: { name?: string; id?: string | number }[]; pages: number }> {
  const items: { name?: string; id?: string | number }[] = [];
  let next: string | undefined;
  let pages = 0;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const res = await call(base, "GET", `${path}${next !== undefined ? `${sep}continue=${encodeURIComponent(next)}` : ""}`, { token });
    expect(res.status, res.text).toBe(200);
    const page = res.body as Page<{ name?: string; id?: string | number }>;
    items.push(...page.items);
    next = page.metadata.continue;
    pages++;
  } while (next !== undefined && pages < 50);
  return { items, pages };
}

for (const backend of BACKENDS) {
  describe(`CLI-mirroring routes and paging on ${backend.name}`, () => {
    const b = useBackend(backend);
    let p: Project;
    let r: Replica;
    beforeAll(async () => {
      p = await project(b.url);
      r = await replica(p);
      for (const name of NAMES) expect((await call(r.url, "POST", "/api/v1/tenants", { token: operatorToken, body: form(name) })).status).toBe(202);
      for (const name of NAMES) await until(`${name} Ready`, async () => (((await call(r.url, "GET", `/api/v1/tenants/${name}`, { token: operatorToken })).body as { phase?: string }).phase === "Ready" ? true : undefined), 60_000);
    }, 120_000);
    afterAll(async () => {
      await r.stop();
    });

    test("tenant list: pages of `limit` by name, a cursor to the next, filters in the query", async () => {
      const first = (await call(r.url, "GET", "/api/v1/tenants?limit=2", { token: operatorToken })).body as Page<{ name: string }>;
      expect(first.items.map((t) => t.name)).toEqual(["acme", "bravo"]);
      expect(first.metadata.continue).toEqual(expect.any(String));
      const walked = await allPages(r.url, "/api/v1/tenants?limit=2", operatorToken);
      expect(walked.items.map((t) => t.name)).toEqual(NAMES);
      expect(walked.pages).toBe(3);
      // Exactly a page's worth: no cursor to an empty page.
      expect(((await call(r.url, "GET", "/api/v1/tenants?limit=5", { token: operatorToken })).body as Page<unknown>).metadata).toEqual({});
      const text = (await call(r.url, "GET", "/api/v1/tenants?q=CHARLIE.apps", { token: operatorToken })).body as Page<{ name: string }>;
      expect(text.items.map((t) => t.name)).toEqual(["charlie"]);
      // LIKE's wildcards are taken literally.
      expect(((await call(r.url, "GET", "/api/v1/tenants?q=%25", { token: operatorToken })).body as Page<unknown>).items).toEqual([]);
      expect(((await call(r.url, "GET", "/api/v1/tenants?phase=Failed", { token: operatorToken })).body as Page<unknown>).items).toEqual([]);
      const bad = await call(r.url, "GET", "/api/v1/tenants?continue=bm9wZQ", { token: operatorToken });
      expect(bad.status).toBe(400);
      expect((bad.body as ErrorBody).error.problems[0]).toMatchObject({ path: "query.continue" });
      const over = await call(r.url, "GET", "/api/v1/tenants?limit=501", { token: operatorToken });
      expect(over.status).toBe(400);
      // A tenant user pages through itself only, whatever the cursor says.
      const acme = await tenantToken(p, "acme");
      const own = (await call(r.url, "GET", `/api/v1/tenants?continue=${first.metadata.continue ?? ""}`, { token: acme })).body as Page<{ name: string }>;
      expect(own.items).toEqual([]);
      expect(((await call(r.url, "GET", "/api/v1/tenants", { token: acme })).body as Page<{ name: string }>).items.map((t) => t.name)).toEqual(["acme"]);
    });

    test("workflows and audit page the same way, oldest first", async () => {
      const all = (await call(r.url, "GET", "/api/v1/workflows?limit=500", { token: operatorToken })).body as Page<{ id: string; created: string }>;
      const walked = await allPages(r.url, "/api/v1/workflows?limit=2", operatorToken);
      expect(walked.items.map((w) => w.id)).toEqual(all.items.map((w) => w.id));
      expect(walked.items.length).toBeGreaterThanOrEqual(NAMES.length);
      const one = (await call(r.url, "GET", "/api/v1/workflows?tenant=delta&status=Succeeded", { token: operatorToken })).body as Page<{ tenant: string }>;
      expect(one.items.map((w) => w.tenant)).toEqual(["delta"]);
      const audit = await allPages(r.url, "/api/v1/audit?limit=3", operatorToken);
      const ids = audit.items.map((a) => Number(a.id));
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(new Set(ids).size).toBe(ids.length);
      expect(audit.pages).toBeGreaterThan(1);
    });

    test("diff: nothing after onboarding; a hand edit of a delivered object shows as its patch", async () => {
      const clean = await call(r.url, "GET", "/api/v1/tenants/bravo/diff", { token: operatorToken });
      expect(clean.status, clean.text).toBe(200);
      expect(clean.body).toMatchObject({ tenant: "bravo", method: "render", differences: 0, patches: [] });
      // The directory delivery's manifest: change a host name by hand.
      const file = (await findFiles(p.dir, "bravo")).find((f) => f.path.endsWith("/bravo/kubernetes.yaml"));
      expect(file, "bravo's delivered kubernetes.yaml").toBeDefined();
      const text = file?.text ?? "";
      expect(text).toContain("bravo.apps.example.com");
      await writeFile(file?.path ?? "", text.replace("bravo.apps.example.com", "edited-by-hand.example.com"));
      const drift = (await call(r.url, "GET", "/api/v1/tenants/bravo/diff", { token: await tenantToken(p, "bravo") })).body as { differences: number; patches: string[] };
      expect(drift.differences).toBe(1);
      expect(drift.patches[0]).toMatch(/^-.*edited-by-hand\.example\.com/m);
      expect(drift.patches[0]).toMatch(/^\+.*bravo\.apps\.example\.com/m);
      await writeFile(file?.path ?? "", text);
      expect(((await call(r.url, "GET", "/api/v1/tenants/bravo/diff", { token: operatorToken })).body as { differences: number }).differences).toBe(0);
      expect((await call(r.url, "GET", "/api/v1/tenants/nobody/diff", { token: operatorToken })).status).toBe(404);
    });

    test("releases and rollouts: dry-run plan, start on a replica without workers (the leader runs it), status, and control", async () => {
      await createRelease(r.rt.store, { version: "2.0.0" }, "test", new Date());
      const releases = (await call(r.url, "GET", "/api/v1/releases", { token: operatorToken })).body as Page<{ version: string }>;
      expect(releases.items.map((x) => x.version)).toEqual(["2.0.0"]);
      const plan = await call(r.url, "POST", "/api/v1/rollouts", { token: operatorToken, body: { version: "2.0.0", dryRun: true } });
      expect(plan.status, plan.text).toBe(200);
      const waves = (plan.body as { plan: { waves: { tenants: string[] }[] } }).plan.waves;
      expect(waves.flatMap((w) => w.tenants).sort()).toEqual(NAMES);
      expect((await call(r.url, "GET", "/api/v1/rollouts", { token: operatorToken })).body).toEqual({ items: [] });
      // Sent to a replica that runs no workers: the rollout is a workflow the leader (r) picks up.
      const api = await replica(p, { runWorkers: false });
      let started: Awaited<ReturnType<typeof call>>;
      try {
        started = await call(api.url, "POST", "/api/v1/rollouts", { token: operatorToken, body: { version: "2.0.0" } });
      } finally {
        await api.stop();
      }
      expect(started.status, started.text).toBe(202);
      const id = (started.body as { rollout: { id: string }; running: boolean }).rollout.id;
      expect((started.body as { running: boolean }).running).toBe(true);
      const done = await until("rollout finished", async () => {
        const s = (await call(r.url, "GET", `/api/v1/rollouts/${id}`, { token: operatorToken })).body as { state: string };
        return s.state === "Running" ? undefined : s;
      }, 90_000);
      const detail = (await call(r.url, "GET", `/api/v1/rollouts/${id}`, { token: operatorToken })).body as { state: string; targets: { tenant: string; state: string }[]; events: unknown[] };
      expect(detail.state, JSON.stringify(done)).toBe("Succeeded");
      expect(detail.targets.map((t) => t.state)).toEqual(NAMES.map(() => "done"));
      expect(detail.events.length).toBeGreaterThan(0);
      const pause = await call(r.url, "POST", `/api/v1/rollouts/${id}/pause`, { token: operatorToken });
      expect(pause.status).toBeGreaterThanOrEqual(400);
      expect((pause.body as ErrorBody).error.code).not.toBe("internal");
      expect((await call(r.url, "GET", "/api/v1/rollouts/ro-nope", { token: operatorToken })).status).toBe(404);
    }, 120_000);

    test("costs need a usage source; invoices are the stored documents, PDF on request", async () => {
      const noSource = await call(r.url, "GET", "/api/v1/tenants/acme/costs?month=2026-10", { token: operatorToken });
      expect(noSource.status, noSource.text).toBe(409);
      expect((noSource.body as ErrorBody).error.problems[0]).toMatchObject({ path: "integrations.monitoring.prometheus.url" });
      expect((noSource.body as ErrorBody).error.problems[0]?.fix).toContain("prometheus.url");
      expect((await call(r.url, "GET", "/api/v1/costs?month=2026-13", { token: operatorToken })).status).toBe(400);
      const inv = await invoicesRepo(r.rt.store.db).issue({ tenantName: "acme", month: "2026-10", currency: "EUR", lines: [{ description: "Base fee", amountMinor: 12_345n }], now: new Date() });
      const acme = await tenantToken(p, "acme");
      const list = (await call(r.url, "GET", "/api/v1/tenants/acme/invoices", { token: acme })).body as Page<{ number: string; total: string }>;
      expect(list.items).toEqual([expect.objectContaining({ number: inv.number, totalMinor: 12_345 })]);
      expect((await call(r.url, "GET", `/api/v1/tenants/acme/invoices/${inv.number}`, { token: acme })).body).toMatchObject({ number: inv.number, tenant: "acme", lines: [{ description: "Base fee", amountMinor: 12_345 }] });
      const pdf = await fetch(`${r.url}/api/v1/tenants/acme/invoices/${inv.number}?format=pdf`, { headers: { authorization: `Bearer ${acme}` } });
      expect(pdf.status).toBe(200);
      expect(pdf.headers.get("content-type")).toBe("application/pdf");
      expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-");
      // The same number under another tenant's path is absent.
      expect((await call(r.url, "GET", `/api/v1/tenants/bravo/invoices/${inv.number}`, { token: operatorToken })).status).toBe(404);
    });

    test("alerts: the rules as rendered, and what is not configured said in notes; SLA needs Prometheus", async () => {
      const res = await call(r.url, "GET", "/api/v1/tenants/echo/alerts", { token: await tenantToken(p, "echo") });
      expect(res.status, res.text).toBe(200);
      const body = res.body as { tenant: string; rules: { name?: string; rules?: { alert?: string }[] }[]; firing: unknown; notes: string[] };
      expect(body.tenant).toBe("echo");
      expect(body.rules.flatMap((g) => g.rules ?? []).map((x) => x.alert)).toContain("TenantAppDown");
      expect(body.firing).toBeNull();
      expect(body.notes.join("\n")).toMatch(/prometheus/i);
      const sla = await call(r.url, "GET", "/api/v1/tenants/echo/sla?month=2026-10", { token: operatorToken });
      expect(sla.status).toBe(409);
      expect((sla.body as ErrorBody).error.problems[0]?.fix).toContain("integrations.monitoring.prometheus.url");
    });

    test("the OpenAPI document describes every new route with its parameters", async () => {
      const doc = (await call(r.url, "GET", "/openapi.json")).body as { paths: Record<string, Record<string, { parameters: { name: string; in: string }[] }>> };
      for (const path of ["/api/v1/tenants/{name}/diff", "/api/v1/releases", "/api/v1/rollouts", "/api/v1/rollouts/{id}", "/api/v1/rollouts/{id}/pause", "/api/v1/costs", "/api/v1/tenants/{name}/costs", "/api/v1/tenants/{name}/invoices", "/api/v1/tenants/{name}/invoices/{id}", "/api/v1/tenants/{name}/alerts", "/api/v1/tenants/{name}/sla"]) {
        expect(doc.paths[path], path).toBeDefined();
      }
      const list = doc.paths["/api/v1/tenants"]?.get?.parameters.map((x) => x.name);
      expect(list).toEqual(expect.arrayContaining(["limit", "continue", "phase", "q"]));
    });
  });
}

/** Files under the project holding a tenant's delivered objects. */
async function findFiles(dir: string, tenant: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const path = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== ".landlord" || d === dir) await walk(path);
      } else if (path.includes(`/${tenant}/`) && /\.ya?ml$/.test(e.name)) out.push({ path, text: await readFile(path, "utf8") });
    }
  };
  await walk(dir);
  return out;
}
