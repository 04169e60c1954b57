import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { beforeEach, describe, expect, test } from "vitest";
import { parseAllDocuments } from "yaml";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { CRDS_DIR } from "../support/fixtures.js";

const exec = promisify(execFile);
const MAIN = resolve(import.meta.dirname, "../../dist/src/cli/main.js");

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function landlord(cwd: string, ...argv: string[]): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, env: {} };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-cli-"));
  expect((await landlord(dir, "init")).code).toBe(0);
});

const exists = (p: string) => stat(p).then(() => true, () => false);

describe("landlord init", () => {
  test("writes a config that validates, and refuses to overwrite it", async () => {
    const before = await readFile(join(dir, "landlord.yaml"), "utf8");
    const again = await landlord(dir, "init");
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/file exists, nothing was written.*--force/);
    expect(await readFile(join(dir, "landlord.yaml"), "utf8")).toBe(before);
    expect((await landlord(dir, "init", "--force")).code).toBe(0);
  });
});

describe("landlord validate", () => {
  test("passes on the init example, checking CRDs when given", async () => {
    const r = await landlord(dir, "validate", "--crds", CRDS_DIR);
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toMatch(/1 tenant valid; 38 rendered objects checked against Kubernetes schemas and \d+ CRD versions/);
    expect(r.stderr).toMatch(/^warning: database pods cannot reach the API server on clusters without apiServerCidrs \(aks-weu-1\)/m);
    expect(r.stderr).toMatch(/^warning: database backups cannot leave the cluster: set integrations\.azure\.backupStorageCidrs/m);
    expect(r.stderr).toMatch(/^warning: database pods cannot sign in to Azure \(workload identity\): set integrations\.azure\.entraIdCidrs/m);
  });

  test("with Terraform set up and a private posture, says what terraform plan would refuse, naming the landlord.yaml field", async () => {
    // Without Terraform (the init default) nothing is created in the cloud, so nothing is said.
    expect((await landlord(dir, "validate")).stderr).not.toContain("privateEndpointSubnetId");
    const file = join(dir, "landlord.yaml");
    const backend = "  terraform:\n    backend: { resourceGroupName: rg-landlord-tfstate, storageAccountName: stlandlordtfstate, containerName: tfstate }\n";
    await writeFile(file, (await readFile(file, "utf8")).replace(/^integrations:\n/m, `integrations:\n${backend}`));
    const r = await landlord(dir, "validate");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: public network access is off but integrations\.cloudPosture\.privateEndpointSubnetId is unset: terraform plan refuses every tenant; set it \(terraform\/platform outputs it\)$/m);
  });

  test("lists every problem with file, field and fix, exit 2", async () => {
    await writeFile(
      join(dir, "tenants", "bad.yaml"),
      "apiVersion: landlord.dev/v1alpha1\nkind: Tenant\nmetadata: {name: Bad}\nspec: {displayName: x, tier: smal, domains: ['*.x.com'], contacts: {email: a@b.co}}\n",
    );
    const r = await landlord(dir, "validate");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("tenants/bad.yaml: metadata.name: must be a DNS label");
    expect(r.stderr).toContain("tenants/bad.yaml: spec.domains[0]: wildcard domains are not allowed (fix: list each hostname");
    expect(r.stderr).toContain("spec.tier: unknown tier 'smal' (fix: did you mean 'small'?");
    expect(r.stderr).toMatch(/^error: 3 problems found/);
  });

  test("a missing config says how to create one", async () => {
    const r = await landlord(dir, "--config", "nope.yaml", "validate");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope.yaml: platform config not found \(fix: run `landlord init`/);
  });
});

describe("landlord render", () => {
  test("prints a YAML stream on stdout", async () => {
    const r = await landlord(dir, "render");
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout);
    expect(Array.isArray(docs) && docs.length).toBe(38);
    expect(r.stdout.startsWith("apiVersion: v1\nkind: Namespace\n")).toBe(true);
  });

  test("-o json prints a List", async () => {
    const r = await landlord(dir, "render", "-o", "json");
    const list = JSON.parse(r.stdout) as { kind: string; items: unknown[] };
    expect(list.kind).toBe("List");
    expect(list.items).toHaveLength(38);
  });

  test("--out writes one folder per tenant, byte-identical on a second run", async () => {
    expect((await landlord(dir, "render", "--out", "out")).code).toBe(0);
    expect(await readdir(join(dir, "out", "acme"))).toEqual(["kubernetes.yaml", "terraform.tfvars.json"]);
    const first = await readFile(join(dir, "out", "acme", "kubernetes.yaml"), "utf8");
    await landlord(dir, "render", "--out", "out");
    expect(await readFile(join(dir, "out", "acme", "kubernetes.yaml"), "utf8")).toBe(first);
    const vars = JSON.parse(await readFile(join(dir, "out", "acme", "terraform.tfvars.json"), "utf8")) as Record<string, unknown>;
    expect(vars.tenant_name).toBe("acme");
  });

  test("invalid input writes nothing", async () => {
    await writeFile(join(dir, "tenants", "zz.yaml"), "apiVersion: landlord.dev/v1alpha1\nkind: Tenant\n");
    const r = await landlord(dir, "render", "--out", "out");
    expect(r.code).toBe(2);
    expect(await exists(join(dir, "out"))).toBe(false);
  });

  test("an unknown output format is a usage error", async () => {
    const r = await landlord(dir, "render", "-o", "xml");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are yaml, json/);
  });

  test("secrets stay references: nothing secret-like is rendered in clear", async () => {
    const r = await landlord(dir, "render");
    expect(r.stdout).not.toMatch(/^kind: Secret$/m);
    expect(r.stdout).not.toMatch(/stringData|password:/i);
    expect(r.stdout).toContain("    - remoteRef:\n        key: session-secret\n      secretKey: SESSION_SECRET\n");
  });
});

describe("landlord explain", () => {
  test("shows each value with the layer that set it", async () => {
    const r = await landlord(dir, "explain", "acme");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/app\.env\.LOG_LEVEL\s+"debug"\s+tenant \(tenants\/acme\.yaml\)/);
    expect(r.stdout).toMatch(/app\.replicas\s+2\s+tier small/);
    expect(r.stdout).toMatch(/app\.port\s+8080\s+defaults/);
  });

  test("-o json is machine-readable", async () => {
    const r = await landlord(dir, "explain", "acme", "-o", "json");
    const doc = JSON.parse(r.stdout) as { values: { path: string; source: string }[] };
    expect(doc.values.find((v) => v.path === "quota.cpu")?.source).toBe("tier/small");
  });

  test("an unknown tenant is an error naming the known ones", async () => {
    const r = await landlord(dir, "explain", "nobody");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tenant 'nobody' is neither onboarded nor in tenants\/; tenants there: acme/);
  });
});

describe("the installed binary", () => {
  test("exit codes reach the shell", async () => {
    const ok = await exec("node", [MAIN, "validate"], { cwd: dir });
    expect(ok.stdout).toMatch(/1 tenant valid/);
    await writeFile(join(dir, "tenants", "acme.yaml"), "\u0000\u0001binary");
    const bad = await exec("node", [MAIN, "validate"], { cwd: dir }).then(
      () => ({ code: 0, stderr: "" }),
      (err: unknown) => err as { code: number; stderr: string },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/tenants\/acme.yaml: file is binary/);
  });

  test("a closed pipe is not an error", async () => {
    const { stdout } = await exec("bash", ["-c", `node ${MAIN} render | head -n 1; echo "rc=\${PIPESTATUS[0]}"`], { cwd: dir });
    expect(stdout).toBe("apiVersion: v1\nrc=0\n");
  });
});
