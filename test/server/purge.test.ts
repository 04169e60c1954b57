/**
 * The purge of an offboarded incarnation's kept cloud resources under `landlord serve`, on
 * both store backends: the leader's purge pass leaves a retention that has not ended alone,
 * tries one that has, and records why it could not finish (here Terraform is not set up, as
 * on a machine without Azure: the destroy itself runs at the Azure boundary in
 * test/workflows/tenant/cloud-outputs.test.ts); `describe tenant` shows where it stands and
 * the metrics count it. The pass's clock is a fake one moved past the retention.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { run } from "../../src/cli/program.js";
import { cloudRetentionRepo } from "../../src/store/cloud-retention-repo.js";
import { storedTenant } from "../../src/workflows/tenant/services.js";
import { BACKENDS, useBackend } from "../store/support/backends.js";
import { FakeClock } from "../workflows/engine/support/fake-clock.js";
import { call, events, operatorToken, project, replica, type Project, type Replica } from "./support/serve.js";

const DAY = 24 * 60 * 60 * 1000;

for (const backend of BACKENDS) {
  describe(`the purge pass of serve on ${backend.name}`, () => {
    const b = useBackend(backend);
    let p: Project;
    let r: Replica;
    const clock = new FakeClock(new Date().toISOString());
    beforeAll(async () => {
      p = await project(b.url);
      r = await replica(p, { workers: { leaseTtlMs: 1500, pollMs: 100, concurrency: 4, reconcileIntervalMs: 0, purgeIntervalMs: 0, graceMs: 10_000, clock } });
    });
    afterAll(async () => {
      await r.stop();
    });

    test("a retention that has not ended is left alone; one that has is tried, and why it waits is recorded, counted and shown", async () => {
      const res = await call(r.url, "POST", "/api/v1/tenants", { token: operatorToken, body: { name: "acme", tier: "small", domains: ["acme.apps.example.com"], contact: "ops@acme.example.com" } });
      expect(res.status).toBe(202);
      const stream = await events(r.url, `/api/v1/workflows/${(res.body as { id: string }).id}/events`, operatorToken);
      expect((stream.at(-1)?.data as { status: string }).status).toBe("Succeeded");
      const record = await r.rt.store.tenants.require("acme");
      const { bundle } = await storedTenant(r.rt.services, record);
      const retention = cloudRetentionRepo(r.rt.store.db);
      const purgeAfter = new Date(clock.now().getTime() + DAY);
      await retention.retain({ tenantName: "acme", incarnation: record.incarnation, variables: { ...bundle.terraform.variables, retained: true }, purgeAfter, now: clock.now() });

      await r.server.workers.purgeOnce();
      expect(r.logs.filter((l) => l.startsWith("purge"))).toEqual([]);
      expect((await retention.list("acme"))[0]).toMatchObject({ purgedAt: null, lastError: null });

      clock.advance(2 * DAY);
      await r.server.workers.purgeOnce();
      expect(r.logs.filter((l) => l.startsWith("purge"))).toEqual([expect.stringMatching(/^purge acme: waiting: Terraform not configured: set integrations\.terraform\.backend/) as unknown]);
      expect((await call(r.url, "GET", "/metrics")).text).toMatch(/^landlord_cloud_purges_total\{result="waiting"\} 1$/m);
      const [kept] = await retention.list("acme");
      expect(kept).toMatchObject({ purgedAt: null, lastError: expect.stringMatching(/^Terraform not configured/) as unknown });

      const out: string[] = [];
      const code = await run(["describe", "tenant", "acme", "-o", "json"], { ...p.io(), stdout: (s: string) => out.push(s) });
      expect(code).toBe(0);
      const doc = JSON.parse(out.join("")) as { retainedCloud?: Record<string, string>[] };
      expect(doc.retainedCloud).toEqual([
        {
          incarnation: record.incarnation ?? "(first)",
          resourceGroup: bundle.terraform.variables.resource_group_name,
          purgeAfter: purgeAfter.toISOString(),
          purge: expect.stringMatching(/^not yet: Terraform not configured.*landlord serve tries again every hour\)$/) as unknown,
        },
      ]);
    });
  });
}
