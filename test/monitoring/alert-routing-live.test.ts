/**
 * End to end with the real binaries: Prometheus scrapes series of two tenants, evaluates
 * their rendered alert rules, and sends to a real Alertmanager running the generated fleet
 * config; test webhooks stand in for each tenant and for the platform. Each tenant's
 * webhook gets only its own alerts, the platform's gets both, and the database being down
 * inhibits the app-down symptom. (`for` is set to 0s here so the test takes seconds.)
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { inlineWebhookUrlFiles } from "../../src/monitoring/alertmanager-secrets.js";
import { fleetAlertmanagerConfig } from "../../src/render/alertmanager.js";
import { renderBundle } from "../../src/render/bundle.js";
import { toYaml } from "../../src/render/serialize.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";
import { freePort, startAlertmanager, startPrometheus, type RunningPrometheus } from "../support/prometheus-server.js";

interface Received {
  receiver: string;
  alerts: { labels: Record<string, string>; status: string }[];
}

const hooks: Record<string, Received[]> = { acme: [], globex: [], platform: [] };
/** What Alertmanager posted to globex's Slack incoming webhook. */
const slack: SlackMessage[] = [];

interface SlackMessage {
  channel?: string;
  attachments: { title: string; text: string; color: string; fallback: string }[];
}
const servers: Server[] = [];
const running: RunningPrometheus[] = [];
let dir: string;
let prom: RunningPrometheus;

/** An HTTP server on a free port; the handler's answer is the response body. */
async function listen(handler: (body: string, path: string) => string): Promise<number> {
  const port = await freePort();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      res.end(handler(body, req.url ?? "/"));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return port;
}

const EXPOSITION = [
  "# TYPE cnpg_collector_up gauge",
  'cnpg_collector_up{namespace="tenant-acme",pod="db-1"} 0',
  'cnpg_collector_up{namespace="tenant-globex",pod="db-1"} 0',
  "",
].join("\n");

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-live-"));
  const hookPort = await listen((body, path) => {
    const who = path.slice(1);
    if (who.startsWith("services/")) slack.push(JSON.parse(body) as SlackMessage);
    else hooks[who]?.push(JSON.parse(body) as Received);
    return "ok";
  });
  // The scrape target: both tenants' database down.
  const targetPort = await listen(() => EXPOSITION);

  const ctx = platform();
  const tenants = fleet(ctx, [
    tenantFile("acme", { spec: { contacts: { email: "ops@acme.example.com", alertWebhookSecretRef: { name: "hook", key: "url" } } } }),
    tenantFile("globex", { spec: { contacts: { email: "ops@globex.example.com", alertWebhookSecretRef: { name: "hook", key: "url" }, slackWebhookSecretRef: { name: "slack", key: "url" } } } }),
  ]);
  for (const name of ["acme", "globex"]) {
    await mkdir(join(dir, "secrets", name, "hook"), { recursive: true });
    await writeFile(join(dir, "secrets", name, "hook", "url"), `http://127.0.0.1:${hookPort}/${name}\n`);
  }
  await writeFile(join(dir, "secrets", "platform"), `http://127.0.0.1:${hookPort}/platform\n`);
  await mkdir(join(dir, "secrets", "globex", "slack"), { recursive: true });
  await writeFile(join(dir, "secrets", "globex", "slack", "url"), `http://127.0.0.1:${hookPort}/services/T0001/B0001/globex-secret\n`);
  const { config: amConfig } = fleetAlertmanagerConfig(
    { secretsDir: join(dir, "secrets"), platform: { webhookUrlFile: join(dir, "secrets", "platform") }, groupWait: "1s", groupInterval: "1s", repeatInterval: "1h" },
    tenants,
  );
  const am = await startAlertmanager(toYaml(await inlineWebhookUrlFiles(amConfig)));
  running.push(am);

  // Every tenant's rendered rules, with `for` shortened and the app-down rule fed by a series that is there.
  const groups = tenants.flatMap((t) => {
    const rule = renderBundle(ctx.config, t).objects.find((o) => o.kind === "PrometheusRule");
    return (rule?.spec as { groups: { name: string; rules: Record<string, unknown>[] }[] }).groups.map((g) => ({
      ...g,
      rules: g.rules.map((r) => ({ ...r, for: "0s" })),
    }));
  });
  const promConfig = toYaml({
    global: { scrape_interval: "1s", evaluation_interval: "1s" },
    rule_files: ["rules.yml"],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [am.url.replace("http://", "")] }] }] },
    scrape_configs: [{ job_name: "tenants", honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${targetPort}`] }] }],
  });
  prom = await startPrometheus("", { config: promConfig, files: { "rules.yml": toYaml({ groups }) } });
  running.push(prom);
}, 60_000);

afterAll(async () => {
  for (const r of running.reverse()) await r.stop();
  for (const s of servers) await new Promise((r) => s.close(r));
  await rm(dir, { recursive: true, force: true });
});

function firing(who: string): Set<string> {
  return new Set((hooks[who] ?? []).flatMap((m) => m.alerts.filter((a) => a.status === "firing").map((a) => `${a.labels.namespace ?? "-"}/${a.labels.alertname ?? "-"}`)));
}

test("each tenant's webhook gets its own alerts only; the platform gets both; the cause inhibits its symptom", async () => {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline && !(firing("platform").size >= 2 && firing("acme").size >= 1 && firing("globex").size >= 1)) {
    await new Promise((r) => setTimeout(r, 250));
  }
  // Let any late (wrongly routed or uninhibited) notification arrive before judging.
  await new Promise((r) => setTimeout(r, 3000));
  // TenantAppDown fires too in Prometheus (no app is up in either namespace)...
  const alerts = (await (await fetch(`${prom.url}/api/v1/alerts`)).json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
  const inPrometheus = alerts.data.alerts.filter((a) => a.state === "firing").map((a) => `${a.labels.namespace ?? "-"}/${a.labels.alertname ?? "-"}`);
  expect(inPrometheus.sort()).toEqual(["tenant-acme/TenantAppDown", "tenant-acme/TenantDatabaseDown", "tenant-globex/TenantAppDown", "tenant-globex/TenantDatabaseDown"]);
  // ...but TenantDatabaseDown in the same namespace inhibits it in Alertmanager.
  expect([...firing("acme")].sort()).toEqual(["tenant-acme/TenantDatabaseDown"]);
  expect([...firing("globex")].sort()).toEqual(["tenant-globex/TenantDatabaseDown"]);
  expect([...firing("platform")].sort()).toEqual(["tenant-acme/TenantDatabaseDown", "tenant-globex/TenantDatabaseDown"]);
  expect(hooks.acme?.every((m) => m.receiver === "tenant/acme")).toBe(true);
}, 60_000);

test("a tenant with a Slack webhook gets its alerts Slack-formatted from the real Alertmanager, and only its own", async () => {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline && slack.length === 0) await new Promise((r) => setTimeout(r, 250));
  console.log(`--- Slack payload Alertmanager sent for globex:\n${JSON.stringify(slack[0], null, 2)}`);
  expect(slack.length).toBeGreaterThan(0);
  // Slack's attachment format (title, text, colour), not Alertmanager's webhook JSON.
  const first = slack[0]?.attachments[0];
  expect(first?.title).toMatch(/^\[FIRING:1\] TenantDatabaseDown/);
  expect(first?.color).toBe("danger");
  expect(first?.text).toBe("*globex's PostgreSQL is not answering*: No CloudNativePG instance in tenant-globex reports up.\n");
  const all = JSON.stringify(slack);
  expect(all).toContain("tenant-globex");
  expect(all).not.toContain("tenant-acme");
  // The inhibited symptom stays inhibited on this channel too.
  expect(all).not.toContain("TenantAppDown");
}, 60_000);
