/**
 * The SLA of a month backfilled into a real Prometheus (promtool tsdb create-blocks-from
 * openmetrics): October 2026, 1,000 requests every 5 minutes per tenant; acme fails every
 * request for six hours on the 10th, globex never fails. 72,000 / 8,928,000 failed is
 * 99.194% for acme: below the promised 99.5%, a 10% credit.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { InputError } from "../../src/errors.js";
import { parseMonth, slaReport } from "../../src/monitoring/sla.js";
import { startPrometheus, type RunningPrometheus } from "../support/prometheus-server.js";

const OCT = parseMonth("2026-10");
const STEP = 300;
const OUTAGE = { from: Date.UTC(2026, 9, 10, 10) / 1000, to: Date.UTC(2026, 9, 10, 16) / 1000 };

function month(): string {
  const lines = ["# TYPE http_requests counter"];
  for (const ns of ["tenant-acme", "tenant-globex"]) {
    let ok = 0;
    let failed = 0;
    const samples: string[][] = [[], []];
    for (let t = OCT.start; t <= OCT.end; t += STEP) {
      samples[0]?.push(`http_requests_total{namespace="${ns}",code="200"} ${ok} ${t}`);
      samples[1]?.push(`http_requests_total{namespace="${ns}",code="500"} ${failed} ${t}`);
      // The 1,000 requests of the next five minutes.
      if (ns === "tenant-acme" && t >= OUTAGE.from && t < OUTAGE.to) failed += 1000;
      else ok += 1000;
    }
    lines.push(...(samples[0] ?? []), ...(samples[1] ?? []));
  }
  // OpenMetrics wants the samples of one series together and in time order.
  return `${lines.join("\n")}\n# EOF\n`;
}

let prom: RunningPrometheus;
beforeAll(async () => {
  prom = await startPrometheus(month());
}, 120_000);
const workspaces: string[] = [];
afterAll(async () => {
  await prom.stop();
  for (const w of workspaces) await rm(w, { recursive: true, force: true });
});

const SLO = "{ availability: 99.9, sla: { availability: 99.5, credits: [{ below: 99.5, percent: 10 }, { below: 99, percent: 25 }, { below: 95, percent: 100 }] } }";

async function workspace(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "landlord-sla-"));
  workspaces.push(dir);
  const io: CliIo = { stdout: () => undefined, stderr: () => undefined, cwd: dir, env: {} };
  expect(await run(["init"], io)).toBe(0);
  const file = join(dir, "landlord.yaml");
  let text = await readFile(file, "utf8");
  const monitoring = "  monitoring:\n    namespace: monitoring\n";
  const small = "    description: Shared nodes, one database instance.\n    isolation: namespace\n";
  expect(text).toContain(monitoring);
  expect(text).toContain(small);
  text = text.replace(monitoring, `${monitoring}    prometheus: { url: "${prom.url}" }\n`).replace(small, `${small}    slo: ${SLO}\n`);
  await writeFile(file, text);
  await writeFile(
    join(dir, "tenants", "globex.yaml"),
    "apiVersion: landlord.dev/v1alpha1\nkind: Tenant\nmetadata: {name: globex}\nspec: {displayName: Globex, tier: small, domains: [globex.apps.example.com], contacts: {email: ops@globex.example.com}}\n",
  );
  return dir;
}

async function landlord(cwd: string, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, env: {} };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

describe("landlord sla", () => {
  test("October 2026 from backfilled series: acme missed its promise and gets a 10% credit", async () => {
    const dir = await workspace();
    const r = await landlord(dir, "sla", "--month", "2026-10", "-o", "json");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { reports: { tenant: string; availability: number; status: string; creditPercent: number; credit: number; requests: number; failed: number }[] };
    const [acme, globex] = doc.reports;
    expect(acme?.tenant).toBe("acme");
    expect(acme?.availability).toBeCloseTo(100 * (1 - 72_000 / 8_928_000), 3);
    expect(acme?.status).toBe("missed");
    expect(acme?.creditPercent).toBe(10);
    expect(acme?.credit).toBe(490);
    expect(globex).toMatchObject({ tenant: "globex", availability: 100, status: "met", creditPercent: 0, credit: 0 });
    // increase() extrapolates each day by at most one scrape interval of 5 minutes in 24 hours.
    expect(acme?.requests).toBeGreaterThan(8_928_000 * 0.995);
    expect(acme?.requests).toBeLessThan(8_928_000 * 1.005);

    const t = await landlord(dir, "sla", "acme", "--month", "2026-10");
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^SLA for 2026-10 \(UTC\)\nTENANT +TIER +AVAILABILITY +PROMISE +STATUS +REQUESTS +FAILED +CREDIT\nacme +small +99\.194% +99\.5% +missed +\d+ +\d+ +10% = 4\.90 EUR\n$/);
  }, 60_000);

  test("a month with no traffic has no data, and no credit", async () => {
    const dir = await workspace();
    const r = await landlord(dir, "sla", "globex", "--month", "2026-08", "-o", "json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ reports: [{ tenant: "globex", availability: null, status: "no-data", credit: 0 }] });
  });

  test("a malformed month exits 2", async () => {
    const dir = await workspace();
    const r = await landlord(dir, "sla", "--month", "2026-13");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/'2026-13' is not a month/);
  });
});

describe("slaReport", () => {
  const base = { tenant: "a", tier: "small", month: "2026-10", currency: "EUR", monthlyPrice: 4900 };
  const slo = { availability: 99.9, sla: { availability: 99.5, credits: [{ below: 99.5, percent: 10 }, { below: 99, percent: 25 }] } };
  test.each([
    [{ requests: 1000, failed: 0 }, "met", 0],
    [{ requests: 1000, failed: 5 }, "met", 0],
    [{ requests: 1000, failed: 6 }, "missed", 10],
    [{ requests: 1000, failed: 20 }, "missed", 25],
  ])("%o -> %s, %d%% credit", (counts, status, credit) => {
    const r = slaReport(base, slo, counts);
    expect(r.status).toBe(status);
    expect(r.creditPercent).toBe(credit);
    expect(r.credit).toBe((4900 * credit) / 100);
  });
  test("a tier without an SLA reports availability only", () => {
    expect(slaReport(base, { availability: 99.9 }, { requests: 10, failed: 1 })).toMatchObject({ status: "no-sla", availability: 90, credit: 0 });
  });
  test("months are calendar months in UTC", () => {
    expect(parseMonth("2024-02")).toEqual({ month: "2024-02", start: Date.UTC(2024, 1, 1) / 1000, end: Date.UTC(2024, 2, 1) / 1000 });
    expect(() => parseMonth("2024-2")).toThrow(InputError);
  });
});
