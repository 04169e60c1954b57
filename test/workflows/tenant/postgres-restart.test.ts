/**
 * PostgreSQL restarted (`pg_ctl restart -m fast`: every session killed) while an
 * onboarding sits in its apply step. PostgreSQL only, on a private server started for
 * this file: the shared one on 5432 is never restarted.
 *
 * Recovery may happen in the same run (the pool drops the dead connections and opens new
 * ones) or, if the run fails on a dead connection, by resuming the workflow once its lease
 * expires. Both count as recovered; the test prints which one happened.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DirectoryDelivery } from "../../../src/delivery/directory/directory-delivery.js";
import { openStore, type Store } from "../../../src/store/index.js";
import type { RunResult } from "../../../src/workflows/engine/index.js";
import { runTenantWorkflow } from "../../../src/workflows/tenant/run-tenant-workflow.js";
import { submitOnboard } from "../../../src/workflows/tenant/submit.js";
import { platform, tenantDoc } from "../../support/fixtures.js";
import { finishedStatus, foldersUnder, harness, ONBOARD_STEPS, onboard, sleep, traces, tree } from "./support/harness.js";
import { gate, HookedDelivery } from "./support/hooked-delivery.js";
import { startPrivatePostgres, type PrivatePostgres } from "./support/private-postgres.js";

const LEASE_TTL_MS = 2_000;
const ctx = platform();

describe("onboarding while its PostgreSQL server restarts", () => {
  let server: PrivatePostgres | undefined;
  let root = "";
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "landlord-pg-restart-"));
    server = await startPrivatePostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  test("pg_ctl restart -m fast during apply: the onboarding still ends Ready, with the output of a clean run", async () => {
    if (!server) throw new Error("no server");
    const store: Store = await openStore({ url: server.url, baseDir: root });
    try {
      const serverStart = async (): Promise<string | undefined> =>
        (await sql<{ t: string }>`select pg_postmaster_start_time()::text as t`.execute(store.db)).rows[0]?.t;
      const folders = foldersUnder(join(root, "run"));
      const entered = gate();
      const held = gate();
      const delivery = new HookedDelivery(new DirectoryDelivery(folders.outDir), {
        beforeApply() {
          entered.open();
          return held.promise;
        },
      });
      const h = harness({ store, platform: ctx, folders, delivery, owner: "runner", leaseTtlMs: LEASE_TTL_MS });
      const name = "restart";
      const before = await serverStart();
      const wf = await submitOnboard(h.services, h.engine, tenantDoc(name), "tester", new Date());

      const run = runTenantWorkflow(h.services, h.engine, wf.id).then(
        (r): { result: RunResult } | { error: unknown } => ({ result: r }),
        (e: unknown) => ({ error: e }),
      );
      await entered.promise;
      await server.restart();
      // The step ends at once: the run's very next write goes to the restarted server.
      held.open();
      const first = await run;
      expect(await serverStart()).not.toBe(before);

      let result: RunResult | undefined = "result" in first ? first.result : undefined;
      let how = "the same run went on after the restart";
      if (result?.outcome !== "finished") {
        how = `the first run stopped (${"error" in first ? String(first.error) : (result?.outcome ?? "?")}); resumed after its lease expired`;
        const resumer = harness({ store, platform: ctx, folders, owner: "resumer", leaseTtlMs: LEASE_TTL_MS });
        for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
          result = await runTenantWorkflow(resumer.services, resumer.engine, wf.id);
          if (result.outcome !== "busy") break;
          await sleep(200);
        }
      }
      console.info(`PostgreSQL restart during apply, recovered: ${how}`);
      if (!result) throw new Error("no run finished");
      expect(finishedStatus(result)).toBe("Succeeded");

      expect(await store.tenants.require(name)).toMatchObject({ phase: "Ready", generation: 1 });
      expect(await traces(store, name)).toEqual({ tenant: true, domains: 1, workflows: 1, audit: 2, tokens: 1 });
      expect((await store.workflows.steps(wf.id)).map((s) => [s.name, s.status])).toEqual(ONBOARD_STEPS.map((n) => [n, "Succeeded"]));
      expect(delivery.calls.apply).toBeGreaterThanOrEqual(1);

      // Same files as an undisturbed onboarding of the same spec.
      const cleanStore = await openStore({ url: ":memory:", baseDir: root });
      try {
        const clean = harness({ store: cleanStore, platform: ctx, folders: foldersUnder(join(root, "clean")) });
        expect(finishedStatus((await onboard(clean, tenantDoc(name))).result)).toBe("Succeeded");
        expect(await tree(folders.outDir)).toEqual(await tree(clean.outDir));
      } finally {
        await cleanStore.close();
      }
    } finally {
      await store.close();
    }
  });
});
