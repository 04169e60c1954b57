/**
 * `landlord render` streams a fleet: checked whole first (invalid input writes nothing),
 * then each tenant rendered and written in turn. The bytes are those of rendering the
 * whole fleet at once and writing it with the document-model writer it replaced.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { beforeEach, describe, expect, test } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { InputError, type InputProblem } from "../../src/errors.js";
import { renderBundle } from "../../src/render/bundle.js";
import { toJson } from "../../src/render/serialize.js";
import { FleetCheck, loadFleet } from "../../src/spec/fleet.js";
import type { RawFile } from "../../src/spec/documents.js";
import { platform, raw, tenantDoc, tenantFile } from "../support/fixtures.js";
import { referenceYamlStream } from "./support/reference-writer.js";

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const TIERS = ["small", "small", "medium", "large"];

async function landlord(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, env: {} };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

function tenantText(i: number): string {
  return stringify(tenantDoc(`t-${i.toString(36)}`, { tier: TIERS[i % TIERS.length] ?? "small", overrides: { app: { env: { LOG_LEVEL: i % 2 === 0 ? "on" : "debug", NOTE: "a\nb" } } } }));
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-stream-"));
  expect((await landlord(dir, "init")).code).toBe(0);
  // 41 tenants: init's acme, one file per tenant, and one file holding two documents.
  for (let i = 0; i < 38; i++) await writeFile(join(dir, "tenants", `t-${String(i).padStart(3, "0")}.yaml`), tenantText(i));
  await writeFile(join(dir, "tenants", "two.yaml"), `${tenantText(1000)}---\n${tenantText(1001)}`);
});

/** The fleet as the previous render held it: every tenant resolved and rendered at once. */
async function wholeFleet(): Promise<ReturnType<typeof renderBundle>[]> {
  const ctx = platform(await readFile(join(dir, "landlord.yaml"), "utf8"));
  const names = (await readdir(join(dir, "tenants"))).sort();
  const files = await Promise.all(names.map(async (n) => raw(`tenants/${n}`, await readFile(join(dir, "tenants", n), "utf8"))));
  return loadFleet(ctx, files).map((t) => renderBundle(ctx.config, t));
}

describe("streamed render", () => {
  test("stdout YAML is byte-identical to the whole fleet written at once", async () => {
    const r = await landlord(dir, "render");
    expect(r.code).toBe(0);
    const bundles = await wholeFleet();
    expect(bundles).toHaveLength(41);
    expect(r.stdout).toBe(referenceYamlStream(bundles.flatMap((b) => b.objects)));
  });

  test("stdout JSON is byte-identical to one List of the whole fleet", async () => {
    const r = await landlord(dir, "render", "-o", "json");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(toJson({ apiVersion: "v1", kind: "List", items: (await wholeFleet()).flatMap((b) => b.objects) }));
  });

  test("--out writes every tenant's files with the same bytes", async () => {
    const r = await landlord(dir, "render", "--out", "out");
    expect(r.code).toBe(0);
    const bundles = await wholeFleet();
    expect(r.stderr).toBe(`rendered 41 tenants (${bundles.reduce((n, b) => n + b.objects.length, 0)} objects) into out\n`);
    expect((await readdir(join(dir, "out"))).sort()).toEqual(bundles.map((b) => b.tenant).sort());
    for (const b of bundles) {
      expect(await readFile(join(dir, "out", b.tenant, "kubernetes.yaml"), "utf8")).toBe(referenceYamlStream(b.objects));
      expect(await readFile(join(dir, "out", b.tenant, "terraform.tfvars.json"), "utf8")).toBe(toJson(b.terraform.variables));
    }
  });

  test("one invalid file among many: exit 2, nothing on stdout, no --out folder", async () => {
    await writeFile(join(dir, "tenants", "t-020.yaml"), "apiVersion: landlord.dev/v1alpha1\nkind: Tenant\n");
    const toDir = await landlord(dir, "render", "--out", "out");
    expect(toDir.code).toBe(2);
    expect(toDir.stderr).toMatch(/tenants\/t-020\.yaml/);
    expect(await stat(join(dir, "out")).then(() => true, () => false)).toBe(false);
    const toStdout = await landlord(dir, "render");
    expect(toStdout.code).toBe(2);
    expect(toStdout.stdout).toBe("");
  });

  test("a fleet larger than the open-file limit renders", async () => {
    for (let i = 38; i < 420; i++) await writeFile(join(dir, "tenants", `t-${String(i).padStart(3, "0")}.yaml`), tenantText(i));
    // 423 files, 256 descriptors: reading them all at once fails with EMFILE.
    const cmd = `ulimit -n 256 && exec node --import tsx src/cli/main.ts --config ${join(dir, "landlord.yaml")} render --out ${join(dir, "out")}`;
    const { stderr } = await exec("bash", ["-c", cmd], { cwd: ROOT });
    expect(stderr).toMatch(/^rendered 423 tenants/m);
    expect(await readdir(join(dir, "out"))).toHaveLength(423);
  }, 60_000);
});

describe("FleetCheck", () => {
  const ctx = platform();
  const problemsOf = (fn: () => unknown): readonly InputProblem[] => {
    try {
      fn();
    } catch (err) {
      if (err instanceof InputError) return err.problems;
      throw err;
    }
    return [];
  };
  const checked = (files: RawFile[]) => () => {
    const check = new FleetCheck(ctx);
    for (const f of files) check.add(f);
    check.check();
    return [...check.tenants()];
  };

  test("reports the same problems, in the same order, as loadFleet", () => {
    const fleets: RawFile[][] = [
      [tenantFile("acme"), tenantFile("acme"), raw("tenants/bad.yaml", "a: [\n"), tenantFile("b", { tier: "tiny" })],
      [tenantFile("a", { domains: ["shop.example.org"] }), tenantFile("b", { domains: ["api.shop.example.org"] }), raw("tenants/empty.yaml", "")],
      [raw("tenants/bin.yaml", "\u0000"), tenantFile("kube-system"), tenantFile("x", { overrides: { app: { replicas: 999 } } })],
    ];
    for (const files of fleets) {
      const expected = problemsOf(() => loadFleet(ctx, files));
      expect(expected.length).toBeGreaterThan(1);
      expect(problemsOf(checked(files))).toEqual(expected);
    }
  });

  test("hands out the tenants loadFleet resolves, in file order", () => {
    const files = [tenantFile("b", { tier: "medium" }), raw("tenants/two.yaml", `${stringify(tenantDoc("a"))}---\n${stringify(tenantDoc("c", { tier: "large" }))}`)];
    expect(checked(files)()).toEqual(loadFleet(ctx, files));
  });

  test("tenants() before a passing check() is refused", () => {
    const check = new FleetCheck(ctx);
    check.add(tenantFile("a"));
    expect(() => [...check.tenants()]).toThrow(/before a check/);
  });
});
