/**
 * The cluster commands as an operator runs them, in-process, against the real control
 * plane: apply (and its server-side dry run), status, diff, reconcile after a hand edit.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { tenantDoc } from "../support/fixtures.js";
import { admin, kubeconfigWith, livePlatformText, uniqueName } from "./support/live.js";

let dir: string;
const name = uniqueName("cli");
const { core } = admin();

async function landlord(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env: { LANDLORD_ACTOR: "test" } };
  return { code: await run(["--kubeconfig", "kubeconfig", "--new-store", ...argv], io), stdout, stderr };
}

async function writeTenant(overrides?: Record<string, unknown>): Promise<void> {
  await writeFile(join(dir, "tenants", `${name}.yaml`), stringify(tenantDoc(name, overrides ? { overrides } : {})));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-cli-live-"));
  await mkdir(join(dir, "tenants"));
  await writeFile(join(dir, "landlord.yaml"), livePlatformText());
  await kubeconfigWith(dir, []);
  await writeTenant();
});

describe("landlord apply, status, diff and reconcile on a live cluster", () => {
  it("dry-runs on the server without persisting anything, then onboards", async () => {
    const dry = await landlord("apply", "--dry-run=server");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`${name}: Namespace/tenant-${name} created (server dry run)`);
    expect(dry.stdout).toMatch(/Deployment\/app in tenant-\S+ created \(server dry run\)/);
    await expect(core.readNamespace({ name: `tenant-${name}` })).rejects.toMatchObject({ code: 404 });
    expect((await landlord("get", "tenants")).stdout).toBe("No tenants.\n");

    const applied = await landlord("apply");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`${name}: onboarded`);
    expect(applied.stderr).toMatch(/\[5\/9\] apply \.\.\.\n\s+applied to landlord-dev: \d+ created/);
  });

  it("reports every object applied and ready, and an unchanged apply writes nothing", async () => {
    const status = await landlord("status", name);
    expect(status.stdout).toMatch(new RegExp(`${name}\\s+Deployment/app\\s+yes\\s+yes\\s+-`));
    expect(status.stdout).not.toMatch(/^\S+\s+\S+\s+no\s/m);
    const again = await landlord("apply");
    expect(again.stdout).toContain(`${name}: unchanged spec; 0 object(s) repaired, 0 writes`);
  });

  it("shows a hand edit in diff and status, repairs it with reconcile, then writes nothing", async () => {
    await core.patchNamespacedLimitRange({ name: "container-defaults", namespace: `tenant-${name}`, body: [{ op: "replace", path: "/spec/limits/0/default/memory", value: "2Gi" }], fieldManager: "kubectl-edit" });
    const diff = await landlord("diff", name);
    expect(diff.stderr).toMatch(/1 object differs/);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/--- live\/\S+\/LimitRange\/container-defaults/);
    expect(diff.stdout).toMatch(/-\s+memory: 2Gi\n\+\s+memory: 256Mi/);
    expect((await landlord("status", name)).stdout).toMatch(/LimitRange\/container-defaults\s+yes\s+-\s+spec\.limits\[0\]\.default\.memory/);
    const fixed = await landlord("reconcile");
    expect(fixed.stdout).toContain(`${name}: LimitRange/container-defaults in tenant-${name} repaired (spec.limits[0].default.memory was changed by hand)`);
    expect(fixed.stdout).toMatch(/1 object\(s\) changed, 1 writes/);
    expect((await landlord("reconcile")).stdout).toMatch(/0 object\(s\) changed, 0 writes/);
    expect((await landlord("diff", name)).code).toBe(0);
  });

  it("updates from a changed file and prints status as JSON", async () => {
    await writeTenant({ app: { env: { LOG_LEVEL: "debug" } } });
    const r = await landlord("apply");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${name}: updated`);
    const doc = JSON.parse((await landlord("status", name, "-o", "json")).stdout) as { items: { tenant: string; objects: { object: string; applied: boolean }[] }[] };
    expect(doc.items[0]?.tenant).toBe(name);
    expect(doc.items[0]?.objects.every((o) => o.applied)).toBe(true);
  });

  it("audits live, and says why no packet was sent where nodes run nothing", async () => {
    const live = await landlord("audit", "--live", "--outside", "10.251.0.2:443");
    expect(live.code, live.stdout + live.stderr).toBe(0);
    expect(live.stdout).toMatch(/live audit: \d+ checks, 0 allowed that must be refused/);
    expect(live.stdout).toContain("aks-weu-1: packets not sent: policy.isolationProbeImage is not set in landlord.yaml");
    const misplaced = await landlord("audit", "--outside", "10.251.0.2:443");
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toMatch(/--outside.*add --live/);
    const bad = await landlord("audit", "--live", "--outside", "nowhere");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/'nowhere' is not IPV4:PORT/);
  });
});
