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
import { storedTenant } from "../../../src/workflows/tenant/services.js";
import { platform, tenantDoc } from "../../support/fixtures.js";
import { BACKENDS, unique, useBackend } from "../../store/support/backends.js";
import { finishedStatus, foldersUnder, harness, onboard, useTempRoot } from "./support/harness.js";

const BACKEND = `  terraform:
    backend: { resourceGroupName: rg-landlord-tfstate, storageAccountName: stlandlordtfstate, containerName: tfstate }
`;
const configured = platform(PLATFORM_TEMPLATE.replace(/^integrations:\n/m, `integrations:\n${BACKEND}`));

/** Terraform at the Azure boundary: what `terraform output -json` gives after an apply (public outputs only). */
class AzureBoundary extends TerraformRunner {
  applied = 0;
  constructor(private readonly clientId: string | undefined) {
    super(configured.config, "/nonexistent");
  }
  override apply(vars: CustomerInstanceVars): Promise<TerraformResult> {
    this.applied++;
    if (this.clientId === undefined) return Promise.resolve({ skipped: "Terraform not configured: no terraform or tofu binary on PATH" });
    return Promise.resolve({ workspace: `/nonexistent/customers/${vars.tenant_name}`, outputs: { identity_client_id: this.clientId, key_vault_name: vars.key_vault_name }, log: "" });
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

  test("the workload identity's client id reaches the delivered bundle and every later render", async () => {
    expect(configured.config.integrations.terraform.backend).toBeDefined();
    const store = await backend.open();
    const terraform = new AzureBoundary("00000000-1111-2222-3333-444444444444");
    const h = harness({ store, platform: configured, folders: foldersUnder(root()), terraform });
    const name = unique("tfo");
    const { result } = await onboard(h, tenantDoc(name, { domains: [`${name}.apps.example.com`, `shop.${name}-corp.com`] }));
    expect(finishedStatus(result)).toBe("Succeeded");
    expect(terraform.applied).toBe(1);
    const delivered = parseAllDocuments(await readFile(join(h.outDir, name, "kubernetes.yaml"), "utf8")).map((d) => d.toJS() as Record<string, unknown>);
    // The app's service account (External Secrets) and the database pods' (backups) carry it.
    expect(clientIdsIn(delivered)).toEqual(["00000000-1111-2222-3333-444444444444", "00000000-1111-2222-3333-444444444444"]);

    // A later render (what reconcile, status, diff and the rollout use) keeps it, and the verified custom domain.
    const challenges = domainChallengesRepo(store.db);
    await challenges.sync({ tenantName: name, domains: [`shop.${name}-corp.com`], now: new Date() });
    await challenges.recordCheck({ tenantName: name, domain: `shop.${name}-corp.com`, now: new Date(), verified: true, result: "verified" });
    const later = await storedTenant(h.services, await store.tenants.require(name));
    expect(later.cloud).toEqual({ identityClientId: "00000000-1111-2222-3333-444444444444" });
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
    expect(status).toContain("no cloud outputs recorded (identity_client_id)");
    expect(status).toContain(`landlord onboard ${name}`);
    await expect(readFile(join(h.outDir, name, "kubernetes.yaml"), "utf8")).rejects.toMatchObject({ code: "ENOENT" });
  });
});
