/**
 * The usage and SLA-per-day charts in Debian's Chromium (playwright-core), on a project
 * whose Prometheus is real and backfilled (test/support/usage-fixture.ts): the customer
 * sees its CPU, memory, requests and 5xx share for a chosen window and its availability
 * per day with the bad day marked, each chart named for screen readers and its table
 * holding the numbers that were written; the operator sees another tenant's. Screenshots
 * go to test-results/portal/.
 */
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { planWindow, type UsageWindow } from "../../src/monitoring/usage-series.js";
import { SHOTS, buildPortal, loginWith, onboardReady, openBrowser } from "./support.js";
import { operatorToken, project, replica, tenantToken, type Project, type Replica } from "../server/support/serve.js";
import { startPrometheus, type RunningPrometheus } from "../support/prometheus-server.js";
import { afterData, configurePrometheus, DAY, expectedDay, expectedPoint, usageFixture } from "../support/usage-fixture.js";

const LIMITS = { minStepSeconds: 15, maxQueryRangeSeconds: 32 * DAY, maxLookbackSeconds: 7 * DAY };

/** How the portal writes each series' values (portal/src/Usage.tsx), for the numbers this fixture has. */
const shown: Record<string, (v: number) => string> = {
  cpu: (v) => `${v.toFixed(2)} cores`,
  memory: (v) => (v >= 2 ** 30 ? `${(v / 2 ** 30).toFixed(2)} GiB` : `${(v / 2 ** 20).toFixed(0)} MiB`),
  requests: (v) => (v >= 100 ? `${v.toFixed(0)} req/s` : `${v.toFixed(1)} req/s`),
  errors: (v) => `${v.toFixed(2)} %`,
};
const TITLES = { cpu: "CPU", memory: "Memory", requests: "Requests per second", errors: "5xx share" } as const;
const WINDOW_TEXT: Record<UsageWindow, string> = { "24h": "last 24 hours", "7d": "last 7 days", "30d": "last 30 days" };

describe("usage and SLA charts in Chromium", () => {
  const now = Date.now() / 1000;
  const f = usageFixture(now);
  let prom: RunningPrometheus;
  let p: Project;
  let r: Replica;
  let browser: Browser;
  let page: Page;
  let consoleErrors: string[] = [];

  const login = (token: string) => loginWith(page, r.url, token);

  beforeAll(async () => {
    const outDir = await buildPortal();
    prom = await startPrometheus(f.openMetrics);
    p = await project();
    await configurePrometheus(p.dir, prom.url);
    r = await replica(p, { portalDir: outDir });
    await onboardReady(r.url, ["acme", "globex"]);
    ({ browser, page, consoleErrors } = await openBrowser({ width: 1280, height: 900 }));
  }, 180_000);

  afterAll(async () => {
    await browser.close();
    await r.stop();
    await prom.stop();
  });

  /** The chart whose caption is `caption`: its accessible summary and its table rows. */
  const chart = async (caption: string) => {
    const fig = page.getByRole("figure", { name: caption, exact: true });
    await expect.poll(() => fig.count()).toBe(1);
    const label = (await fig.getByRole("img").getAttribute("aria-label")) ?? "";
    const rows = await fig.locator("table tbody tr").evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("th, td"), (c) => c.textContent)));
    return { label, rows };
  };

  /** "11-27 14:30" (UTC) back to unix seconds, in the year that puts it at or before now. */
  const atOf = (label: string) => {
    const [md = "", hm = ""] = label.split(" ");
    const [mo, d] = md.split("-").map(Number);
    const [h, mi] = hm.split(":").map(Number);
    const year = new Date(now * 1000).getUTCFullYear();
    const at = Date.UTC(year, (mo ?? 1) - 1, d, h, mi) / 1000;
    return at > now + DAY ? Date.UTC(year - 1, (mo ?? 1) - 1, d, h, mi) / 1000 : at;
  };

  /** Every row the fixture vouches for shows its number; rows after the data stopped say "no data". */
  const expectUsageCharts = async (ns: "tenant-acme" | "tenant-globex", window: UsageWindow) => {
    const range = planWindow(window, now, LIMITS).range;
    for (const id of ["cpu", "memory", "requests", "errors"] as const) {
      const { label, rows } = await chart(`${TITLES[id]}, ${WINDOW_TEXT[window]}`);
      expect(rows.length, id).toBeGreaterThan(100);
      let checked = 0;
      for (const [time = "", value = ""] of rows) {
        const at = atOf(time);
        if (afterData(f, at, range)) expect(value, `${id} ${time}`).toBe("no data");
        const want = expectedPoint(f, ns, id, at, range);
        if (want === null) continue;
        expect(value, `${ns} ${id} ${time}`).toBe(shown[id]?.(want));
        checked++;
      }
      expect(checked, id).toBeGreaterThan(rows.length * 0.6);
      // The summary's latest value is the table's last measured row.
      const [lastTime = "", lastValue = ""] = rows.filter(([, v]) => v !== "no data").at(-1) ?? [];
      expect(label, id).toContain(`${TITLES[id]}, ${WINDOW_TEXT[window]}: latest ${lastValue} at ${lastTime};`);
    }
  };

  test("customer: usage charts for a chosen window, and the SLA per day with the bad day marked", async () => {
    await login(await tenantToken(p, "acme"));
    await expect.poll(() => page.getByRole("heading", { name: /Your instance: Acme Corp/ }).isVisible()).toBe(true);
    await expect.poll(() => page.getByRole("heading", { name: "Usage" }).isVisible()).toBe(true);
    const select = page.getByLabel("Window");
    expect(await select.inputValue()).toBe("24h");
    await expectUsageCharts("tenant-acme", "24h");
    // Chosen from the keyboard: the 7 days hold acme's bad day, a fifth of its answers 5xx.
    await select.focus();
    await select.selectOption("7d");
    await expect.poll(() => page.getByRole("figure", { name: "CPU, last 7 days" }).count()).toBe(1);
    await expectUsageCharts("tenant-acme", "7d");
    expect((await chart("5xx share, last 7 days")).label).toMatch(/lowest 0\.00 %, highest 20\.00 %/);

    // The SLA of this month, a point per day; days below the promise are marked and named.
    const month = new Date(now * 1000).toISOString().slice(0, 7);
    const start = Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1, 1) / 1000;
    const badDate = new Date(f.outage.from * 1000).toISOString().slice(0, 10);
    const sla = await chart(`Availability per day, ${month} (UTC)`);
    expect(sla.rows.length).toBe(new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate());
    for (const [i, [date = "", value = "", against = ""]] of sla.rows.entries()) {
      expect(date).toBe(new Date((start + i * DAY) * 1000).toISOString().slice(0, 10));
      const want = expectedDay(f, "tenant-acme", start + i * DAY);
      if (want === null) {
        // Today, counted so far: acme's good hours only.
        expect([date, value, against]).toEqual([date, "100.000 %", "met"]);
      } else if (want.requests === 0) {
        expect([date, value, against]).toEqual([date, "no data", "-"]);
      } else {
        const availability = 100 * (1 - want.failed / want.requests);
        expect([date, value, against]).toEqual([date, `${availability.toFixed(3)} %`, availability < 99.5 ? "below" : "met"]);
      }
    }
    const marked = sla.rows.filter(([, , a]) => a === "below").map(([d]) => d);
    expect(marked).toEqual(badDate.startsWith(month) ? [badDate] : []);
    expect(sla.label).toContain(marked.length > 0 ? `1 below the promise of 99.5 %: ${badDate}.` : "0 below the promise of 99.5 %.");
    const fig = page.getByRole("figure", { name: `Availability per day, ${month} (UTC)` });
    expect(await fig.locator("rect.chart-below").count()).toBe(marked.length);
    expect(await fig.locator("line.chart-threshold").count()).toBe(1);
    // The month's figures stay beside the chart.
    expect(await page.locator("dl.details").filter({ hasText: "Availability" }).textContent()).toMatch(/Promise \(small\)99\.5 %/);
    // The tables open from the keyboard.
    await fig.locator("summary").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => fig.locator("details").getAttribute("open")).not.toBeNull();
    const text = (await page.textContent("body")) ?? "";
    expect(text).not.toMatch(/globex|2\.00 cores|1\.00 GiB/i);
    expect(await page.locator(".error, [role=alert]").count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, "12-customer-usage.png"), fullPage: true });
    await page.getByRole("button", { name: "Log out" }).click();
  }, 90_000);

  test("operator: another tenant's page has its own usage, 30 days", async () => {
    await login(operatorToken);
    await page.goto(`${r.url}/#/tenants/globex`);
    await expect.poll(() => page.getByRole("heading", { name: "Usage" }).isVisible()).toBe(true);
    await page.getByLabel("Window").selectOption("30d");
    await expect.poll(() => page.getByRole("figure", { name: "CPU, last 30 days" }).count()).toBe(1);
    await expectUsageCharts("tenant-globex", "30d");
    expect((await chart("5xx share, last 30 days")).label).toMatch(/lowest 0\.00 %, highest 0\.00 %/);
    await page.screenshot({ path: join(SHOTS, "13-operator-usage.png"), fullPage: true });
    expect(consoleErrors.filter((e) => !/401|404|409|Failed to load resource/.test(e))).toEqual([]);
  }, 90_000);
});
