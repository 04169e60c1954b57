/**
 * Usage over time and the SLA per day: the pure parts (window plan, points, days) with
 * hand-checked numbers, then the queries against a real Prometheus backfilled with two
 * tenants' series (test/support/usage-fixture.ts), compared with what was written.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { countsOf, daysOf, monthCounts, monthDays, parseMonth } from "../../src/monitoring/sla.js";
import { MAX_POINTS, planWindow, pointsOf, usageSeries, USAGE_WINDOWS, type UsageWindow } from "../../src/monitoring/usage-series.js";
import { prometheusQuerySchema } from "../../src/spec/monitoring-schema.js";
import { freePort, startPrometheus, type RunningPrometheus } from "../support/prometheus-server.js";
import { afterData, DAY, expectedDay, expectedPoint, usageFixture } from "../support/usage-fixture.js";

const DEFAULTS = { minStepSeconds: 15, maxQueryRangeSeconds: 32 * DAY, maxLookbackSeconds: 7 * DAY };
const NOW = Date.UTC(2026, 10, 27, 15, 7, 31) / 1000;

describe("planWindow", () => {
  test.each([
    ["24h", 600, 600],
    ["7d", 3600, 3600],
    ["30d", 21600, 21600],
  ] as const)("%s: step %ds, each point averages %ds, at most 200 points, end on the step", (window, step, range) => {
    const plan = planWindow(window, NOW, DEFAULTS);
    expect(plan).toMatchObject({ window, step, range, notes: [] });
    expect(plan.end % step).toBe(0);
    expect(plan.end).toBeLessThanOrEqual(NOW);
    expect(NOW - plan.end).toBeLessThan(step);
    expect(plan.end - plan.start).toBe(USAGE_WINDOWS[window]);
    expect((plan.end - plan.start) / plan.step + 1).toBeLessThanOrEqual(MAX_POINTS);
  });
  test("the configured smallest step wins over a finer one", () => {
    expect(planWindow("24h", NOW, { ...DEFAULTS, minStepSeconds: 1200 }).step).toBe(1800);
  });
  test("a window longer than maxQueryRangeSeconds is shortened, and says so with the setting to raise", () => {
    const plan = planWindow("30d", NOW, { ...DEFAULTS, maxQueryRangeSeconds: 7 * DAY });
    expect(plan.end - plan.start).toBe(7 * DAY);
    expect(plan.notes.join()).toMatch(/maxQueryRangeSeconds is 604800; raise it to see all of 30d/);
  });
  test("the averaging range never exceeds the lookback limit", () => {
    expect(planWindow("30d", NOW, { ...DEFAULTS, maxLookbackSeconds: 3600 }).range).toBe(3600);
    expect(planWindow("24h", NOW, { ...DEFAULTS, maxLookbackSeconds: 60 }).range).toBe(60);
  });
});

describe("pointsOf", () => {
  test("finite values in time order; NaN and Inf are gaps, not zeros; no samples is no points", () => {
    const series = [{ metric: {}, values: [[300, "2"], [0, "1.5"], [600, "NaN"], [900, "+Inf"], [1200, "0"]] as const }];
    expect(pointsOf(series)).toEqual([{ at: 0, value: 1.5 }, { at: 300, value: 2 }, { at: 1200, value: 0 }]);
    expect(pointsOf([])).toEqual([]);
  });
});

describe("daysOf", () => {
  const nov = parseMonth("2026-11");
  const at = (day: number) => nov.start + day * DAY;
  test("a point at a midnight counts the day before it; days without requests have no availability", () => {
    const days = daysOf(nov, [{ values: [[at(1), "1000"], [at(2), "400"], [at(30), "10"]] }], [{ values: [[at(2), "4"], [at(3), "7"]] }]);
    expect(days).toHaveLength(30);
    expect(days[0]).toEqual({ date: "2026-11-01", requests: 1000, failed: 0, availability: 100 });
    expect(days[1]).toEqual({ date: "2026-11-02", requests: 400, failed: 4, availability: 99 });
    // 5xx counted without any request counted: nothing to judge, not 100 % and not 0 %.
    expect(days[2]).toEqual({ date: "2026-11-03", requests: 0, failed: 7, availability: null });
    expect(days[3]).toEqual({ date: "2026-11-04", requests: 0, failed: 0, availability: null });
    expect(days[29]).toMatchObject({ date: "2026-11-30", requests: 10 });
    expect(countsOf(days)).toEqual({ requests: 1410, failed: 11 });
  });
  test("February of a leap year has 29 days", () => {
    expect(daysOf(parseMonth("2028-02"), [], []).map((d) => d.date).at(-1)).toBe("2028-02-29");
  });
});

describe("against a real Prometheus", () => {
  const now = Date.now() / 1000;
  const f = usageFixture(now);
  let prom: RunningPrometheus;
  beforeAll(async () => {
    prom = await startPrometheus(f.openMetrics);
  }, 120_000);
  afterAll(async () => {
    await prom.stop();
  });
  const config = () => prometheusQuerySchema.parse({ url: prom.url });

  for (const window of ["24h", "7d", "30d"] as UsageWindow[]) {
    test(`${window}: every series of both tenants equals what was written`, async () => {
      const plan = planWindow(window, now, config());
      for (const ns of ["tenant-acme", "tenant-globex"] as const) {
        const series = await usageSeries(config(), ns, plan);
        expect(series.map((s) => [s.id, s.unit, s.error])).toEqual([["cpu", "cores", null], ["memory", "bytes", null], ["requests", "requests/s", null], ["errors", "percent", null]]);
        for (const s of series) {
          expect(s.query).toContain(`namespace="${ns}"`);
          expect(s.points.length, `${ns} ${s.id}`).toBeLessThanOrEqual(MAX_POINTS);
          let checked = 0;
          for (const p of s.points) {
            expect(p.at).toBeGreaterThanOrEqual(plan.start);
            expect(afterData(f, p.at, plan.range), `${s.id} at ${String(p.at)}: data stopped at ${String(f.dataEnd)}`).toBe(false);
            const want = expectedPoint(f, ns, s.id, p.at, plan.range);
            if (want === null) continue;
            expect(p.value, `${ns} ${s.id} at ${new Date(p.at * 1000).toISOString()}`).toBeCloseTo(want, 6);
            checked++;
          }
          // Most points lie in one regime inside the data: the comparison is not vacuous.
          expect(checked, `${ns} ${s.id}`).toBeGreaterThan(s.points.length * 0.6);
        }
      }
    }, 60_000);
  }

  test("acme's bad day shows as a 20 % 5xx share; globex, with no 5xx series, is 0 %, not no data", async () => {
    const plan = planWindow("7d", now, config());
    const acme = (await usageSeries(config(), "tenant-acme", plan)).find((s) => s.id === "errors");
    const inside = acme?.points.filter((p) => p.at - plan.range >= f.outage.from && p.at <= f.outage.to) ?? [];
    expect(inside.length).toBe(DAY / plan.step);
    expect(new Set(inside.map((p) => p.value))).toEqual(new Set([20]));
    const globex = (await usageSeries(config(), "tenant-globex", plan)).find((s) => s.id === "errors");
    expect(globex?.points.length).toBeGreaterThan(100);
    expect(new Set(globex?.points.map((p) => p.value))).toEqual(new Set([0]));
  });

  test("a namespace without series gets empty series, no error and no zeros", async () => {
    const series = await usageSeries(config(), "tenant-nobody", planWindow("7d", now, config()));
    expect(series.map((s) => [s.id, s.points, s.error])).toEqual([["cpu", [], null], ["memory", [], null], ["requests", [], null], ["errors", [], null]]);
  });

  test("an unreachable Prometheus is a note on each series, not a thrown error", async () => {
    const dead = prometheusQuerySchema.parse({ url: `http://127.0.0.1:${String(await freePort())}`, timeoutSeconds: 2 });
    const series = await usageSeries(dead, "tenant-acme", planWindow("24h", now, dead));
    expect(series).toHaveLength(4);
    for (const s of series) {
      expect(s.points).toEqual([]);
      expect(s.query).toBeNull();
      expect(s.error).toMatch(new RegExp(`^${s.title} could not be read from Prometheus: Prometheus at http://127\\.0\\.0\\.1:\\d+ could not be reached`));
    }
  });

  test("the SLA per day of the month equals the requests written each day; the month is their sum", async () => {
    // The month of acme's bad day, which is always a whole day inside the data.
    const month = parseMonth(new Date(f.outage.from * 1000).toISOString().slice(0, 7));
    for (const ns of ["tenant-acme", "tenant-globex"] as const) {
      const days = await monthDays(config(), ns, month);
      expect(days[0]?.date).toBe(`${month.month}-01`);
      let full = 0;
      days.forEach((d, i) => {
        const want = expectedDay(f, ns, month.start + i * DAY);
        if (want === null) {
          // The day the data starts or stops: some requests, counted from part of the day.
          expect(d.requests, d.date).toBeGreaterThan(0);
          return;
        }
        if (want.requests === 0) {
          expect(d, d.date).toEqual({ date: d.date, requests: 0, failed: 0, availability: null });
          return;
        }
        full++;
        // increase() may extrapolate a day by at most one scrape interval of the 288.
        expect(Math.abs(d.requests - want.requests) / want.requests, d.date).toBeLessThan(1 / 288);
        expect(d.failed === 0 ? 0 : Math.abs(d.failed - want.failed) / want.failed, d.date).toBeLessThan(1 / 288);
        expect(d.availability, d.date).toBeCloseTo(100 * (1 - want.failed / want.requests), 2);
      });
      expect(full).toBeGreaterThan(0);
      const bad = days.find((d) => d.date === new Date(f.outage.from * 1000).toISOString().slice(0, 10));
      expect(bad?.availability).toBeCloseTo(ns === "tenant-acme" ? 80 : 100, 2);
      expect(await monthCounts(config(), ns, month)).toEqual(countsOf(days));
    }
  }, 60_000);
});
