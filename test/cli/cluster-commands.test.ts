/** The cluster commands from the CLI when no cluster is configured: clear refusals, nothing written. */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";

let dir: string;
async function landlord(env: Record<string, string>, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env: { LANDLORD_ACTOR: "test", ...env } };
  return { code: await run(argv, io), stdout, stderr };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-clustercmd-"));
  expect((await landlord({}, "init")).code).toBe(0);
});

describe("cluster commands", () => {
  test("refuse in directory mode and say how to switch", async () => {
    for (const argv of [["status"], ["reconcile"], ["apply"]]) {
      const r = await landlord({}, ...argv);
      expect(r.code, argv.join(" ")).toBe(1);
      expect(r.stderr).toMatch(/delivery\.mode is directory.*set delivery\.mode: kubernetes/);
    }
  });

  test("name a missing kubeconfig context and the flags that fix it, before any tenant is submitted", async () => {
    const config = join(dir, "landlord.yaml");
    await writeFile(config, `${await readFile(config, "utf8")}\ndelivery: { mode: kubernetes }\n`);
    await writeFile(join(dir, "kc"), "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n");
    const r = await landlord({ KUBECONFIG: join(dir, "kc") }, "apply");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/kubeconfig has no context 'aks-weu-1'.*--context/);
    expect((await landlord({}, "get", "tenants")).stdout).toBe("No tenants.\n");
    const missing = await landlord({ KUBECONFIG: join(dir, "nope") }, "status");
    expect(missing.code).toBe(0);
    expect(missing.stdout).toBe("No tenants.\n");
  });

  test("audit passes the init example, in text and in Prometheus format", async () => {
    const text = await landlord({}, "audit");
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/acme\s+LL-NET-1\s+pass/);
    expect(text.stdout).toMatch(/audit passed: 1 tenant\(s\), 19 checks/);
    const prom = await landlord({}, "audit", "-o", "prometheus");
    expect(prom.stdout).toContain('landlord_audit_check_passed{tenant="acme",check="LL-RBAC-1"} 1');
    expect(prom.stdout).toContain("landlord_isolation_failures 0");
  });

  test("reject an unknown dry-run mode as invalid input", async () => {
    const r = await landlord({}, "apply", "--dry-run=client");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are none, server/);
  });
});
