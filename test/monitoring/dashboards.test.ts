/**
 * Tenant dashboards: the structure Grafana needs, no variable a viewer could change, and
 * every PromQL target already fenced to the tenant (it passes the fence of
 * src/spec/scope-promql.ts as is, and names no other namespace), valid for lezer-promql
 * and for the real promtool. No package with Grafana's dashboard JSON schema is installed,
 * so the structure is checked here field by field (see ADR 0009).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, test } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { checkRules } from "../../src/delivery/monitoring/promtool.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { assertScoped, scopeQuery } from "../../src/spec/scope-promql.js";
import { unreachableTenantReceivers } from "../../src/render/alertmanager.js";
import { lokiAgentStages, lokiDatasourceUid, tenantDashboard, tenantLokiDatasource, type Dashboard } from "../../src/render/dashboards.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";

const TIER_ANCHOR = "    description: Shared nodes, one database instance.\n    isolation: namespace\n";
const MONITORING_ANCHOR = "  monitoring:\n    namespace: monitoring\n";
const LOKI = "    loki: { url: http://loki-gateway.monitoring }\n";

function platformText(o: { slo?: boolean; loki?: boolean } = {}): string {
  let text = PLATFORM_TEMPLATE;
  expect(text).toContain(TIER_ANCHOR);
  expect(text).toContain(MONITORING_ANCHOR);
  if (o.slo === true) text = text.replace(TIER_ANCHOR, `${TIER_ANCHOR}    slo: { availability: 99.9, latency: { thresholdSeconds: 0.5, objective: 99 } }\n`);
  if (o.loki === true) text = text.replace(MONITORING_ANCHOR, `${MONITORING_ANCHOR}${LOKI}`);
  return text;
}

function render(tier: string, o: { slo?: boolean; loki?: boolean } = {}) {
  const ctx = platform(platformText(o));
  const tenants = fleet(ctx, [tenantFile("acme", { tier }), tenantFile("globex", { tier })]);
  const [acme, globex] = tenants;
  if (!acme || !globex) throw new Error("no tenants");
  return { ctx, acme, globex, tenants, dashboard: tenantDashboard(ctx.config, acme) };
}

const promTargets = (d: Dashboard) => d.panels.filter((p) => p.datasource.type === "prometheus").flatMap((p) => p.targets);

const CASES: [string, { slo?: boolean; loki?: boolean }][] = [
  ["small", {}],
  ["medium", {}],
  ["large", {}],
  ["small", { slo: true, loki: true }],
];

describe.each(CASES)("the %s tier's dashboard %o", (tier, o) => {
  const { acme, globex, dashboard } = render(tier, o);
  const ns = acme.names.namespace;

  test("has the structure Grafana imports: uid, schemaVersion, unique panel ids inside the 24-column grid", () => {
    expect(dashboard.uid).toBe("acme");
    expect(dashboard.uid.length).toBeLessThanOrEqual(40);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.editable).toBe(false);
    expect(dashboard.tags).toEqual(expect.arrayContaining([`tenant:acme`, `tier:${tier}`]));
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      expect(p.gridPos.w).toBeGreaterThan(0);
      expect(p.gridPos.h).toBeGreaterThan(0);
      expect(["timeseries", "stat", "logs"]).toContain(p.type);
      expect(p.targets.length).toBeGreaterThan(0);
      const refs = p.targets.map((t) => t.refId);
      expect(new Set(refs).size).toBe(refs.length);
      for (const t of p.targets) expect(t.datasource).toEqual(p.datasource);
    }
    // Panels do not overlap: no two share a cell of the grid.
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
    // A JSON round trip keeps it whole: nothing undefined, no functions.
    expect(JSON.parse(JSON.stringify(dashboard))).toEqual(dashboard);
  });

  test("has no variable a viewer could change, and no Grafana macro in a query", () => {
    expect(dashboard.templating.list).toEqual([]);
    for (const p of dashboard.panels) for (const t of p.targets) expect(t.expr).not.toContain("$");
  });

  test("every PromQL target is already fenced to the tenant's namespace and passes the fence", () => {
    const targets = promTargets(dashboard);
    expect(targets.length).toBeGreaterThan(5);
    for (const t of targets) {
      expect(() => { assertScoped(t.expr, ns); }, t.expr).not.toThrow();
      expect(() => scopeQuery(t.expr, ns), t.expr).not.toThrow();
      // The same query is refused when the fence is another tenant's: the namespace is fixed in it.
      expect(() => scopeQuery(t.expr, globex.names.namespace), t.expr).toThrow(/may only read namespace/);
    }
    expect(JSON.stringify(dashboard)).not.toContain(globex.names.namespace);
  });

  test("every PromQL target parses with lezer-promql without an error node", () => {
    for (const t of promTargets(dashboard)) {
      let errors = 0;
      parser.parse(t.expr).iterate({
        enter: (n) => {
          if (n.type.isError) errors++;
        },
      });
      expect(errors, t.expr).toBe(0);
    }
  });

  test("every PromQL target is accepted by the real promtool", async () => {
    const rules = promTargets(dashboard).map((t, i) => ({ record: `landlord:dashboard_check:${i}`, expr: t.expr }));
    const result = await checkRules([{ name: "dashboard", rules }]);
    expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.ok).toBe(true);
  });
});

describe("tier-dependent panels", () => {
  test("a tier with SLOs adds burn-rate panels for each objective on the recorded ratios; one without has none", () => {
    const plain = render("small").dashboard;
    const withSlo = render("small", { slo: true }).dashboard;
    expect(plain.panels.some((p) => /burn rate/.test(p.title))).toBe(false);
    const burns = withSlo.panels.filter((p) => /burn rate/.test(p.title)).map((p) => p.title);
    expect(burns).toEqual(["availability error budget burn rate", "latency error budget burn rate"]);
    const availability = withSlo.panels.find((p) => p.title.startsWith("availability"));
    expect(availability?.targets.map((t) => t.expr)).toContain('landlord:slo_errors:ratio_rate1h{namespace="tenant-acme", slo="availability"} / 0.001');
  });
});

describe("Loki tenancy", () => {
  test("the tenant's datasource sends its own org, fixed in secureJsonData; the logs panel uses it", () => {
    const { ctx, acme, dashboard } = render("small", { loki: true });
    const ds = tenantLokiDatasource(ctx.config, acme);
    expect(ds).toEqual({
      apiVersion: 1,
      datasources: [
        {
          name: "Logs",
          uid: lokiDatasourceUid("acme"),
          type: "loki",
          access: "proxy",
          url: "http://loki-gateway.monitoring",
          editable: false,
          jsonData: { httpHeaderName1: "X-Scope-OrgID" },
          secureJsonData: { httpHeaderValue1: "acme" },
        },
      ],
    });
    const logs = dashboard.panels.find((p) => p.type === "logs");
    expect(logs?.datasource).toEqual({ type: "loki", uid: lokiDatasourceUid("acme") });
    expect(logs?.targets[0]?.expr).toBe('{namespace="tenant-acme"}');
    expect(lokiDatasourceUid("a".repeat(40)).length).toBeLessThanOrEqual(40);
  });

  test("without loki there is no datasource and no logs panel", () => {
    const { ctx, acme, dashboard } = render("small");
    expect(tenantLokiDatasource(ctx.config, acme)).toBeUndefined();
    expect(dashboard.panels.some((p) => p.type === "logs")).toBe(false);
  });

  test("the log agent maps each namespace (never a pod label) to its tenant's org, the rest to the platform", () => {
    const { tenants } = render("small", { loki: true });
    expect(lokiAgentStages(tenants)).toEqual([
      { tenant: { value: "platform" } },
      { match: { selector: '{namespace="tenant-acme"}', stages: [{ tenant: { value: "acme" } }] } },
      { match: { selector: '{namespace="tenant-globex"}', stages: [{ tenant: { value: "globex" } }] } },
    ]);
  });

  test("a Loki URL with credentials is refused at load", () => {
    expect(() => platform(platformText().replace(MONITORING_ANCHOR, `${MONITORING_ANCHOR}    loki: { url: "http://u:p@loki" }\n`))).toThrow(/must not carry credentials/);
  });
});

async function workspace(extra: string): Promise<{ dir: string; io: CliIo; out: () => { stdout: string; stderr: string } }> {
  const dir = await mkdtemp(join(tmpdir(), "landlord-dash-"));
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env: {} };
  expect(await run(["init"], io)).toBe(0);
  const file = join(dir, "landlord.yaml");
  const text = await readFile(file, "utf8");
  expect(text).toContain(MONITORING_ANCHOR);
  await writeFile(file, text.replace(MONITORING_ANCHOR, `${MONITORING_ANCHOR}${extra}`));
  stdout = "";
  stderr = "";
  return { dir, io, out: () => ({ stdout, stderr }) };
}

describe("landlord dashboards", () => {
  test("prints the tenant's dashboard, datasource and the log agent's stages as JSON", async () => {
    const ws = await workspace(LOKI);
    try {
      expect(await run(["dashboards", "acme", "-o", "json"], ws.io)).toBe(0);
      const doc = JSON.parse(ws.out().stdout) as { tenants: { tenant: string; dashboard: Dashboard; datasources: unknown }[]; logAgent?: unknown };
      expect(doc.tenants.map((t) => t.tenant)).toEqual(["acme"]);
      expect(doc.tenants[0]?.dashboard.uid).toBe("acme");
      expect(doc.tenants[0]?.datasources).toBeDefined();
      // The fleet-wide agent stages are printed only for the whole fleet.
      expect(doc.logAgent).toBeUndefined();
      expect(await run(["dashboards", "nope"], ws.io)).toBe(1);
      expect(ws.out().stderr).toContain("tenant 'nope' not found");
      expect(await run(["dashboards", "-o", "yaml"], ws.io)).toBe(0);
      expect(ws.out().stdout).toMatch(/logAgent:\n\s+pipeline_stages:/);
    } finally {
      await rm(ws.dir, { recursive: true, force: true });
    }
  });
});

describe("landlord validate: a tenant alert receiver that reaches no one", () => {
  test("warns when the fleet Alertmanager has no SMTP and the tenant no webhook", async () => {
    const ws = await workspace("    alertmanager: { secretsDir: /etc/alertmanager/tenants, platform: { webhookUrlFile: /etc/alertmanager/platform-url } }\n");
    try {
      expect(await run(["validate"], ws.io)).toBe(0);
      expect(ws.out().stderr).toMatch(/^warning: alerts of acme reach no one \(no alertWebhookSecretRef, and no integrations\.monitoring\.alertmanager\.smtp/m);
    } finally {
      await rm(ws.dir, { recursive: true, force: true });
    }
  });

  test("is quiet with SMTP, or with a webhook, or without a fleet Alertmanager", () => {
    const ctx = platform();
    const tenants = fleet(ctx, [tenantFile("acme"), tenantFile("globex", { spec: { contacts: { email: "ops@globex.example.com", alertWebhookSecretRef: { name: "pager", key: "url" } } } })]);
    const am = { secretsDir: "/s", platform: { email: "p@example.com" }, groupWait: "30s", groupInterval: "5m", repeatInterval: "4h" };
    expect(unreachableTenantReceivers(am, tenants)).toEqual(["acme"]);
    expect(unreachableTenantReceivers({ ...am, smtp: { smarthost: "smtp.example.com:587", from: "a@example.com" } }, tenants)).toEqual([]);
    expect(unreachableTenantReceivers(undefined, tenants)).toEqual([]);
  });
});
