/**
 * SLO rules of a tier under the real promtool: the recording rules and burn-rate alerts
 * are valid, a fast burn pages and a slow burn opens a ticket, and another tenant's errors
 * raise nothing for this tenant. promtool missing is a failure, not a skip.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { checkRules } from "../../src/delivery/monitoring/promtool.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { renderBundle } from "../../src/render/bundle.js";
import { leMatcher } from "../../src/render/kubernetes/slo.js";
import { toYaml } from "../../src/render/serialize.js";
import { InputError } from "../../src/errors.js";
import { fleet, platform, sharedCrds, tenantFile } from "../support/fixtures.js";

const exec = promisify(execFile);

const ANCHOR = "    description: Shared nodes, one database instance.\n    isolation: namespace\n";

function withSlo(slo: string): string {
  expect(PLATFORM_TEMPLATE).toContain(ANCHOR);
  return PLATFORM_TEMPLATE.replace(ANCHOR, `${ANCHOR}    slo: ${slo}\n`);
}

const SLO = "{ availability: 99.9, latency: { thresholdSeconds: 0.5, objective: 99 } }";

function groupsOf(slo: string): unknown[] {
  const ctx = platform(withSlo(slo));
  const [t] = fleet(ctx, [tenantFile("acme", { tier: "small" })]);
  if (!t) throw new Error("no tenant");
  const rule = renderBundle(ctx.config, t).objects.find((o) => o.kind === "PrometheusRule");
  return (rule?.spec as { groups: unknown[] }).groups;
}

async function promtoolTest(groups: unknown[], tests: unknown[]): Promise<{ ok: boolean; out: string }> {
  const dir = await mkdtemp(join(tmpdir(), "landlord-slo-"));
  try {
    await writeFile(join(dir, "rules.yaml"), toYaml({ groups }));
    await writeFile(join(dir, "tests.yaml"), toYaml({ rule_files: ["rules.yaml"], evaluation_interval: "1m", tests }));
    return await exec("promtool", ["test", "rules", "tests.yaml"], { cwd: dir }).then(
      (x) => ({ ok: true, out: x.stdout }),
      (e: unknown) => ({ ok: false, out: `${(e as { stdout?: string }).stdout ?? ""}${(e as { stderr?: string }).stderr ?? ""}` }),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const base = { tenant: "acme", tier: "small", namespace: "tenant-acme" };
const fast = (slo: string) => ({ exp_labels: { ...base, severity: "critical", slo }, exp_annotations: annotations(slo, 6) });
const slow = (slo: string) => ({ exp_labels: { ...base, severity: "warning", slo }, exp_annotations: annotations(slo, 1) });
function annotations(slo: string, burn: number) {
  const objective = slo === "availability" ? "99.9" : "99";
  return {
    summary: `acme is spending its ${slo} error budget too fast`,
    description: `The ${slo} objective of ${objective}% over 30 days will be missed if this rate continues (burn rate above ${burn}x).`,
  };
}

/** 100 requests a second, `errorsPerMinute` of them 5xx, in the given namespace. */
function traffic(ns: string, errorsPerMinute: number) {
  return [
    { series: `http_requests_total{namespace="${ns}", code="200", pod="app-1"}`, values: `0+${6000 - errorsPerMinute}x120` },
    { series: `http_requests_total{namespace="${ns}", code="500", pod="app-1"}`, values: `0+${errorsPerMinute}x120` },
  ];
}

describe("SLO rules under promtool", () => {
  test("promtool check rules passes: 5 alerts + 14 recording rules + 4 burn alerts", async () => {
    const result = await checkRules(groupsOf(SLO));
    expect(result.skipped).toBeUndefined();
    expect(result.output).toMatch(/SUCCESS: 23 rules found/);
  });

  test("the PrometheusRule with SLO rules is valid against the real prometheus-operator CRD", async () => {
    const ctx = platform(withSlo(SLO));
    const [t] = fleet(ctx, [tenantFile("acme", { tier: "small" })]);
    if (!t) throw new Error("no tenant");
    const rule = renderBundle(ctx.config, t).objects.find((o) => o.kind === "PrometheusRule");
    if (!rule) throw new Error("no PrometheusRule");
    expect((await sharedCrds()).validate(rule)).toEqual([]);
  });

  test("no slo in the tier: no SLO group", () => {
    expect(groupsOf("{ availability: 99.9 }")).toHaveLength(2);
    const ctx = platform();
    const [t] = fleet(ctx, [tenantFile("acme")]);
    if (!t) throw new Error("no tenant");
    const rule = renderBundle(ctx.config, t).objects.find((o) => o.kind === "PrometheusRule");
    expect((rule?.spec as { groups: unknown[] }).groups).toHaveLength(1);
  });

  test("fast burn pages, slow burn tickets, and another tenant's burn raises nothing here", async () => {
    const r = await promtoolTest(groupsOf(SLO), [
      {
        // 50% errors: both burn alerts of availability.
        interval: "1m",
        input_series: traffic("tenant-acme", 3000),
        alert_rule_test: [
          { eval_time: "30m", alertname: "TenantErrorBudgetBurnFast", exp_alerts: [fast("availability")] },
          { eval_time: "30m", alertname: "TenantErrorBudgetBurnSlow", exp_alerts: [slow("availability")] },
        ],
      },
      {
        // 0.5% errors: 5x the 0.1% budget, below the 6x and 14.4x of a page: a ticket only.
        interval: "1m",
        input_series: traffic("tenant-acme", 30),
        alert_rule_test: [
          { eval_time: "30m", alertname: "TenantErrorBudgetBurnFast", exp_alerts: [] },
          { eval_time: "30m", alertname: "TenantErrorBudgetBurnSlow", exp_alerts: [slow("availability")] },
        ],
      },
      {
        // Healthy acme, failing neighbour.
        interval: "1m",
        input_series: [...traffic("tenant-acme", 0), ...traffic("tenant-other", 6000)],
        alert_rule_test: [
          { eval_time: "30m", alertname: "TenantErrorBudgetBurnFast", exp_alerts: [] },
          { eval_time: "30m", alertname: "TenantErrorBudgetBurnSlow", exp_alerts: [] },
          { eval_time: "30m", alertname: "TenantHighErrorRate", exp_alerts: [] },
        ],
      },
      {
        // 10% of requests slower than 0.5s against a 99% objective: burn 10, a page via 6h/30m.
        interval: "1m",
        input_series: [
          { series: 'http_request_duration_seconds_bucket{namespace="tenant-acme", le="0.5", pod="app-1"}', values: "0+5400x120" },
          { series: 'http_request_duration_seconds_bucket{namespace="tenant-acme", le="1", pod="app-1"}', values: "0+6000x120" },
          { series: 'http_request_duration_seconds_count{namespace="tenant-acme", pod="app-1"}', values: "0+6000x120" },
        ],
        alert_rule_test: [
          { eval_time: "30m", alertname: "TenantErrorBudgetBurnFast", exp_alerts: [fast("latency")] },
          { eval_time: "30m", alertname: "TenantErrorBudgetBurnSlow", exp_alerts: [slow("latency")] },
        ],
        promql_expr_test: [
          {
            // 10% slow, in per mille (1 - 0.9 is not exactly 0.1 in floating point).
            expr: 'round(landlord:slo_errors:ratio_rate5m{slo="latency"} * 1000)',
            eval_time: "30m",
            exp_samples: [{ labels: '{namespace="tenant-acme", slo="latency", tenant="acme", tier="small"}', value: 100 }],
          },
        ],
      },
    ]);
    expect(r.out).toMatch(/SUCCESS/);
    expect(r.ok).toBe(true);
  });
});

describe("SLO settings", () => {
  test.each([
    [0.5, "0[.]50*"],
    [1, "1([.]0+)?"],
    [0.25, "0[.]250*"],
  ])("bucket boundary %s matches as %s", (s, re) => {
    expect(leMatcher(s)).toBe(re);
    const rx = new RegExp(`^(?:${re})$`);
    expect(rx.test(String(s))).toBe(true);
    if (Number.isInteger(s)) expect(rx.test(`${s}.0`)).toBe(true);
  });

  test.each([
    ["{ availability: 100 }", /slo\.availability must be below 100/],
    ["{ availability: 99.9, sla: { availability: 99.95 } }", /SLA promises more than the SLO/],
    ["{ availability: 99.9, latency: { thresholdSeconds: 0, objective: 99 } }", /thresholdSeconds/],
  ])("%s is refused", (slo, message) => {
    let err: unknown;
    try {
      platform(withSlo(slo));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(message);
  });
});
