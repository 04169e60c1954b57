/**
 * An operator's notices from the CLI (planned maintenance to named tenants, an incident to
 * all), delivered through a real SMTP server and a Slack-compatible webhook, retried after a
 * failure by `landlord notices deliver`; and each tenant's public status page on a real
 * `landlord serve`, showing only its own state and notices, and only when it opted in.
 */
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { stringify } from "yaml";
import { runLandlord } from "../support/cli.js";
import { tenantDoc } from "../support/fixtures.js";
import { call, project, replica, type Project, type Replica } from "../server/support/serve.js";
import { startReceivers, type Receivers } from "./support/receivers.js";

let rx: Receivers;
let p: Project;

const landlord = (...argv: string[]) => runLandlord(p.dir, argv, p.env);

beforeAll(async () => {
  rx = await startReceivers();
  p = await project();
  const secretsDir = join(p.dir, "tenant-secrets");
  await appendFile(join(p.dir, "landlord.yaml"), `\n${stringify({ notices: { smtp: { smarthost: `127.0.0.1:${String(rx.smtpPort)}`, from: "noreply@landlord.example.com", requireTls: false }, secretsDir, platformName: "Acme Cloud", allowHttpWebhooks: true } })}`);
  await mkdir(join(secretsDir, "hooli", "slack"), { recursive: true });
  await writeFile(join(secretsDir, "hooli", "slack", "url"), rx.webhookUrl("hooli"));
  const docs = [
    tenantDoc("hooli", { spec: { contacts: { email: "ops@hooli.example.com", slackWebhookSecretRef: { name: "slack", key: "url" }, statusPage: true }, maintenanceWindow: { days: ["sun"], start: "02:00", durationMinutes: 60, timezone: "UTC" } } }),
    tenantDoc("initech", { spec: { contacts: { email: "ops@initech.example.com", optOut: ["maintenance"] } } }),
    tenantDoc("umbrella", {}),
  ];
  for (const doc of docs) {
    const file = join(p.dir, `${(doc.metadata as { name: string }).name}.yaml`);
    await writeFile(file, stringify(doc));
    const r = await landlord("onboard", "-f", file);
    expect(r.code, r.stderr).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  await rx.stop();
});

describe("landlord notices", () => {
  test("planned maintenance reaches the named tenants by email and webhook; a tenant that opted out of maintenance notices is not sent one", async () => {
    const r = await landlord("notices", "send", "hooli", "initech", "--kind", "maintenance", "--message", "We upgrade the database servers.", "--starts-at", "2026-12-20T02:00:00Z", "--ends-at", "2026-12-20T03:00:00Z");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("maintenance notice queued for 2 tenants (2 messages): 2 sent, 0 failed now\n");
    // The two channels go out independently: in either order.
    const hooli = rx.received.filter((m) => m.to.includes("hooli")).sort((a, b) => a.channel.localeCompare(b.channel));
    expect(hooli.map((m) => [m.channel, m.subject])).toEqual([
      ["email", "Acme Cloud: planned maintenance of hooli Inc on 2026-12-20T02:00:00Z"],
      ["webhook", "Acme Cloud: planned maintenance of hooli Inc on 2026-12-20T02:00:00Z"],
    ]);
    expect(hooli[0]?.text).toBe("We upgrade the database servers.\nFrom 2026-12-20T02:00:00Z to 2026-12-20T03:00:00Z.");
    expect(rx.received.filter((m) => m.to.includes("initech"))).toEqual([]);
  });

  test("an incident reaches every tenant, opted out or not; a webhook that fails stays pending until `notices deliver` sends it", async () => {
    const before = rx.received.length;
    rx.failNext(500, 1);
    const r = await landlord("notices", "send", "--all", "--kind", "incident", "--message", "Logins are slow; we are on it.");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("landlord notices deliver");
    const now = rx.received.slice(before);
    expect(now.filter((m) => m.channel === "email").map((m) => m.to).sort()).toEqual(["ops@hooli.example.com", "ops@initech.example.com", "ops@umbrella.example.com"]);
    expect(now.filter((m) => m.channel === "webhook")).toEqual([]);
    const pending = JSON.parse((await landlord("notices", "list", "--state", "pending", "-o", "json")).stdout) as { notices: { tenant: string; channel: string; attempts: number; lastError: string }[] };
    expect(pending.notices).toEqual([expect.objectContaining({ tenant: "hooli", channel: "slack", attempts: 1, lastError: "webhook answered 500" })]);
    // Not due yet (the retry waits 30 s): a deliver pass now sends nothing...
    expect((await landlord("notices", "deliver")).stdout).toBe("0 notices sent, 0 failed\n");
    expect(JSON.stringify(pending)).not.toContain(rx.webhookUrl("hooli"));
  });

  test("bad input names the field and writes nothing", async () => {
    const count = (await landlord("notices", "list", "-o", "json")).stdout;
    const r = await landlord("notices", "send", "nobody", "--kind", "maintenance", "--message", "x");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("tenant 'nobody' not found");
    const t = await landlord("notices", "send", "hooli", "--kind", "maintenance", "--message", "x", "--starts-at", "tomorrow");
    expect(t.stderr).toContain("--starts-at");
    expect((await landlord("notices", "list", "-o", "json")).stdout).toBe(count);
  });

  describe("status pages on landlord serve", () => {
    let r: Replica;
    beforeAll(async () => {
      r = await replica(p);
    });
    afterAll(async () => {
      await r.stop();
    });

    test("an opted-in tenant's page shows its state, next window and its own notices; others answer 404 like an unknown name", async () => {
      const json = await call(r.url, "GET", "/api/v1/status-pages/hooli");
      expect(json.status).toBe(200);
      const page = json.body as { name: string; state: string; nextMaintenance: { opensAt: string } | null; notices: { kind: string; subject: string }[] };
      expect(page).toMatchObject({ name: "hooli", state: "operational", nextMaintenance: { durationMinutes: 60 } });
      expect(new Date(page.nextMaintenance?.opensAt ?? "").getUTCDay()).toBe(0);
      expect(page.notices.map((n) => n.kind)).toEqual(["incident", "maintenance"]);
      // Nothing of the other tenants, and nothing of this one beyond status and notices.
      expect(json.text).not.toMatch(/initech|umbrella|apps\.example\.com|small/);
      const html = await call(r.url, "GET", "/status/hooli");
      expect(html.status).toBe(200);
      expect(html.headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(html.text).toContain('data-state="operational"');
      expect(html.text).toContain("planned maintenance of hooli Inc");
      for (const name of ["initech", "no-such-tenant"]) {
        const hidden = await call(r.url, "GET", `/api/v1/status-pages/${name}`);
        expect(hidden.status).toBe(404);
        expect((await call(r.url, "GET", `/status/${name}`)).status).toBe(404);
      }
    });

    test("a display name cannot inject markup into the page", async () => {
      const file = join(p.dir, "hooli.yaml");
      const doc = tenantDoc("hooli", { spec: { displayName: "<script>alert(1)</script>", contacts: { email: "ops@hooli.example.com", statusPage: true } } });
      await writeFile(file, stringify(doc));
      expect((await landlord("update", "-f", file)).code).toBe(0);
      const html = await call(r.url, "GET", "/status/hooli");
      expect(html.text).not.toContain("<script>");
      expect(html.text).toContain("&#60;script&#62;alert(1)&#60;/script&#62;");
    });
  });
});
