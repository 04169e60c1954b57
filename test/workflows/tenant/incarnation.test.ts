/**
 * A name onboarded again is a new life of it: refused while the previous customer's data is
 * retained (unless the operator says otherwise), and never given the previous vault, storage
 * account, Terraform state or domain proofs. On SQLite and PostgreSQL.
 */
import { describe, expect, test } from "vitest";
import { ConflictError } from "../../../src/errors.js";
import { tenantWorkspace } from "../../../src/render/terraform/workspace.js";
import { incarnationId } from "../../../src/spec/cloud-names.js";
import { domainChallengesRepo } from "../../../src/store/domain-challenges-repo.js";
import { runTenantWorkflow } from "../../../src/workflows/tenant/run-tenant-workflow.js";
import { renderStored } from "../../../src/workflows/tenant/services.js";
import { submitOffboard, submitOnboard } from "../../../src/workflows/tenant/submit.js";
import { platform, tenantDoc } from "../../support/fixtures.js";
import { BACKENDS, unique, useBackend } from "../../store/support/backends.js";
import { finishedStatus, foldersUnder, harness, useTempRoot } from "./support/harness.js";

const ctx = platform();

describe.each(BACKENDS)("re-onboarding a name on $name", (factory) => {
  const backend = useBackend(factory);
  const root = useTempRoot("landlord-incarnation-");

  test("inside retention: refused with the reason; with the override, or after retention, new cloud names, state key and domain proofs", async () => {
    const store = await backend.open();
    const h = harness({ store, platform: ctx, folders: foldersUnder(root()) });
    const name = unique("inc");
    const spec = tenantDoc(name, { domains: [`${name}.apps.example.com`, `shop.${name}-corp.com`] });
    const run = async (submit: Promise<{ id: string }>) => finishedStatus(await runTenantWorkflow(h.services, h.engine, (await submit).id));

    expect(await run(submitOnboard(h.services, h.engine, spec, "tester", new Date()))).toBe("Succeeded");
    const first = await renderStored(h.services, name, (await store.tenants.require(name)).spec);
    expect(first.tenant.incarnation).toBeNull();
    const challenges = domainChallengesRepo(store.db);
    await challenges.sync({ tenantName: name, domains: [`shop.${name}-corp.com`], now: new Date() });
    await challenges.recordCheck({ tenantName: name, domain: `shop.${name}-corp.com`, now: new Date(), verified: true, result: "verified" });
    expect((await renderStored(h.services, name, (await store.tenants.require(name)).spec)).tenant.domains.served).toContain(`shop.${name}-corp.com`);

    expect(await run(submitOffboard(h.services, h.engine, name, { actor: "tester", force: false, now: new Date() }))).toBe("Succeeded");
    const offboarded = await store.tenants.require(name);
    expect(offboarded.phase).toBe("Offboarded");
    expect(offboarded.retainUntil?.getTime()).toBeGreaterThan(Date.now());

    // Inside the retention window: the previous customer's backups and vault still exist.
    const refused = submitOnboard(h.services, h.engine, spec, "tester", new Date());
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await expect(refused).rejects.toThrow(/is retained until .*--reuse-retained-name/);
    expect((await store.tenants.require(name)).phase).toBe("Offboarded");

    expect(await run(submitOnboard(h.services, h.engine, spec, "tester", new Date(), { reuseRetained: true }))).toBe("Succeeded");
    const second = await renderStored(h.services, name, (await store.tenants.require(name)).spec);
    const inc = second.tenant.incarnation;
    expect(inc).toMatch(/^[a-z0-9]{10}$/);
    const v1 = first.bundle.terraform.variables;
    const v2 = second.bundle.terraform.variables;
    expect(v2.key_vault_name).not.toBe(v1.key_vault_name);
    expect(v2.storage_account_name).not.toBe(v1.storage_account_name);
    const stateKey = (incarnation?: string) => /key\s*=\s*"([^"]+)"/.exec(tenantWorkspace(ctx.config, v1, undefined, incarnation === undefined ? undefined : incarnationId(incarnation))[0]?.text ?? "")?.[1];
    expect(stateKey(inc ?? undefined)).not.toBe(stateKey());
    // The earlier customer's proof of its custom domain does not carry over.
    expect(second.tenant.domains.pending).toEqual([`shop.${name}-corp.com`]);
    expect(await challenges.list(name)).toEqual([]);

    // After the retention window, no override is needed, and the next life is new again.
    expect(await run(submitOffboard(h.services, h.engine, name, { actor: "tester", force: true, now: new Date() }))).toBe("Succeeded");
    expect(await run(submitOnboard(h.services, h.engine, spec, "tester", new Date()))).toBe("Succeeded");
    const third = (await store.tenants.require(name)).incarnation;
    expect(third).not.toBeNull();
    expect(third).not.toBe(inc);
  });
});
