/**
 * The Terraform step up to the Azure boundary: the real binary runs in the tenant's
 * generated workspace and stops where Azure credentials are needed; without a backend the
 * step is skipped with the reason.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { publicOutputs, TerraformRunner } from "../../src/delivery/terraform/runner.js";
import { renderBundle } from "../../src/render/bundle.js";
import { isRetryable } from "../../src/errors.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";
import { platformWith } from "../support/platform-variants.js";

const exec = promisify(execFile);
const terraformBinary = await exec("terraform", ["version"]).then(() => true, () => false);
const MODULE = resolve(import.meta.dirname, "../../terraform/modules/customer-instance");

function varsFor(ctxText?: string) {
  const ctx = platform(ctxText);
  const [t] = fleet(ctx, [tenantFile("acme")]);
  if (!t) throw new Error("no tenant");
  return { ctx, vars: renderBundle(ctx.config, t).terraform.variables };
}

describe("Terraform step", () => {
  test("without a backend it is skipped with the reason, and nothing is written", async () => {
    const { ctx, vars } = varsFor();
    const root = await mkdtemp(join(tmpdir(), "landlord-tf-run-"));
    const result = await new TerraformRunner(ctx.config, root).apply(vars, new AbortController().signal);
    expect(result.skipped).toBe("Terraform not configured: set integrations.terraform.backend in landlord.yaml to create cloud resources");
    expect(await readdir(root)).toEqual([]);
  });

  test.runIf(terraformBinary)("with a backend, terraform runs in the tenant's workspace and stops at the Azure boundary", async () => {
    const text = platformWith(["integrations", "terraform"], {
      moduleSource: MODULE,
      backend: { resourceGroupName: "rg-state", storageAccountName: "ststate", containerName: "tfstate" },
    });
    const { ctx, vars } = varsFor(text);
    const root = await mkdtemp(join(tmpdir(), "landlord-tf-run-"));
    const runner = new TerraformRunner(ctx.config, root);
    expect(await runner.notConfigured()).toBeUndefined();
    const error = await runner.apply(vars, new AbortController().signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    // init talks to the backend: a failure there is worth retrying later.
    expect(isRetryable(error)).toBe(true);
    expect((error as Error).message).toMatch(/^terraform init failed in .*customers\/acme:/);
    expect((error as Error).message).toMatch(/Azure|authoriz|credentials|az/i);
    // `landlord diff` plans through the same path and stops at the same boundary.
    await expect(runner.plan(vars, new AbortController().signal)).rejects.toThrow(/^terraform init failed/);
    const written = (await readdir(join(root, "customers", "acme"))).filter((f) => !f.startsWith("."));
    expect(written.sort()).toEqual(["main.tf", "terraform.tfvars.json", "variables.tf"]);
  });

  test("sensitive outputs never reach the workflow record", () => {
    expect(publicOutputs({ key_vault_uri: { value: "https://kv" }, admin_password: { sensitive: true, value: "hunter2" } })).toEqual({
      key_vault_uri: "https://kv",
    });
  });
});
