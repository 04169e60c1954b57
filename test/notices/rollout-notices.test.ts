/**
 * Customers told of a rollout: the runner queues a notice before it changes a tenant, after
 * the tenant is healthy, and when it was rolled back; the notices go out through a real SMTP
 * server and a Slack-compatible webhook on 127.0.0.1. Tenants onboarded through the real
 * workflows onto a directory delivery; gates read by a real Prometheus (test/rollout/support).
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { createRelease, runRollout, startRollout } from "../../src/rollout/service.js";
import { rolloutContext } from "../../src/rollout/wiring.js";
import { openStore, type Store } from "../../src/store/index.js";
import { noticesRepo } from "../../src/store/notices-repo.js";
import { tenantDoc } from "../support/fixtures.js";
import { finishedStatus, foldersUnder, harness, onboard, platformFromText } from "../workflows/tenant/support/harness.js";
import { ERROR_GATE, type AppState } from "../rollout/support/exporter.js";
import { eventLog, platformTextWith, startObservability, waitForSeries, type Observability } from "../rollout/support/setup.js";
import { startReceivers, type Receivers } from "./support/receivers.js";

const OUT = { dir: "" };
let obs: Observability;
let rx: Receivers;

async function deliveredApps(): Promise<AppState[]> {
  if (OUT.dir === "") return [];
  const out: AppState[] = [];
  for (const d of await readdir(OUT.dir).catch(() => [] as string[])) {
    const text = await readFile(join(OUT.dir, d, "kubernetes.yaml"), "utf8").catch(() => undefined);
    for (const doc of text === undefined ? [] : parseAllDocuments(text)) {
      const o = doc.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string> }; spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | null;
      if (o?.kind !== "Deployment" || o.metadata?.name !== "app") continue;
      out.push({ namespace: o.metadata.namespace ?? "", image: o.spec?.template?.spec?.containers?.[0]?.image ?? "", tier: o.metadata.labels?.["landlord.dev/tier"] ?? "" });
    }
  }
  return out;
}

beforeAll(async () => {
  obs = await startObservability(deliveredApps);
  rx = await startReceivers();
});

afterAll(async () => {
  await rx.stop();
  await obs.stop();
});

const FAST = { bakeSeconds: 4, intervalSeconds: 1, maxParallel: 5, tenantTimeoutSeconds: 30, gates: [ERROR_GATE] };

interface Fleet {
  readonly store: Store;
  readonly canary: string;
  readonly others: string[];
  readonly timeline: { at: number; line: string }[];
  readonly ctx: ReturnType<typeof rolloutContext>;
  close(): Promise<void>;
}

/** A canary with a Slack webhook and a status page, and `n` more tenants (the first opted out of optional notices; the second with `secondSpec`). */
async function fleet(n: number, canaryOptOut: string[] = [], secondSpec: Record<string, unknown> = {}): Promise<Fleet> {
  const root = await mkdtemp(join(tmpdir(), "landlord-notices-"));
  const store = await openStore({ baseDir: root });
  const secretsDir = join(root, "tenant-secrets");
  const notices = { smtp: { smarthost: `127.0.0.1:${String(rx.smtpPort)}`, from: "noreply@landlord.example.com", requireTls: false }, secretsDir, statusBaseUrl: "https://status.example.com", platformName: "Acme Cloud", allowHttpWebhooks: true };
  const platform = platformFromText(`${platformTextWith({ prometheusUrl: obs.prometheus.url, ...FAST })}\n${stringify({ notices })}`);
  const folders = foldersUnder(root);
  OUT.dir = folders.outDir;
  const h = harness({ store, platform, folders });
  const suffix = randomBytes(2).toString("hex");
  const canary = `nt${suffix}-0`;
  const others = Array.from({ length: n }, (_, i) => `nt${suffix}-${String(i + 1)}`);
  await mkdir(join(secretsDir, canary, "slack-webhook"), { recursive: true });
  await writeFile(join(secretsDir, canary, "slack-webhook", "url"), `${rx.webhookUrl(canary)}\n`, { mode: 0o600 });
  const docs = [
    tenantDoc(canary, { spec: { rollout: { ring: 0 }, contacts: { email: `ops@${canary}.example.com`, slackWebhookSecretRef: { name: "slack-webhook", key: "url" }, statusPage: true, ...(canaryOptOut.length > 0 ? { optOut: canaryOptOut } : {}) } } }),
    ...others.map((name, i) => tenantDoc(name, i === 0 ? { spec: { contacts: { email: `ops@${name}.example.com`, optOut: ["rollout-starting", "rollout-finished"] } } } : i === 1 ? { spec: secondSpec } : {})),
  ];
  for (const doc of docs) expect(finishedStatus((await onboard(h, doc)).result)).toBe("Succeeded");
  await waitForSeries(obs.prometheus.url, [canary, ...others].map((x) => `tenant-${x}`));
  const timeline: { at: number; line: string }[] = [];
  const log = eventLog();
  const ctx = rolloutContext({
    store,
    platform,
    delivery: h.services.delivery,
    onEvent: (e) => {
      log.onEvent(e);
      timeline.push({ at: e.at.getTime(), line: `[${e.wave ?? "-"}${e.tenant ? ` ${e.tenant}` : ""}] ${e.message}` });
    },
    leaseTtlMs: 3_000,
    controlPollMs: 200,
  });
  return {
    store,
    canary,
    others,
    timeline,
    ctx,
    async close() {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

function forTenant(name: string) {
  return rx.received.filter((r) => r.to.includes(name));
}

describe("notices of a rollout, by email and a Slack-compatible webhook", () => {
  it("the canary's webhook hears of its wave before the change and after it is healthy; an opted-out tenant hears nothing optional", async () => {
    const f = await fleet(2);
    try {
      await createRelease(f.store, { version: "3.1.0" }, "tester", new Date());
      const { rollout } = await startRollout(f.ctx, "3.1.0", f.ctx.platform.config.rollout, "tester", new Date());
      const end = await runRollout(f.ctx, rollout.id);
      expect(end.state).toBe("Succeeded");
      const hooks = forTenant(f.canary).filter((r) => r.channel === "webhook");
      console.log(`--- webhook payloads of ${f.canary}:\n${hooks.map((h) => JSON.stringify(h.body, null, 2)).join("\n")}`);
      expect(hooks.map((h) => h.subject)).toEqual([`Acme Cloud: ${f.canary} Inc will be updated to 3.1.0`, `Acme Cloud: ${f.canary} Inc now runs 3.1.0`]);
      // Slack's incoming-webhook shape: a text fallback and blocks, the status page linked.
      expect(hooks[0]?.body).toMatchObject({ text: expect.any(String) as unknown, blocks: [{ type: "header" }, { type: "section", text: { type: "mrkdwn" } }] });
      expect(hooks[1]?.text).toContain(`https://status.example.com/status/${f.canary}`);
      // Before: the starting notice arrived before the runner applied the canary; after: the
      // finished one arrived after the canary's health gates passed.
      const applied = f.timeline.find((e) => e.line.includes(`${f.canary}] applied`));
      const healthy = f.timeline.find((e) => e.line.includes(`${f.canary}] healthy after`));
      expect(applied && healthy).toBeTruthy();
      expect(hooks[0]?.at).toBeLessThanOrEqual(applied?.at ?? 0);
      expect(hooks[1]?.at).toBeGreaterThanOrEqual(healthy?.at ?? Infinity);
      // The same two by email, to the tenant's contact.
      const mails = forTenant(f.canary).filter((r) => r.channel === "email");
      expect(mails.map((m) => [m.to, m.subject])).toEqual([
        [`ops@${f.canary}.example.com`, `Acme Cloud: ${f.canary} Inc will be updated to 3.1.0`],
        [`ops@${f.canary}.example.com`, `Acme Cloud: ${f.canary} Inc now runs 3.1.0`],
      ]);
      expect(mails[0]?.text).toContain("We are about to update");
      // The opted-out tenant got nothing; the other one got its two emails (it has no webhook).
      expect(forTenant(f.others[0] ?? "")).toEqual([]);
      expect(forTenant(f.others[1] ?? "").map((r) => r.channel)).toEqual(["email", "email"]);
      const rows = await noticesRepo(f.store.db).list({});
      expect(rows.every((r) => r.state === "sent")).toBe(true);
      // Rows name the secret, never the URL.
      expect(JSON.stringify(rows)).not.toContain("secret-");
    } finally {
      await f.close();
    }
  }, 120_000);

  it("a tenant told of an update that is then not made (its window does not open in time) hears that too, with why", async () => {
    // A window three days ahead never opens within maintenance.maxWaitMinutes (1440): the runner skips it.
    const day = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"][new Date(Date.now() + 3 * 86_400_000).getUTCDay()];
    const f = await fleet(2, [], { maintenanceWindow: { days: [day], start: "12:00", durationMinutes: 60, timezone: "UTC" } });
    try {
      await createRelease(f.store, { version: "3.2.0" }, "tester", new Date());
      const { rollout } = await startRollout(f.ctx, "3.2.0", f.ctx.platform.config.rollout, "tester", new Date());
      await runRollout(f.ctx, rollout.id);
      const late = f.others[1] ?? "";
      const mails = forTenant(late).filter((r) => r.channel === "email");
      expect(mails.map((m) => m.subject)).toEqual([`Acme Cloud: ${late} Inc will be updated to 3.2.0`, `Acme Cloud: ${late} Inc was not updated to 3.2.0`]);
      expect(mails[1]?.text).toMatch(/we announced was not made: it keeps running 1\.0\.0\.\nWhy: maintenance window \(\w+ 12:00 UTC\) does not open within 1440 min/);
      // The tenant that opted out of the announcement is not told it was taken back either.
      expect(forTenant(f.others[0] ?? "")).toEqual([]);
    } finally {
      await f.close();
    }
  }, 120_000);

  it("a rollback is told even to a tenant that opted out of rollout notices, with the reason; a failing webhook is retried without its URL in any error", async () => {
    const f = await fleet(2, ["rollout-starting", "rollout-finished"]);
    try {
      obs.exporter.bad = (tag) => tag === "6.6.6";
      rx.failNext(503, 1);
      await createRelease(f.store, { version: "6.6.6" }, "tester", new Date());
      const { rollout } = await startRollout(f.ctx, "6.6.6", f.ctx.platform.config.rollout, "tester", new Date());
      const end = await runRollout(f.ctx, rollout.id);
      expect(end.state).toBe("RolledBack");
      const repo = noticesRepo(f.store.db);
      const slack = (await repo.list({ tenant: f.canary })).filter((r) => r.channel === "slack");
      expect(slack.map((r) => r.kind)).toEqual(["rollout-rolled-back"]);
      // The webhook's first answer was a 503: recorded, retried later by the courier.
      expect(slack[0]).toMatchObject({ state: "pending", attempts: 1, lastError: "webhook answered 503" });
      expect(JSON.stringify(await repo.list({}))).not.toContain("secret-");
      const mail = forTenant(f.canary).filter((r) => r.channel === "email");
      expect(mail.map((m) => m.subject)).toEqual([`Acme Cloud: the update of ${f.canary} Inc was rolled back`]);
      expect(mail[0]?.text).toMatch(/did not pass our health checks.*\nWhy: gate error-rate failed/s);
      // The tenants after the canary were never changed, so never told.
      for (const o of f.others) expect(forTenant(o)).toEqual([]);
    } finally {
      obs.exporter.bad = () => false;
      await f.close();
    }
  }, 120_000);
});
