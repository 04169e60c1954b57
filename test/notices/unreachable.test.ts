/**
 * `landlord validate` says when customers would be told nothing: notices on, but no channel
 * that reaches a tenant (no SMTP for its email; no secrets folder, or no webhook reference,
 * for Slack). Quiet once a channel reaches every tenant, or notices are switched off.
 */
import { mkdtemp, appendFile, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { describe, expect, test } from "vitest";
import { unreachableByNotices } from "../../src/notices/queue.js";
import { noticesSchema } from "../../src/spec/notices-schema.js";
import type { Tenant } from "../../src/spec/tenant-schema.js";
import { fleet, platform, tenantDoc, tenantFile } from "../support/fixtures.js";
import { runLandlord } from "../support/cli.js";

function tenants(): Tenant[] {
  return fleet(platform(), [tenantFile("acme"), tenantFile("globex", { spec: { contacts: { email: "ops@globex.example.com", slackWebhookSecretRef: { name: "slack", key: "url" } } } })]).map((t) => t.tenant);
}

describe("tenants no notice reaches", () => {
  test("all of them without SMTP or a secrets folder; those without a webhook reference with a secrets folder only; none with SMTP or notices off", () => {
    expect(unreachableByNotices(noticesSchema.parse({}), tenants())).toEqual(["acme", "globex"]);
    expect(unreachableByNotices(noticesSchema.parse({ secretsDir: "/etc/landlord/tenant-secrets" }), tenants())).toEqual(["acme"]);
    expect(unreachableByNotices(noticesSchema.parse({ smtp: { smarthost: "smtp.example.com:587", from: "ops@example.com" } }), tenants())).toEqual([]);
    expect(unreachableByNotices(noticesSchema.parse({ enabled: false }), tenants())).toEqual([]);
  });

  test("landlord validate warns with the settings that fix it, and is quiet once notices are off", async () => {
    const dir = await mkdtemp(join(tmpdir(), "landlord-untold-"));
    expect((await runLandlord(dir, ["init"])).code).toBe(0);
    await mkdir(join(dir, "tenants"), { recursive: true });
    await writeFile(join(dir, "tenants", "acme.yaml"), stringify(tenantDoc("acme")));
    const r = await runLandlord(dir, ["validate"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: no tenant can be told of rollouts, maintenance or incidents: set notices\.smtp .* or notices\.enabled: false/m);
    await appendFile(join(dir, "landlord.yaml"), "\nnotices:\n  enabled: false\n");
    const quiet = await runLandlord(dir, ["validate"]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).not.toContain("can be told");
  });
});
