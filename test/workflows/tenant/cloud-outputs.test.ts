/**
 * Terraform's outputs reach every render of a stored tenant: the onboarding's apply step and
 * every later path (reconcile, status, diff, rollout) through the one stored-tenant render.
 * With Terraform configured and no outputs, apply is refused with the way forward. Azure
 * cannot run here: the runner stops where Terraform would have applied and reports the
 * outputs its module declares (terraform/modules/customer-instance/outputs.tf), on SQLite
 * and PostgreSQL.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseAllDocuments } from "yaml";
import { TerraformRunner, type TerraformResult } from "../../../src/delivery/terraform/runner.js";
import type { CustomerInstanceVars } from "../../../src/render/terraform/tfvars.js";
import { PLATFORM_TEMPLATE } from "../../../src/init/templates.js";
import { domainChallengesRepo } from "../../../src/store/domain-challenges-repo.js";
import { cloudRetentionRepo } from "../../../src/store/cloud-retention-repo.js";
import { purgeDue } from "../../../src/workflows/tenant/purge.js";
import { runTenantWorkflow } from "../../../src/workflows/tenant/run-tenant-workflow.js";
import { submitOffboard, submitOnboard } from "../../../src/workflows/tenant/submit.js";
import { storedTenant } from "../../../src/workflows/tenant/services.js";
import { platform, tenantDoc } from "../../support/fixtures.js";
import { BACKENDS, unique, useBackend } from "../../store/support/backends.js";
import { finishedStatus, foldersUnder, harness, onboard, useTempRoot } from "./support/harness.js";

const BACKEND = `  terraform:
    backend: { resourceGroupName: rg-landlord-tfstate, storageAccountName: stlandlordtfstate, containerName: tfstate }
`;
const configured = platform(PLATFORM_TEMPLATE.replace(/^integrations:\n/m, `integrations:\n${BACKEND}`));

const APP_ID = "00000000-1111-2222-3333-444444444444";
const DB_ID = "00000000-5555-6666-7777-888888888888";

/** Terraform at the Azure boundary: what `terraform output -json` gives after an apply (public outputs only). */
class AzureBoundary extends TerraformRunner {
  applied = 0;
  readonly applies: CustomerInstanceVars[] = [];
  readonly destroys: { vars: CustomerInstanceVars; incarnation: string | undefined }[] = [];
  constructor(private readonly clientIds: { app: string; database: string } | undefined) {
    super(configured.config, "/nonexistent");
  }
  override apply(vars: CustomerInstanceVars): Promise<TerraformResult> {
    this.applied++;
    this.applies.push(vars);
    if (this.clientIds === undefined) return Promise.resolve({ skipped: "Terraform not configured: no terraform or tofu binary on PATH" });
    return Promise.resolve({
      workspace: `/nonexistent/customers/${vars.tenant_name}`,
      outputs: { app_identity_client_id: this.clientIds.app, database_identity_client_id: this.clientIds.database, resource_group_name: vars.resource_group_name, key_vault_name: vars.key_vault_name },
      log: "",
    });
  }
  override destroy(vars: CustomerInstanceVars, _signal: AbortSignal, incarnation?: string): Promise<TerraformResult> {
    this.destroys.push({ vars, incarnation });
    return Promise.resolve({ workspace: `/nonexistent/customers/${vars.tenant_name}`, log: "" });
  }
}

function clientIdsIn(docs: readonly Record<string, unknown>[]): string[] {
  const ids: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (k === "azure.workload.identity/client-id" && typeof x === "string") ids.push(x);
        else walk(x);
      }
    }
  };
  walk(docs);
  return ids;
}

describe.each(BACKENDS)("Terraform outputs on $name", (factory) => {
  const backend = useBackend(factory);
  const root = useTempRoot("landlord-cloud-outputs-");

  test("each workload's identity client id reaches its ServiceAccount in the delivered bundle and every later render", async () => {
    expect(configured.config.integrations.terraform.backend).toBeDefined();
    const store = await backend.open();
    const terraform = new AzureBoundary({ app: APP_ID, database: DB_ID });
    const h = harness({ store, platform: configured, folders: foldersUnder(root()), terraform });
    const name = unique("tfo");
    const { result } = await onboard(h, tenantDoc(name, { domains: [`${name}.apps.example.com`, `shop.${name}-corp.com`] }));
    expect(finishedStatus(result)).toBe("Succeeded");
    expect(terraform.applied).toBe(1);
    const delivered = parseAllDocuments(await readFile(join(h.outDir, name, "kubernetes.yaml"), "utf8")).map((d) => d.toJS() as Record<string, unknown>);
    // The app's service account (External Secrets) reads the vault; the database pods' writes backups: one identity each.
    const sa = delivered.find((d) => d["kind"] === "ServiceAccount" && (d["metadata"] as { name?: string }).name === "app");
    const cluster = delivered.find((d) => d["kind"] === "Cluster");
    expect(clientIdsIn(sa ? [sa] : [])).toEqual([APP_ID]);
    expect(clientIdsIn(cluster ? [cluster] : [])).toEqual([DB_ID]);
    expect(clientIdsIn(delivered).sort()).toEqual([APP_ID, DB_ID].sort());
    expect(terraform.applies[0]?.workload_identity).toMatchObject({ app_service_account: "app", database_service_account: "db" });

    // A later render (what reconcile, status, diff and the rollout use) keeps it, and the verified custom domain.
    const challenges = domainChallengesRepo(store.db);
    await challenges.sync({ tenantName: name, domains: [`shop.${name}-corp.com`], now: new Date() });
    await challenges.recordCheck({ tenantName: name, domain: `shop.${name}-corp.com`, now: new Date(), verified: true, result: "verified" });
    const later = await storedTenant(h.services, await store.tenants.require(name));
    expect(later.cloud).toEqual({ appIdentityClientId: APP_ID, databaseIdentityClientId: DB_ID, resourceGroupName: terraform.applies[0]?.resource_group_name });
    expect(clientIdsIn(later.bundle.objects as unknown as Record<string, unknown>[])).toHaveLength(2);
    expect(later.tenant.domains.served).toContain(`shop.${name}-corp.com`);
    const ingress = later.bundle.objects.find((o) => o.kind === "Ingress");
    expect(JSON.stringify(ingress)).toContain(`shop.${name}-corp.com`);
  });

  test("with Terraform configured and no outputs, apply is refused and says what to do; nothing is delivered", async () => {
    const store = await backend.open();
    const h = harness({ store, platform: configured, folders: foldersUnder(root()), terraform: new AzureBoundary(undefined) });
    const name = unique("tfn");
    const { result } = await onboard(h, tenantDoc(name));
    const status = finishedStatus(result);
    expect(status).toMatch(/^Failed: /);
    expect(status).toContain("no cloud outputs recorded (app_identity_client_id, database_identity_client_id)");
    expect(status).toContain(`landlord onboard ${name}`);
    await expect(readFile(join(h.outDir, name, "kubernetes.yaml"), "utf8")).rejects.toMatchObject({ code: "ENOENT" });
  });

  test("an offboarding retires the cloud resources at once, keeps the data until the purge, and a re-onboarded name shares nothing", async () => {
    const store = await backend.open();
    const terraform = new AzureBoundary({ app: APP_ID, database: DB_ID });
    const h = harness({ store, platform: configured, folders: foldersUnder(root()), terraform });
    const name = unique("ret");
    expect(finishedStatus((await onboard(h, tenantDoc(name))).result)).toBe("Succeeded");
    const first = terraform.applies.at(-1);
    const firstIncarnation = (await store.tenants.require(name)).incarnation;
    const offboardedAt = new Date();
    const wf = await submitOffboard(h.services, h.engine, name, { actor: "tester", force: false, now: offboardedAt });
    expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, wf.id))).toBe("Succeeded");

    // The offboarding applied the same inputs with retained = true: nothing destroyed yet.
    const retired = terraform.applies.at(-1);
    expect(retired).toEqual({ ...first, retained: true });
    expect(terraform.destroys).toEqual([]);
    const repo = cloudRetentionRepo(store.db);
    const [kept] = await repo.list(name);
    expect(kept).toMatchObject({ tenantName: name, incarnation: firstIncarnation, purgedAt: null, variables: { retained: true, resource_group_name: first?.resource_group_name } });
    const retention = (await store.tenants.require(name)).retainUntil;
    expect(kept?.purgeAfter.getTime()).toBeGreaterThan(offboardedAt.getTime());

    // A new customer under the same name: its own resource group, so its identities and
    // federation are its own, beside the retained data of the first.
    const spec = tenantDoc(name);
    expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, (await submitOnboard(h.services, h.engine, spec, "tester", new Date(), { reuseRetained: true })).id))).toBe("Succeeded");
    const second = terraform.applies.at(-1);
    expect(second?.retained).toBe(false);
    expect(second?.resource_group_name).not.toBe(first?.resource_group_name);
    expect(second?.key_vault_name).not.toBe(first?.key_vault_name);

    // Before the retention ends the purge does nothing; after, it destroys what the first incarnation kept, once.
    const signal = new AbortController().signal;
    expect(await purgeDue(h.services, new Date(offboardedAt.getTime() + 1000), signal)).toEqual([]);
    const after = new Date((kept?.purgeAfter.getTime() ?? 0) + 1000);
    const purged = await purgeDue(h.services, after, signal);
    expect(purged).toEqual([{ tenant: name, incarnation: firstIncarnation, result: "purged", detail: expect.stringContaining(String(first?.resource_group_name)) as unknown }]);
    expect(terraform.destroys).toEqual([{ vars: { ...first, retained: true }, incarnation: firstIncarnation ?? undefined }]);
    expect((await repo.list(name))[0]?.purgedAt?.toISOString()).toBe(after.toISOString());
    expect(await purgeDue(h.services, new Date(after.getTime() + 1000), signal)).toEqual([]);
    expect((await store.audit.list({ tenantName: name, action: "tenant.purged" })).map((e) => e.details)).toEqual([{ incarnation: firstIncarnation, resourceGroup: first?.resource_group_name }]);
    expect(retention).not.toBeNull();
  });
});
