/** The tenant lifecycle through the CLI, in-process, on the default SQLite store. */
import { readFile, stat, writeFile } from "node:fs/promises";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

let dir: string;
async function landlord(...argv: string[]): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env: { LANDLORD_ACTOR: "test" } };
  return { code: await run(argv, io), stdout, stderr };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-life-"));
  expect((await landlord("init")).code).toBe(0);
});

const onboardAcme = () => landlord("onboard", "acme", "--tier", "small", "--domain", "acme.apps.example.com", "--contact", "ops@acme.example.com");

describe("tenant lifecycle from the CLI", () => {
  test("onboard shows live steps and a summary, then get and describe show the tenant", async () => {
    const r = await onboardAcme();
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\[1\/9\] validate \.\.\.\n\s+ok \(\d+ ms\)/);
    expect(r.stderr).toMatch(/\[9\/9\] done/);
    expect(r.stdout).toMatch(/tenant acme is Ready \(\d+\.\d+ s\)/);
    expect(r.stdout).toContain("urls:        https://acme.apps.example.com");
    expect(r.stdout).toMatch(/no cluster was used/);
    const token = await readFile(join(dir, ".landlord/credentials/acme/api-token"), "utf8");
    expect((await stat(join(dir, ".landlord/credentials/acme/api-token"))).mode & 0o777).toBe(0o600);
    expect(r.stdout + r.stderr).not.toContain(token.trim());

    const get = await landlord("get", "tenants", "-o", "wide");
    expect(get.stdout).toMatch(/^NAME\s+TIER\s+PHASE\s+CLUSTER/);
    expect(get.stdout).toMatch(/acme\s+small\s+Ready\s+aks-weu-1/);
    const describe = await landlord("describe", "tenant", "acme", "-o", "json");
    const doc = JSON.parse(describe.stdout) as { phase: string; placement: { cluster: string }; workflows: { kind: string; status: string }[] };
    expect(doc.phase).toBe("Ready");
    expect(doc.placement.cluster).toBe("aks-weu-1");
    expect(doc.workflows).toEqual([expect.objectContaining({ kind: "onboard", status: "Succeeded" })]);
  });

  test("a second tenant on the same domain is refused, and nothing of it remains", async () => {
    expect((await landlord("onboard", "acme", "--tier", "small", "--domain", "shop.example.org", "--contact", "ops@acme.example.com")).code).toBe(0);
    const r = await landlord("onboard", "other", "--tier", "small", "--domain", "shop.example.org", "--contact", "a@b.co");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/shop\.example\.org.*tenant 'acme'/);
    expect((await landlord("get", "tenants")).stdout).not.toMatch(/^other/m);
  });

  test("missing flags without a terminal are an input error", async () => {
    const r = await landlord("onboard", "acme");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--tier: missing \(fix: pass --tier\)/);
  });

  test("diff is quiet when nothing changed and shows the object that a platform change touches", async () => {
    await onboardAcme();
    expect((await landlord("diff")).code).toBe(0);
    const config = join(dir, "landlord.yaml");
    await writeFile(config, (await readFile(config, "utf8")).replace("LOG_LEVEL: info ", "LOG_LEVEL: warn "));
    const r = await landlord("diff");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("--- delivered/acme/Deployment/app");
    expect(r.stdout).toMatch(/-\s+value: info\n\+\s+value: warn/);
    expect(r.stderr).toMatch(/acme: 1 object differs/);
  });

  test("update from a spec file, then offboard releases the name and keeps the audit trail", async () => {
    await onboardAcme();
    await writeFile(
      join(dir, "acme.yaml"),
      "apiVersion: landlord.dev/v1alpha1\nkind: Tenant\nmetadata: {name: acme}\nspec:\n  displayName: acme\n  tier: medium\n  domains: [acme.apps.example.com]\n  contacts: {email: ops@acme.example.com}\n",
    );
    const u = await landlord("update", "-f", "acme.yaml");
    expect(u.code).toBe(0);
    expect(await readFile(join(dir, "landlord-out/acme/kubernetes.yaml"), "utf8")).toContain("      nodeSelector:\n        landlord.dev/tenant: acme\n");
    expect((await landlord("update", "-f", "acme.yaml")).stdout).toMatch(/no change/);

    const refused = await landlord("offboard", "acme", "--force");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/add --yes to confirm/);
    const off = await landlord("offboard", "acme");
    expect(off.code).toBe(0);
    expect(off.stdout).toMatch(/acme offboarded; name and domains released; data retained until \d{4}-/);
    expect((await landlord("get", "tenants")).stdout).toBe("No tenants.\n");
    await expect(stat(join(dir, "landlord-out/acme"))).rejects.toThrow();
    const retained = await onboardAcme();
    expect(retained.code).toBe(1);
    expect(retained.stderr).toMatch(/retained until .*--reuse-retained-name/);
    const again = await landlord("onboard", "acme", "--tier", "small", "--domain", "acme.apps.example.com", "--contact", "ops@acme.example.com", "--reuse-retained-name");
    expect(again.code, again.stderr).toBe(0);
    const history = JSON.parse((await landlord("describe", "tenant", "acme", "-o", "json")).stdout) as { workflows: { kind: string }[] };
    expect(history.workflows.map((w) => w.kind).sort()).toEqual(["offboard", "onboard", "onboard", "update"]);
  });
});
