/**
 * Getting out of trouble: a failed onboarding is retried by onboarding again, offboarding
 * waits for a running workflow, and a tenant whose stored spec no longer validates can
 * still be offboarded.
 */

import { describe, expect, test } from "vitest";
import { DirectoryDelivery } from "../../../src/delivery/directory/directory-delivery.js";
import { ConflictError, InputError } from "../../../src/errors.js";
import { locateStore } from "../../../src/store/store.js";
import { runTenantWorkflow } from "../../../src/workflows/tenant/run-tenant-workflow.js";
import { submitOffboard, submitOnboard } from "../../../src/workflows/tenant/submit.js";
import { platform, tenantDoc } from "../../support/fixtures.js";
import { platformWith } from "../../support/platform-variants.js";
import { BACKENDS, unique, useBackend } from "../../store/support/backends.js";
import { finishedStatus, foldersUnder, harness, onboard, useTempRoot } from "./support/harness.js";
import { HookedDelivery } from "./support/hooked-delivery.js";

const ctx = platform();

describe.each(BACKENDS)("recovery on $name", (factory) => {
  const backend = useBackend(factory);
  const root = useTempRoot("landlord-recovery-");

  test("a failed onboarding is retried by onboarding again, and ends Ready with credentials", async () => {
    const store = await backend.open();
    const folders = foldersUnder(root());
    let fail = true;
    const delivery = new HookedDelivery(new DirectoryDelivery(folders.outDir), {
      beforeApply: () => (fail ? Promise.reject(new Error("disk full")) : Promise.resolve()),
    });
    const h = harness({ store, platform: ctx, folders, delivery });
    const name = unique("retry");
    const first = await onboard(h, tenantDoc(name));
    expect(finishedStatus(first.result)).toBe("Failed: step 'apply' failed: disk full");
    expect((await store.tenants.require(name)).phase).toBe("Failed");
    fail = false;
    const second = await onboard(h, tenantDoc(name));
    expect(finishedStatus(second.result)).toBe("Succeeded");
    expect(await store.tenants.require(name)).toMatchObject({ phase: "Ready" });
    expect((await store.tokens.list(name)).map((t) => t.id)).toEqual([`onboard-${second.wf.id}`]);
    // A Ready tenant is not onboarded twice.
    await expect(submitOnboard(h.services, h.engine, tenantDoc(name), "t", new Date())).rejects.toThrow(ConflictError);
  });

  test("offboarding waits for a running workflow instead of racing it", async () => {
    const store = await backend.open();
    const h = harness({ store, platform: ctx, folders: foldersUnder(root()) });
    const name = unique("busy");
    const wf = await submitOnboard(h.services, h.engine, tenantDoc(name), "t", new Date());
    await expect(submitOffboard(h.services, h.engine, name, { actor: "t", force: false, now: new Date() })).rejects.toThrow(
      new RegExp(`onboard workflow pending \\(${wf.id}\\)`),
    );
    expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, wf.id))).toBe("Succeeded");
    const off = await submitOffboard(h.services, h.engine, name, { actor: "t", force: false, now: new Date() });
    expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, off.id))).toBe("Succeeded");
  });

  test("a tenant whose spec no longer validates against landlord.yaml can still be offboarded, forced", async () => {
    const store = await backend.open();
    const folders = foldersUnder(root());
    const name = unique("orphan");
    expect(finishedStatus((await onboard(harness({ store, platform: ctx, folders }), tenantDoc(name))).result)).toBe("Succeeded");
    // The operator renames the tier the tenant was on.
    const changed = platform(platformWith(["tiers", "small", "description"], "renamed").replace("\n  small:\n", "\n  starter:\n"));
    const h = harness({ store, platform: changed, folders });
    const off = await submitOffboard(h.services, h.engine, name, { actor: "t", force: true, now: new Date() });
    expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, off.id))).toBe("Succeeded");
    const steps = await store.workflows.steps(off.id);
    expect(steps.find((s) => s.name === "cloud-destroy")?.output).toEqual({
      skipped: "the stored spec no longer validates against landlord.yaml; run terraform destroy in the tenant's workspace by hand",
    });
    expect((await store.tenants.require(name)).phase).toBe("Offboarded");
  });
});

describe("store location", () => {
  test("a DATABASE_URL that is neither PostgreSQL nor SQLite is refused, naming the variable", () => {
    expect(() => locateStore("mysql://root():pw@db/landlord", "/tmp")).toThrow(InputError);
    try {
      locateStore("mysql://root():pw@db/landlord", "/tmp");
    } catch (err) {
      expect((err as InputError).problems[0]).toMatchObject({ path: "DATABASE_URL" });
      expect((err as InputError).message).not.toContain("pw");
    }
    expect(locateStore("postgresql://u@h/db", "/tmp").backend).toBe("postgres");
    expect(locateStore("sqlite:/tmp/x.db", "/tmp")).toEqual({ backend: "sqlite", target: "/tmp/x.db" });
  });
});
