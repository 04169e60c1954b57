/**
 * Many onboardings submitted at once: 50 requests of which 10 names come twice (with
 * different domains), plus two names after the same domain. Of each name and each domain
 * exactly one request wins; the losers get a ConflictError that says what was taken, and
 * leave nothing behind: no tenant row, domain, workflow, audit entry, token or file.
 */
import { readFile } from "node:fs/promises";

import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ConflictError } from "../../../src/errors.js";
import { runTenantWorkflow } from "../../../src/workflows/tenant/run-tenant-workflow.js";
import { submitOnboard } from "../../../src/workflows/tenant/submit.js";
import { platform, tenantDoc } from "../../support/fixtures.js";
import { platformWith } from "../../support/platform-variants.js";
import { BACKENDS, unique, useBackend } from "../../store/support/backends.js";
import {
  finishedStatus,
  foldersUnder,
  harness,
  traces,
  tree,
  useTempRoot,
} from "./support/harness.js";

// Room for every small tenant of this file on the one shared cluster (60 nodes of 7820m).
const ctx = platform(platformWith(["clusters", 0, "nodePools", 1, "count"], 60));

interface Request {
  readonly name: string;
  readonly domain: string;
}

describe.each(BACKENDS)("concurrent onboardings on $name", (factory) => {
  const backend = useBackend(factory);
  const root = useTempRoot("landlord-concurrent-");

  test("50 submitted at once, 10 names twice, one domain wanted by two names: one winner each, losers leave nothing", async () => {
    const store = await backend.open();
    const h = harness({ store, platform: ctx, folders: foldersUnder(root()) });
    const run = unique("c");
    const solo: Request[] = Array.from({ length: 30 }, (_, i) => ({ name: `${run}-solo-${i}`, domain: `solo-${i}.${run}.example.com` }));
    const twice: Request[] = Array.from({ length: 10 }, (_, i) => [
      { name: `${run}-dup-${i}`, domain: `dup-${i}-first.${run}.example.com` },
      { name: `${run}-dup-${i}`, domain: `dup-${i}-second.${run}.example.com` },
    ]).flat();
    const sameDomain: Request[] = [
      { name: `${run}-left`, domain: `shared.${run}.example.com` },
      { name: `${run}-right`, domain: `shared.${run}.example.com` },
    ];
    // Interleaved, so that rivals are in flight together.
    const requests = [...solo.slice(0, 15), ...twice, ...sameDomain, ...solo.slice(15)];
    expect(requests.length).toBe(52);
    expect(solo.length + twice.length).toBe(50);

    const settled = await Promise.allSettled(
      requests.map((r) => submitOnboard(h.services, h.engine, tenantDoc(r.name, { domains: [r.domain] }), "tester", new Date())),
    );
    const won = requests.flatMap((r, i) => {
      const s = settled[i];
      return s?.status === "fulfilled" ? [{ ...r, wf: s.value }] : [];
    });
    const lost = requests.flatMap((r, i) => {
      const s = settled[i];
      return s?.status === "rejected" ? [{ ...r, error: s.reason as unknown }] : [];
    });

    expect(won).toHaveLength(41);
    expect(lost).toHaveLength(11);
    for (const l of lost) expect(l.error, `${l.name} ${l.domain}`).toBeInstanceOf(ConflictError);
    // Every solo request won; of each pair exactly one.
    for (const r of solo) expect(won.map((w) => w.name)).toContain(r.name);
    for (let i = 0; i < 10; i++) {
      const name = `${run}-dup-${i}`;
      expect(won.filter((w) => w.name === name), name).toHaveLength(1);
      const loser = lost.find((l) => l.name === name);
      expect((loser?.error as Error).message).toMatch(new RegExp(`tenant (name )?'${name}' (is already taken|already exists)`));
    }
    const domainWinner = won.filter((w) => sameDomain.some((r) => r.name === w.name));
    expect(domainWinner).toHaveLength(1);
    const domainLoser = lost.find((l) => sameDomain.some((r) => r.name === l.name));
    if (!domainWinner[0] || !domainLoser) throw new Error("no winner or loser for the shared domain");
    // The shared name is a custom domain nobody has proven: the refusal says when the winner's claim expires.
    expect((domainLoser.error as Error).message).toMatch(
      new RegExp(`^domain already claimed: 'shared\\.${run}\\.example\\.com' by tenant '${domainWinner[0].name}' \\(not proven yet: the claim expires at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z, after which another tenant may claim it\\)$`),
    );

    // Run every winner's onboarding to its end, a few at a time.
    const queue = [...won];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let w = queue.shift(); w; w = queue.shift()) expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, w.wf.id)), w.name).toBe("Succeeded");
      }),
    );

    for (const w of won) {
      const t = await store.tenants.require(w.name);
      expect(t.phase).toBe("Ready");
      expect(t.domains).toEqual([w.domain]);
      expect(await traces(store, w.name)).toEqual({ tenant: true, domains: 1, workflows: 1, audit: 2, tokens: 1 });
      expect((await store.audit.list({ tenantName: w.name, action: "tenant.onboard-requested" }))[0]?.details).toMatchObject({ workflowId: w.wf.id, spec: { spec: { domains: [w.domain] } } });
    }
    // A losing name's domain is free; the shared domain belongs to its winner alone.
    const lostDomains = lost.filter((l) => l !== domainLoser).map((l) => l.domain);
    expect(lostDomains).toHaveLength(10);
    for (const d of lostDomains) expect(await store.tenants.domainOwner(d), d).toBeUndefined();
    expect(await store.tenants.domainOwner(domainLoser.domain)).toBe(domainWinner[0].name);
    // The losing name of the shared domain exists nowhere: store, delivery, credentials.
    expect(await traces(store, domainLoser.name)).toEqual({ tenant: false, domains: 0, workflows: 0, audit: 0, tokens: 0 });
    expect(await store.db.selectFrom("audit_log").select("id").where("details", "like", `%${domainLoser.name}%`).execute()).toEqual([]);

    // Delivered files: exactly one folder per winner, each naming the winner's domain only.
    const files = await tree(h.outDir);
    expect(new Set([...files.keys()].map((f) => f.split("/")[0]))).toEqual(new Set(won.map((w) => w.name)));
    expect(files.size).toBe(won.length * 3);
    for (const w of won) {
      // The spec names every domain; custom ones reach the objects only once verified (docs/adr on custom domains).
      const k8s = await readFile(join(h.outDir, w.name, "kubernetes.yaml"), "utf8");
      const spec = await readFile(join(h.outDir, w.name, "tenant.yaml"), "utf8");
      expect(spec).toContain(w.domain);
      for (const d of lostDomains) expect(k8s + spec).not.toContain(d);
    }
    expect(new Set([...(await tree(h.credentialsDir)).keys()])).toEqual(new Set(won.map((w) => `${w.name}/api-token`)));
  });
});
