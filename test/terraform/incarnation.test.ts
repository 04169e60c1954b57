/**
 * Issue 10, item 1 (cloud side): cloud names and the Terraform state key belong to a
 * tenant incarnation, not to a name. Re-onboarding a name is a new incarnation and gets a
 * new vault, storage account and state; without an incarnation the names are today's.
 */
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { cloudNames, incarnationId, newIncarnationId } from "../../src/spec/cloud-names.js";
import { tenantWorkspace } from "../../src/render/terraform/workspace.js";
import { renderBundle } from "../../src/render/bundle.js";
import { tenantNames } from "../../src/spec/names.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";

const ctx = platform();
// The module's own rules (terraform/modules/customer-instance/variables.tf).
const KEY_VAULT = /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;
const STORAGE = /^[a-z0-9]{3,24}$/;
const tenantName = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/);

describe("cloud names per tenant incarnation", () => {
  test("without an incarnation, today's names and state key (callers not yet wired keep working)", () => {
    const names = tenantNames(ctx.config, "acme");
    expect(cloudNames(ctx.config, "acme")).toEqual({ resourceGroup: names.resourceGroup, keyVault: names.keyVault, storageAccount: names.storageAccount, stateKey: "tenants/acme.tfstate" });
  });

  test("a name onboarded again gets another resource group, vault, storage account and state key", () => {
    const first = cloudNames(ctx.config, "acme", incarnationId("k3x9q2m7aa"));
    const second = cloudNames(ctx.config, "acme", incarnationId("p0d8w1z4bb"));
    expect(first.stateKey).toBe("tenants/acme/k3x9q2m7aa.tfstate");
    expect(second.stateKey).toBe("tenants/acme/p0d8w1z4bb.tfstate");
    expect(second.keyVault).not.toBe(first.keyVault);
    expect(second.storageAccount).not.toBe(first.storageAccount);
    // The resource group holds the identities and their federation: the second customer's
    // apply must neither fail on the first one's group nor inherit what it trusts.
    expect(second.resourceGroup).not.toBe(first.resourceGroup);
    // Nor does any incarnation take the per-name (pre-incarnation) names.
    const legacy = cloudNames(ctx.config, "acme");
    expect([first.resourceGroup, second.resourceGroup]).not.toContain(legacy.resourceGroup);
    expect([first.keyVault, second.keyVault]).not.toContain(legacy.keyVault);
    expect([first.storageAccount, second.storageAccount]).not.toContain(legacy.storageAccount);
  });

  test("every name is valid for Azure and the module, for any tenant name and incarnation", () => {
    fc.assert(
      fc.property(tenantName, fc.stringMatching(/^[a-z0-9]{6,12}$/), (name, inc) => {
        const n = cloudNames(ctx.config, name, incarnationId(inc));
        expect(n.keyVault).toMatch(KEY_VAULT);
        expect(n.keyVault).not.toMatch(/--/);
        expect(n.storageAccount).toMatch(STORAGE);
        // Azure: 1-90 of letters, digits, '_', '-', '.', '(' and ')', not ending in '.'.
        expect(n.resourceGroup).toMatch(/^[-\w.()]{1,89}[-\w()]$/);
        expect(n.stateKey).toBe(`tenants/${name}/${inc}.tfstate`);
      }),
      { numRuns: 500 },
    );
  });

  test("fresh incarnation ids are valid and distinct; malformed ones are refused naming the rule", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newIncarnationId(randomBytes)));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]{10}$/);
    expect(() => incarnationId("ACME")).toThrow(/'ACME' is not an incarnation id \(fix: use 6-12 lowercase letters and digits/);
  });

  test("the workspace of an incarnation keeps its state under the incarnation's key", () => {
    const [t] = fleet(ctx, [tenantFile("acme")]);
    if (!t) throw new Error("no tenant");
    const vars = renderBundle(ctx.config, t).terraform.variables;
    const [today] = tenantWorkspace(ctx.config, vars);
    const [incarnated] = tenantWorkspace(ctx.config, vars, undefined, incarnationId("k3x9q2m7aa"));
    expect(today?.text).toMatch(/key = "tenants\/acme\.tfstate"/);
    expect(incarnated?.text).toMatch(/key = "tenants\/acme\/k3x9q2m7aa\.tfstate"/);
  });
});
