/**
 * `landlord serve` and unproven custom domains (issue 23), on both store backends: the API
 * shows each claim's expiry, refuses another tenant's claim on a pending name with the time
 * it expires, and the leader's reconcile pass (directory delivery: nothing to apply, the
 * sweep still runs) records the lapse, after which another tenant gets the name. The
 * reconcile loop's clock is a fake one moved past the expiry.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BACKENDS, useBackend } from "../store/support/backends.js";
import { FakeClock } from "../workflows/engine/support/fake-clock.js";
import { call, events, operatorToken, project, replica, type Project, type Replica } from "./support/serve.js";

const DAY = 24 * 60 * 60 * 1000;

interface Claim {
  domain: string;
  kind: string;
  status: string;
  claimed: string;
  expires: string | null;
}

const form = (name: string, custom: string) => ({ name, tier: "small", domains: [`${name}.apps.example.com`, custom], contact: `ops@${name}.example.com` });

for (const backend of BACKENDS) {
  describe(`unproven domain claims under serve on ${backend.name}`, () => {
    const b = useBackend(backend);
    let p: Project;
    let r: Replica;
    const clock = new FakeClock(new Date().toISOString());
    beforeAll(async () => {
      p = await project(b.url);
      r = await replica(p, { workers: { leaseTtlMs: 1500, pollMs: 100, concurrency: 4, reconcileIntervalMs: 0, graceMs: 10_000, clock } });
    });
    afterAll(async () => {
      await r.stop();
    });

    const onboard = async (name: string, custom: string) => {
      const res = await call(r.url, "POST", "/api/v1/tenants", { token: operatorToken, body: form(name, custom) });
      if (res.status === 202) {
        const stream = await events(r.url, `/api/v1/workflows/${(res.body as { id: string }).id}/events`, operatorToken);
        expect((stream.at(-1)?.data as { status: string }).status).toBe("Succeeded");
      }
      return res;
    };
    const claims = async (name: string) => ((await call(r.url, "GET", `/api/v1/tenants/${name}`, { token: operatorToken })).body as { domainClaims: Claim[] }).domainClaims;

    test("a pending claim shows its expiry and refuses another tenant with it; after the sweep the name goes to the next claimant", async () => {
      const custom = "shop.acme-corp.com";
      expect((await onboard("acme", custom)).status).toBe(202);
      const [own, shop] = await claims("acme");
      expect(own).toMatchObject({ domain: "acme.apps.example.com", kind: "platform", status: "Served", expires: null });
      expect(shop).toMatchObject({ domain: custom, kind: "custom", status: "Pending" });
      const expires = shop?.expires ?? "";
      expect(new Date(expires).getTime() - new Date(shop?.claimed ?? "").getTime()).toBe(7 * DAY);

      const refused = await onboard("globex", custom);
      expect(refused.status).toBe(409);
      expect((refused.body as { error: { message: string } }).error.message).toBe(
        `domain already claimed: '${custom}' by tenant 'acme' (not proven yet: the claim expires at ${expires}, after which another tenant may claim it)`,
      );

      // A pass before the expiry records nothing.
      await r.server.workers.reconcileOnce();
      expect((await claims("acme"))[1]?.status).toBe("Pending");

      clock.advance(8 * DAY);
      await r.server.workers.reconcileOnce();
      expect(r.logs.join("\n")).toContain(`reconcile: tenant acme's claim on ${custom} expired unproven at ${expires}; another tenant may claim the name`);
      expect((await call(r.url, "GET", "/metrics")).text).toMatch(/^landlord_domain_claims_expired_total 1$/m);
      // Recorded, so the API (on the real clock, a week earlier) shows it expired too.
      expect((await claims("acme"))[1]).toMatchObject({ domain: custom, status: "Expired", expires });
      // Once only.
      await r.server.workers.reconcileOnce();
      expect((await call(r.url, "GET", "/metrics")).text).toMatch(/^landlord_domain_claims_expired_total 1$/m);

      expect((await onboard("globex", custom)).status).toBe(202);
      expect((await claims("globex")).find((c) => c.domain === custom)).toMatchObject({ status: "Pending" });
      expect((await claims("acme")).map((c) => c.domain)).toEqual(["acme.apps.example.com"]);
      const audit = (await call(r.url, "GET", "/api/v1/audit?tenant=acme", { token: operatorToken })).text;
      expect(audit).toContain("tenant.domain-claim-expired");
      expect(audit).toContain("tenant.domain-claim-released");
    });
  });
}
