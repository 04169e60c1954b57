/**
 * When what the API stands on fails, the status says whose fault it is: a cluster that
 * cannot be reached is 503 with Retry-After (ask again later), a cluster's API server that
 * answers with an error of its own is 502, and neither is the caller's 400. The faults are
 * raised where a real delivery raises them, below the diff route; everything above is real.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { ClusterUnavailableError, KubeApiError } from "../../src/delivery/kubernetes/errors.js";
import { RetryableError } from "../../src/errors.js";
import { DEFAULT_RETRY_AFTER_S } from "../../src/server/errors.js";
import { call, operatorToken, project, replica, until, type Replica } from "./support/serve.js";

interface ErrorBody {
  error: { code: string; message: string };
}

describe("the API when a cluster fails", () => {
  let r: Replica;
  beforeAll(async () => {
    r = await replica(await project());
    const form = { name: "acme", tier: "small", domains: ["acme.apps.example.com"], contact: "ops@acme.example.com" };
    expect((await call(r.url, "POST", "/api/v1/tenants", { token: operatorToken, body: form })).status).toBe(202);
    await until("acme Ready", async () => (((await call(r.url, "GET", "/api/v1/tenants/acme", { token: operatorToken })).body as { phase?: string }).phase === "Ready" ? true : undefined), 60_000);
  }, 120_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    await r.stop();
  });

  /** GET the tenant's diff while the delivery's read of what it delivered fails with `err`. */
  async function diffFailingWith(err: Error) {
    const delivery = r.rt.services.delivery;
    if (delivery.delivered === undefined) throw new Error("the directory delivery reads what it delivered");
    const spy = vi.spyOn(delivery as Required<typeof delivery>, "delivered").mockRejectedValue(err);
    try {
      return await call(r.url, "GET", "/api/v1/tenants/acme/diff", { token: operatorToken });
    } finally {
      spy.mockRestore();
    }
  }

  test("the diff answers 200 while the cluster is up", async () => {
    const res = await call(r.url, "GET", "/api/v1/tenants/acme/diff", { token: operatorToken });
    expect(res.status, res.text).toBe(200);
  });

  test("a cluster that cannot be reached is 503 unavailable with Retry-After, not 400", async () => {
    const res = await diffFailingWith(new ClusterUnavailableError("https://127.0.0.1:6443 unreachable for 60 s (ECONNREFUSED)"));
    expect(res.status, res.text).toBe(503);
    expect(res.headers.get("retry-after")).toBe(String(DEFAULT_RETRY_AFTER_S));
    expect((res.body as ErrorBody).error).toMatchObject({ code: "unavailable", message: expect.stringContaining("unreachable") as unknown });
  });

  test("an outage that says when to come back is answered with its own Retry-After", async () => {
    const res = await diffFailingWith(new ClusterUnavailableError("throttled", { retryAfterSeconds: 7 }));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("7");
  });

  test("a transient failure that outlasted its retries is 503 too", async () => {
    const res = await diffFailingWith(new RetryableError("namespace tenant-acme still terminating after 120 s"));
    expect(res.status, res.text).toBe(503);
    expect((res.body as ErrorBody).error.code).toBe("unavailable");
    expect(res.headers.get("retry-after")).toBe(String(DEFAULT_RETRY_AFTER_S));
  });

  test("an error answered by the cluster's API server is 502, without Retry-After", async () => {
    const res = await diffFailingWith(new KubeApiError(500, "InternalError", "etcdserver: request timed out", [], "GET /api/v1/namespaces/tenant-acme"));
    expect(res.status, res.text).toBe(502);
    expect(res.headers.get("retry-after")).toBeNull();
    expect((res.body as ErrorBody).error).toMatchObject({ code: "upstream-error", message: expect.stringContaining("etcdserver: request timed out") as unknown });
  });
});
