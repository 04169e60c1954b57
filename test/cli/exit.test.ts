/**
 * Exit codes a script can act on: an unreachable cluster (or a transient failure that
 * outlasted its retries) exits 69, EX_UNAVAILABLE, so a caller can retry it instead of
 * treating it like a refusal (1) or bad input (2).
 */
import { describe, expect, test } from "vitest";
import { describeError, EXIT, exitCodeFor } from "../../src/cli/exit.js";
import { ClusterUnavailableError, KubeApiError } from "../../src/delivery/kubernetes/errors.js";
import { ConflictError, InputError, LandlordError, RetryableError, UnavailableError, UpstreamError } from "../../src/errors.js";

describe("exit codes", () => {
  test("an unreachable cluster exits 69, distinct from a refusal and from bad input", () => {
    const outage = new ClusterUnavailableError("https://127.0.0.1:6443 unreachable for 60 s (ECONNREFUSED)");
    expect(exitCodeFor(outage)).toBe(69);
    expect(EXIT.unavailable).toBe(69);
    expect([EXIT.ok, EXIT.failure, EXIT.invalidInput, EXIT.interrupted]).not.toContain(EXIT.unavailable);
    expect(exitCodeFor(new ConflictError("tenant 'acme' is Provisioning"))).toBe(EXIT.failure);
    expect(exitCodeFor(new InputError([{ path: "--month", message: "'2026-13' is not a month", fix: "write YYYY-MM" }]))).toBe(EXIT.invalidInput);
  });

  test("a transient failure that outlasted its retries is unavailability too, and a LandlordError", () => {
    const transient = new RetryableError("namespace tenant-acme still terminating after 120 s");
    expect(transient).toBeInstanceOf(LandlordError);
    expect(exitCodeFor(transient)).toBe(EXIT.unavailable);
  });

  test("the cluster's own error answer is a failure like others, not unavailability", () => {
    const answered = new KubeApiError(403, "Forbidden", "namespaces is forbidden", [], "GET /api/v1/namespaces");
    expect(answered).toBeInstanceOf(UpstreamError);
    expect(exitCodeFor(answered)).toBe(EXIT.failure);
  });

  test("an outage keeps what caused it, and the message shows it", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" });
    const outage = new ClusterUnavailableError("https://127.0.0.1:6443 unreachable for 60 s", { cause: refused, retryAfterSeconds: 5 });
    expect(outage).toBeInstanceOf(UnavailableError);
    expect(outage.retryAfterSeconds).toBe(5);
    expect(describeError(outage)).toBe("error: https://127.0.0.1:6443 unreachable for 60 s\n  cause: connect ECONNREFUSED 127.0.0.1:6443\n");
  });
});
