/**
 * The fleet Alertmanager config under the real amtool (Debian's prometheus-alertmanager,
 * 0.25): check-config passes, and `config routes test` sends each tenant's alerts to that
 * tenant and the platform, anything else to the platform only. amtool missing is a failure.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { inlineWebhookUrlFiles, writeRuntimeConfig } from "../../src/monitoring/alertmanager-secrets.js";
import { fleetAlertmanagerConfig, type SkippedTenant } from "../../src/render/alertmanager.js";
import { toYaml } from "../../src/render/serialize.js";
import type { FleetAlertmanagerConfig } from "../../src/spec/monitoring-schema.js";
import type { ResolvedTenant } from "../../src/spec/resolve.js";
import { acceptedTimeZones } from "../../src/spec/time-zones.js";
import { stringify } from "yaml";
import { fleet, platform, raw, sharedCrds, tenantDoc, tenantFile } from "../support/fixtures.js";
import { renderBundle } from "../../src/render/bundle.js";

const exec = promisify(execFile);
const SECRET_URL = "https://hooks.example.com/acme/s3cr3t-token";

let dir: string;
let am: FleetAlertmanagerConfig;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-am-"));
  await mkdir(join(dir, "secrets", "acme", "pager-webhook"), { recursive: true });
  await writeFile(join(dir, "secrets", "acme", "pager-webhook", "url"), `${SECRET_URL}\n`);
  await writeFile(join(dir, "secrets", "platform-url"), "https://hooks.example.com/platform\n");
  am = {
    secretsDir: join(dir, "secrets"),
    platform: { email: "platform@example.com", webhookUrlFile: join(dir, "secrets", "platform-url") },
    smtp: { smarthost: "smtp.example.com:587", from: "alerts@example.com" },
    groupWait: "30s",
    groupInterval: "5m",
    repeatInterval: "4h",
  };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function tenants(maintenanceTimezone = "Europe/Paris") {
  const ctx = platform();
  return fleet(ctx, [
    tenantFile("acme", {
      spec: {
        contacts: { email: "ops@acme.example.com", alertWebhookSecretRef: { name: "pager-webhook", key: "url" } },
        maintenanceWindow: { days: ["sun"], start: "23:00", durationMinutes: 120, timezone: maintenanceTimezone },
      },
    }),
    tenantFile("globex"),
  ]);
}

async function amtool(...args: string[]): Promise<{ ok: boolean; out: string; stdout: string }> {
  return exec("amtool", args).then(
    (x) => ({ ok: true, out: x.stdout + x.stderr, stdout: x.stdout }),
    (e: unknown) => {
      if ((e as { code?: string }).code === "ENOENT") throw new Error("amtool is not installed: CI must install Debian's prometheus-alertmanager");
      const stdout = (e as { stdout?: string }).stdout ?? "";
      return { ok: false, out: `${stdout}${(e as { stderr?: string }).stderr ?? ""}`, stdout };
    },
  );
}

async function runtimeConfigFile(): Promise<string> {
  const file = join(dir, "alertmanager.yml");
  await writeRuntimeConfig(file, await inlineWebhookUrlFiles(fleetAlertmanagerConfig(am, tenants()).config));
  return file;
}

describe("fleet Alertmanager config", () => {
  test("the generated config holds file references, never the webhook URL", () => {
    const text = toYaml(fleetAlertmanagerConfig(am, tenants()).config);
    expect(text).not.toContain("s3cr3t");
    expect(text).toContain(`url_file: ${join(dir, "secrets", "acme", "pager-webhook", "url")}`);
  });

  test("amtool check-config passes on the runtime form, written mode 0600", async () => {
    const file = await runtimeConfigFile();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const r = await amtool("check-config", file);
    expect(r.out).toMatch(/SUCCESS/);
    expect(r.out).toMatch(/4 receivers|receivers/);
    expect(r.ok).toBe(true);
  });

  // The routing table: labels of an alert -> receivers that get it.
  const table: [string, string[], string][] = [
    ["acme's alert", ["namespace=tenant-acme", "alertname=TenantAppDown", "severity=critical"], "platform,tenant/acme"],
    ["acme's SLO burn", ["namespace=tenant-acme", "alertname=TenantErrorBudgetBurnFast", "slo=availability"], "platform,tenant/acme"],
    ["globex's alert", ["namespace=tenant-globex", "alertname=TenantDatabaseDown"], "platform,tenant/globex"],
    ["a namespace of no tenant", ["namespace=kube-system", "alertname=KubeletDown"], "platform"],
    ["a look-alike namespace", ["namespace=tenant-acme-x", "alertname=TenantAppDown"], "platform"],
    ["no namespace at all", ["alertname=Watchdog"], "platform"],
    ["a tenant label without the namespace", ["tenant=acme", "alertname=TenantAppDown"], "platform"],
  ];
  test.each(table)("amtool config routes test: %s -> %s", async (_what, labels, receivers) => {
    const file = await runtimeConfigFile();
    const r = await amtool("config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${receivers}`, ...labels);
    expect(r.stdout.trim()).toBe(receivers);
    expect(r.ok).toBe(true);
  });

  test("a wrong expectation makes amtool fail (the verification is real)", async () => {
    const file = await runtimeConfigFile();
    const r = await amtool("config", "routes", "test", `--config.file=${file}`, "--verify.receivers=platform,tenant/globex", "namespace=tenant-acme");
    expect(r.ok).toBe(false);
  });

  test("a maintenance window across midnight mutes the tenant's route on both days", () => {
    const { config, skipped } = fleetAlertmanagerConfig(am, tenants());
    expect(skipped).toEqual([]);
    expect(config.time_intervals).toEqual([
      {
        name: "tenant/acme/maintenance",
        time_intervals: [
          { weekdays: ["sunday"], times: [{ start_time: "23:00", end_time: "24:00" }], location: "Europe/Paris" },
          { weekdays: ["monday"], times: [{ start_time: "00:00", end_time: "01:00" }], location: "Europe/Paris" },
        ],
      },
    ]);
    const routes = (config.route as { routes: Record<string, unknown>[] }).routes;
    expect(routes.find((r) => r.receiver === "tenant/acme")?.mute_time_intervals).toEqual(["tenant/acme/maintenance"]);
    expect(routes.find((r) => r.receiver === "platform")?.mute_time_intervals).toBeUndefined();
  });

  test("inhibitions: a cause silences its symptoms within the same namespace", () => {
    const rules = fleetAlertmanagerConfig(am, tenants()).config.inhibit_rules as { source_matchers: string[]; equal: string[] }[];
    expect(rules.map((r) => r.source_matchers[0])).toEqual(['alertname="TenantDatabaseDown"', 'alertname="TenantAppDown"', 'alertname="TenantErrorBudgetBurnFast"']);
    for (const r of rules) expect(r.equal).toContain("namespace");
  });


  test("an unreadable URL file is named without any secret content", async () => {
    const { config } = fleetAlertmanagerConfig({ ...am, secretsDir: join(dir, "missing") }, tenants());
    await expect(inlineWebhookUrlFiles(config)).rejects.toThrow(/missing\/acme\/pager-webhook\/url of receiver tenant\/acme cannot be read/);
  });
});

/**
 * Issue 23, alerting time zones: Alertmanager loads a time zone case-sensitively, and one it
 * cannot load fails the whole file. A tenant stored before validation refused such zones
 * (or whose spec is otherwise what Alertmanager would refuse) is left out and reported;
 * every other tenant's routes are built, and the real amtool accepts the file.
 */
describe("one tenant's spec never breaks the others' alerting", () => {
  const PATH = "spec.maintenanceWindow.timezone";

  /** A tenant as resolved before the time zone rule existed: the zone bypassed validation. */
  function stale(t: ResolvedTenant, timezone: string): ResolvedTenant {
    const window = t.tenant.spec.maintenanceWindow;
    if (!window) throw new Error("the tenant has no maintenance window");
    return { ...t, tenant: { ...t.tenant, spec: { ...t.tenant.spec, maintenanceWindow: { ...window, timezone } } } };
  }

  async function checkConfig(config: Record<string, unknown>, name: string): Promise<string> {
    const file = join(dir, name);
    await writeRuntimeConfig(file, await inlineWebhookUrlFiles(config));
    const r = await amtool("check-config", file);
    expect(r.out).toMatch(/SUCCESS/);
    expect(r.ok).toBe(true);
    return file;
  }

  async function receiversOf(file: string, ...labels: string[]): Promise<string> {
    const r = await amtool("config", "routes", "test", `--config.file=${file}`, ...labels);
    return r.stdout.trim();
  }

  test.each(["europe/paris", "EUROPE/PARIS", "Mars/Olympus", "Local", "Etc/UTC", ""])("a stored tenant with time zone %j is left out and named; amtool accepts everyone else's routes", async (timezone) => {
    const [acme, globex] = tenants();
    if (!acme || !globex) throw new Error("two tenants expected");
    const { config, skipped } = fleetAlertmanagerConfig(am, [stale(acme, timezone), globex]);
    expect(skipped).toHaveLength(1);
    const [only] = skipped as [SkippedTenant];
    expect(only.tenant).toBe("acme");
    expect(only.problems).toHaveLength(1);
    expect(only.problems[0]).toMatchObject({ file: "tenants/acme.yaml", path: PATH });
    expect(only.problems[0]?.fix).toMatch(/canonical IANA name/);
    expect(JSON.stringify(config)).not.toContain("tenant/acme");
    const file = await checkConfig(config, "stale-tenant.yml");
    expect(await receiversOf(file, "namespace=tenant-globex", "alertname=TenantDatabaseDown")).toBe("platform,tenant/globex");
    // The left-out tenant's alerts still reach the platform.
    expect(await receiversOf(file, "namespace=tenant-acme", "alertname=TenantAppDown")).toBe("platform");
  });

  test("a case-variant zone names the spelling to use", () => {
    const [acme, globex] = tenants();
    if (!acme || !globex) throw new Error("two tenants expected");
    const { skipped } = fleetAlertmanagerConfig(am, [stale(acme, "europe/paris"), globex]);
    expect(skipped[0]?.problems[0]?.fix).toBe("use the canonical IANA name 'Europe/Paris'");
  });

  test("two tenants of one name are both left out (whose alerts are whose cannot be told); the rest are built", async () => {
    const ctx = platform();
    const [first] = fleet(ctx, [tenantFile("acme")]);
    const [second] = fleet(ctx, [raw("tenants/acme-copy.yaml", stringify(tenantDoc("acme", { spec: { contacts: { email: "someone@else.example.com" } } })))]);
    const [globex] = fleet(ctx, [tenantFile("globex")]);
    if (!first || !second || !globex) throw new Error("tenants expected");
    const { config, skipped } = fleetAlertmanagerConfig(am, [first, globex, second]);
    expect(skipped.map((s) => [s.tenant, s.problems.map((p) => `${p.file ?? ""}: ${p.path}: ${p.message}`)])).toEqual([
      ["acme", ["tenants/acme.yaml: metadata.name: tenant name 'acme' is also used by tenant 'acme' in tenants/acme-copy.yaml"]],
      ["acme", ["tenants/acme-copy.yaml: metadata.name: tenant name 'acme' is also used by tenant 'acme' in tenants/acme.yaml"]],
    ]);
    await checkConfig(config, "duplicate-tenant.yml");
  });

  test("every time zone validation accepts is one Alertmanager loads: a fleet with one tenant per zone passes amtool", async () => {
    const zones = acceptedTimeZones();
    const files = zones.map((timezone, i) => tenantFile(`tz${String(i)}`, { spec: { maintenanceWindow: { days: ["sat"], start: "23:30", durationMinutes: 60, timezone } } }));
    const { config, skipped } = fleetAlertmanagerConfig(am, fleet(platform(), files));
    expect(skipped).toEqual([]);
    const locations = new Set((config.time_intervals as { time_intervals: { location: string }[] }[]).flatMap((t) => t.time_intervals.map((i) => i.location)));
    expect(locations.size).toBe(zones.length);
    await checkConfig(config, "every-zone.yml");
  });
});

describe("landlord alertmanager", () => {
  test("prints the fleet config for the workspace's tenants; amtool routes the example tenant", async () => {
    const ws = await mkdtemp(join(tmpdir(), "landlord-am-cli-"));
    const quiet: CliIo = { stdout: () => undefined, stderr: () => undefined, cwd: ws, env: {} };
    expect(await run(["init"], quiet)).toBe(0);
    const file = join(ws, "landlord.yaml");
    const anchor = "  monitoring:\n    namespace: monitoring\n";
    const text = await readFile(file, "utf8");
    expect(text).toContain(anchor);
    await writeFile(file, text.replace(anchor, `${anchor}    alertmanager: { secretsDir: /etc/alertmanager/tenants, platform: { webhookUrlFile: /etc/alertmanager/platform-url } }\n`));
    let stdout = "";
    const io: CliIo = { ...quiet, stdout: (t) => (stdout += t) };
    expect(await run(["alertmanager"], io)).toBe(0);
    expect(stdout).toContain("url_file: /etc/alertmanager/platform-url");
    // The init example has no webhook: its route and email-less receiver are still checked by amtool.
    const runtime = join(ws, "am.yml");
    await writeFile(runtime, stdout.replace("url_file: /etc/alertmanager/platform-url", "url: https://hooks.example.com/platform"));
    const r = await amtool("config", "routes", "test", `--config.file=${runtime}`, "--verify.receivers=platform,tenant/acme", "namespace=tenant-acme");
    expect(r.stdout.trim()).toBe("platform,tenant/acme");
    await rm(ws, { recursive: true, force: true });
  });

  test("a stored tenant file Alertmanager would refuse is left out with a warning naming it and the fix; amtool accepts the rest", async () => {
    const ws = await mkdtemp(join(tmpdir(), "landlord-am-cli-"));
    try {
      const quiet: CliIo = { stdout: () => undefined, stderr: () => undefined, cwd: ws, env: {} };
      expect(await run(["init"], quiet)).toBe(0);
      const file = join(ws, "landlord.yaml");
      const anchor = "  monitoring:\n    namespace: monitoring\n";
      const text = await readFile(file, "utf8");
      await writeFile(file, text.replace(anchor, `${anchor}    alertmanager: { secretsDir: /etc/alertmanager/tenants, platform: { webhookUrlFile: /etc/alertmanager/platform-url } }\n`));
      const windowIn = (timezone: string) => ({ spec: { maintenanceWindow: { days: ["sun"], start: "02:00", durationMinutes: 120, timezone } } });
      // Written straight into tenants/, as a file stored before validation refused the spelling.
      await writeFile(join(ws, "tenants", "globex.yaml"), stringify(tenantDoc("globex", windowIn("europe/paris"))));
      await writeFile(join(ws, "tenants", "initech.yaml"), stringify(tenantDoc("initech", windowIn("Europe/Paris"))));
      let stdout = "";
      let stderr = "";
      const io: CliIo = { ...quiet, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) };
      expect(await run(["alertmanager"], io)).toBe(0);
      expect(stderr).toBe(
        "warning: 1 tenant left out of the Alertmanager config, every other tenant's routes are in it; the alerts of this one reach only the platform receiver until fixed:\n" +
          "  tenant 'globex':\n" +
          "    tenants/globex.yaml: spec.maintenanceWindow.timezone: 'europe/paris' differs from the time zone 'Europe/Paris' in case: names are case-sensitive, and Alertmanager refuses this spelling (fix: use the canonical IANA name 'Europe/Paris')\n",
      );
      expect(stdout).not.toContain("globex");
      expect(stdout).not.toContain("europe/paris");
      const runtime = join(ws, "am.yml");
      await writeFile(runtime, stdout.replace("url_file: /etc/alertmanager/platform-url", "url: https://hooks.example.com/platform"));
      const check = await amtool("check-config", runtime);
      expect(check.out).toMatch(/SUCCESS/);
      expect(check.ok).toBe(true);
      const routed = async (ns: string) => (await amtool("config", "routes", "test", `--config.file=${runtime}`, `namespace=${ns}`, "alertname=TenantAppDown")).stdout.trim();
      expect(await routed("tenant-acme")).toBe("platform,tenant/acme");
      expect(await routed("tenant-initech")).toBe("platform,tenant/initech");
      expect(await routed("tenant-globex")).toBe("platform");
    } finally {
      await rm(ws, { recursive: true, force: true });
    }
  });

  test("without the setting it says which to add, exit 2", async () => {
    const ws = await mkdtemp(join(tmpdir(), "landlord-am-cli-"));
    let stderr = "";
    const io: CliIo = { stdout: () => undefined, stderr: (t) => (stderr += t), cwd: ws, env: {} };
    expect(await run(["init"], io)).toBe(0);
    expect(await run(["alertmanager"], io)).toBe(2);
    expect(stderr).toMatch(/integrations\.monitoring\.alertmanager/);
    await rm(ws, { recursive: true, force: true });
  });
});

describe("per-namespace AlertmanagerConfig (prometheus-operator)", () => {
  function routeOf(timezone: string) {
    const ctx = platform();
    const [t] = fleet(ctx, [
      tenantFile("acme", { spec: { maintenanceWindow: { days: ["sat", "sun"], start: "23:30", durationMinutes: 60, timezone } } }),
    ]);
    if (!t) throw new Error("no tenant");
    const cr = renderBundle(ctx.config, t).objects.find((o) => o.kind === "AlertmanagerConfig");
    if (!cr) throw new Error("no AlertmanagerConfig");
    return cr;
  }

  test("a UTC maintenance window mutes the tenant's route, valid against the real CRD", async () => {
    const cr = routeOf("UTC");
    expect((cr.spec as { muteTimeIntervals: unknown }).muteTimeIntervals).toEqual([
      {
        name: "maintenance",
        timeIntervals: [
          { weekdays: ["saturday", "sunday"], times: [{ startTime: "23:30", endTime: "24:00" }] },
          { weekdays: ["sunday", "monday"], times: [{ startTime: "00:00", endTime: "00:30" }] },
        ],
      },
    ]);
    expect((cr.spec as { route: { muteTimeIntervals: unknown } }).route.muteTimeIntervals).toEqual(["maintenance"]);
    expect((await sharedCrds()).validate(cr)).toEqual([]);
  });

  test("another time zone cannot be expressed in the CR (it has no location): no mute there", () => {
    expect((routeOf("Europe/Paris").spec as { muteTimeIntervals?: unknown }).muteTimeIntervals).toBeUndefined();
  });
});
