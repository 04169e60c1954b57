import { describe, expect, it } from "vitest";
import { onboardingTimes, percentile } from "../../src/cost/success-metrics.js";

const at = (minute: number) => new Date(Date.UTC(2026, 9, 1, 0, minute));

describe("success metrics", () => {
  it("takes p50, p95 and max of successful onboardings by nearest rank", () => {
    const minutes = [3, 1, 2, 10, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 40];
    const wfs = [
      ...minutes.map((m) => ({ kind: "onboard", status: "Succeeded", createdAt: at(0), finishedAt: at(m) })),
      { kind: "onboard", status: "Failed", createdAt: at(0), finishedAt: at(500) },
      { kind: "update", status: "Succeeded", createdAt: at(0), finishedAt: at(900) },
      { kind: "onboard", status: "Running", createdAt: at(0), finishedAt: null },
    ];
    expect(onboardingTimes(wfs)).toEqual({ count: 20, p50Ms: 10 * 60_000, p95Ms: 19 * 60_000, maxMs: 40 * 60_000 });
    expect(onboardingTimes(wfs, "2026-11")).toEqual({ count: 0 });
    expect(percentile([5], 95)).toBe(5);
  });
});
