/**
 * Issue 11 on the real control plane: `reconcile --dry-run=server` shows the repair of a
 * hand edit and writes nothing; `onboard --dry-run` writes nothing to the cluster; a
 * landlord.yaml change reaches the live objects through `update --all`.
 */
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { admin, kubeconfigWith, livePlatformText, uniqueName } from "./support/live.js";

let dir: string;
const name = uniqueName("op");
const { core } = admin();

async function landlord(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env: { LANDLORD_ACTOR: "test" } };
  return { code: await run(["--kubeconfig", "kubeconfig", "--new-store", ...argv], io), stdout, stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-operator-live-"));
  await mkdir(join(dir, "tenants"));
  await writeFile(join(dir, "landlord.yaml"), livePlatformText());
  await kubeconfigWith(dir, []);
});

describe("dry runs and fleet-wide updates on a live cluster", () => {
  it("onboard --dry-run touches nothing; the real onboarding then makes the tenant live", async () => {
    const args = ["onboard", name, "--tier", "small", "--domain", `${name}.apps.example.com`, "--contact", "ops@example.com"];
    const dry = await landlord(...args, "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/would be onboarded \(dry run: nothing was written\)/);
    await expect(core.readNamespace({ name: `tenant-${name}` })).rejects.toMatchObject({ code: 404 });
    expect((await landlord(...args)).code).toBe(0);
    expect((await core.readNamespace({ name: `tenant-${name}` })).metadata?.name).toBe(`tenant-${name}`);
  });

  it("reconcile --dry-run=server reports the repair of a hand edit and writes nothing", async () => {
    await core.patchNamespacedLimitRange({ name: "container-defaults", namespace: `tenant-${name}`, body: [{ op: "replace", path: "/spec/limits/0/default/memory", value: "2Gi" }], fieldManager: "kubectl-edit" });
    const dry = await landlord("reconcile", "--tenant", name, "--dry-run=server");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`${name}: LimitRange/container-defaults in tenant-${name} repaired (spec.limits[0].default.memory was changed by hand) (server dry run)`);
    const live = await core.readNamespacedLimitRange({ name: "container-defaults", namespace: `tenant-${name}` });
    expect(live.spec?.limits[0]?._default?.["memory"]).toBe("2Gi");
    expect((await landlord("reconcile", "--tenant", name)).stdout).toMatch(/1 object\(s\) changed/);
  });

  it("a landlord.yaml change is planned and delivered by update --all", async () => {
    const config = join(dir, "landlord.yaml");
    const text = await readFile(config, "utf8");
    expect(text).toMatch(/LOG_LEVEL: info/);
    await writeFile(config, text.replace(/LOG_LEVEL: info/, "LOG_LEVEL: warn"));
    const plan = await landlord("update", "--all", "--dry-run");
    expect(plan.stdout).toContain(`${name}: landlord.yaml changed what it renders`);
    const r = await landlord("update", "--all");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`tenant ${name} updated`);
    const cm = await admin().apps.readNamespacedDeployment({ name: "app", namespace: `tenant-${name}` });
    expect(JSON.stringify(cm.spec?.template.spec?.containers[0]?.env)).toContain('"warn"');
  });
});
