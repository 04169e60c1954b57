import { describe, expect, test } from "vitest";
import { backoffDelayMs, retryPolicyProblems } from "../../../src/workflows/engine/retry.js";

describe("backoff", () => {
  const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1_000 };

  test("doubles per attempt up to the cap, half fixed and half jitter", () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(policy, a, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(policy, a, () => 0.999999))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  test("a misbehaving random source cannot push the delay out of its band", () => {
    expect(backoffDelayMs(policy, 1, () => -3)).toBe(50);
    expect(backoffDelayMs(policy, 1, () => 7)).toBe(100);
  });

  test("policies are checked", () => {
    expect(retryPolicyProblems(policy, "retry")).toEqual([]);
    expect(retryPolicyProblems({ maxAttempts: 1.5, baseDelayMs: -1, maxDelayMs: -2 }, "retry").map((p) => p.path)).toEqual([
      "retry.maxAttempts",
      "retry.baseDelayMs",
      "retry.maxDelayMs",
    ]);
  });
});
