/**
 * The tenant alert rules, checked by the real promtool: syntax (check rules) and behaviour
 * (test rules: the alerts fire on the series they are meant for, and only for their tenant).
 */
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { checkRules, promtoolAvailable } from "../../src/delivery/monitoring/promtool.js";
import { renderBundle } from "../../src/render/bundle.js";
import { toYaml } from "../../src/render/serialize.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";

const exec = promisify(execFile);
const available = await promtoolAvailable();
if (!available) console.warn("promtool not installed: .ci/run installs Debian's prometheus package");

function rulesOf(tier: string) {
  const ctx = platform();
  const [t] = fleet(ctx, [tenantFile("acme", { tier })]);
  if (!t) throw new Error("no tenant");
  const rule = renderBundle(ctx.config, t).objects.find((o) => o.kind === "PrometheusRule");
  return (rule?.spec as { groups: unknown[] }).groups;
}

describe.runIf(available)("tenant alert rules under promtool", () => {
  test.each(["small", "medium", "large"])("%s: promtool check rules passes", async (tier) => {
    const result = await checkRules(rulesOf(tier));
    expect(result.output).toMatch(/SUCCESS: 5 rules found/);
    expect(result.ok).toBe(true);
  });

  test("a broken expression is rejected", async () => {
    const result = await checkRules([{ name: "x", rules: [{ alert: "Bad", expr: "sum(up{" }] }]);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/FAILED|parse error|unexpected/i);
  });

  test("alerts fire for the tenant's own series, not for another tenant's", async () => {
    const dir = await mkdtemp(join(tmpdir(), "landlord-promtool-"));
    await writeFile(join(dir, "rules.yaml"), toYaml({ groups: rulesOf("small") }));
    const labels = { severity: "critical", tenant: "acme", tier: "small", namespace: "tenant-acme" };
    const tests = {
      rule_files: ["rules.yaml"],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: [
            { series: 'up{namespace="tenant-acme", service="app", pod="app-1"}', values: "0x15" },
            { series: 'up{namespace="tenant-other", service="app", pod="app-1"}', values: "0x15" },
            { series: 'cnpg_collector_up{namespace="tenant-acme", pod="db-1"}', values: "1x15" },
          ],
          alert_rule_test: [
            { eval_time: "10m", alertname: "TenantAppDown", exp_alerts: [{ exp_labels: labels, exp_annotations: { summary: "No instance of acme's app is up", description: "Every scrape target of the app in tenant-acme is down." } }] },
            { eval_time: "10m", alertname: "TenantDatabaseDown", exp_alerts: [] },
          ],
        },
        {
          interval: "1m",
          input_series: [{ series: 'cnpg_collector_up{namespace="tenant-acme", pod="db-1"}', values: "0x15" }],
          alert_rule_test: [
            { eval_time: "3m", alertname: "TenantDatabaseDown", exp_alerts: [] },
            {
              eval_time: "10m",
              alertname: "TenantDatabaseDown",
              exp_alerts: [{ exp_labels: labels, exp_annotations: { summary: "acme's PostgreSQL is not answering", description: "No CloudNativePG instance in tenant-acme reports up." } }],
            },
          ],
        },
      ],
    };
    await writeFile(join(dir, "tests.yaml"), toYaml(tests));
    const r = await exec("promtool", ["test", "rules", "tests.yaml"], { cwd: dir }).then(
      (x) => ({ ok: true, out: x.stdout }),
      (e: unknown) => ({ ok: false, out: `${(e as { stdout?: string }).stdout ?? ""}${(e as { stderr?: string }).stderr ?? ""}` }),
    );
    expect(r.out).toMatch(/SUCCESS/);
    expect(r.ok).toBe(true);
  });
});
