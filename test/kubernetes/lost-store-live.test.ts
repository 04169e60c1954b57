/**
 * A lost store in a kubernetes-mode folder with no trace of earlier deliveries (no
 * credentials folder: a fresh checkout of the config repo elsewhere). The clusters are
 * asked for the tenants Landlord manages: writing commands refuse to start an empty store
 * beside them unless --new-store, reading ones warn, and a cluster that cannot be asked is
 * a warning naming its context, quickly, never a hang.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { admin, kubeconfigWith, livePlatformText, uniqueName } from "./support/live.js";

// Names sort first among the tenants other files leave on the shared control plane: the
// refusal lists the first five it found.
const first = uniqueName("aaa-lost");
const second = uniqueName("aaa-new");
const { core } = admin();
let dir: string;

async function landlord(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, env: { LANDLORD_ACTOR: "test" } };
  return { code: await run(["--kubeconfig", "kubeconfig", ...argv], io), stdout, stderr };
}

const onboard = (cwd: string, name: string, ...extra: string[]) =>
  landlord(cwd, ...extra, "onboard", name, "--tier", "small", "--domain", `${name}.apps.example.com`, "--contact", "ops@example.com");

async function loseStore(): Promise<void> {
  for (const f of ["landlord.db", "landlord.db-wal", "landlord.db-shm"]) await rm(join(dir, ".landlord", f), { force: true });
  await rm(join(dir, ".landlord", "credentials"), { recursive: true, force: true });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-lost-store-"));
  await writeFile(join(dir, "landlord.yaml"), livePlatformText());
  await kubeconfigWith(dir, []);
});

afterAll(async () => {
  for (const name of [first, second]) await core.deleteNamespace({ name: `tenant-${name}` }).catch(() => undefined);
});

describe("a lost store in kubernetes mode", () => {
  it("refuses a writing command while the cluster holds tenants, naming them and --new-store", async () => {
    // Other test files leave their tenants on the shared cluster: for this folder they are
    // another project's, so its first onboarding says so with --new-store.
    const onboarded = await onboard(dir, first, "--new-store");
    expect(onboarded.code, onboarded.stderr).toBe(0);
    await loseStore();

    const refused = await onboard(dir, second);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error: the store file does not exist, but \d+ tenants? (was|were) found on kubeconfig context landlord-dev \(/);
    expect(refused.stderr).toContain(first);
    expect(refused.stderr).toContain("pass --new-store");
    expect(existsSync(join(dir, ".landlord", "landlord.db"))).toBe(false);
    await expect(core.readNamespace({ name: `tenant-${second}` })).rejects.toMatchObject({ code: 404 });
  });

  it("warns on a reading command, and reads the empty store", async () => {
    const got = await landlord(dir, "get", "tenants");
    expect(got.code).toBe(0);
    expect(got.stderr).toMatch(/warning: the store \S+landlord\.db does not exist, but tenants were found on kubeconfig context landlord-dev \(/);
    expect(got.stderr).toContain(first);
    expect(got.stdout).toBe("No tenants.\n");
    expect(existsSync(join(dir, ".landlord", "landlord.db"))).toBe(false);
  });

  it("starts an empty store with --new-store", async () => {
    const started = await onboard(dir, second, "--new-store");
    expect(started.code, started.stderr).toBe(0);
    expect(started.stderr).not.toContain("does not exist");
    expect((await landlord(dir, "get", "tenants", "-o", "name")).stdout).toBe(`tenant/${second}\n`);
  });

  it("warns about a cluster it cannot reach, naming the context, within seconds, and does not refuse", async () => {
    const other = await mkdtemp(join(tmpdir(), "landlord-lost-store-unreachable-"));
    try {
      await writeFile(join(other, "landlord.yaml"), livePlatformText().replace("aks-weu-1: landlord-dev", "aks-weu-1: gone"));
      // A context whose API server address nothing listens on.
      const file = await kubeconfigWith(other, []);
      const doc = parse(await readFile(file, "utf8")) as { clusters: { name: string; cluster: Record<string, unknown> }[]; contexts: { name: string; context: { cluster: string; user: string } }[] };
      const base = doc.contexts.find((c) => c.name === "landlord-dev");
      if (!base) throw new Error("test kubeconfig lacks context landlord-dev");
      doc.clusters.push({ name: "gone", cluster: { server: "https://127.0.0.1:9", "insecure-skip-tls-verify": true } });
      doc.contexts.push({ name: "gone", context: { cluster: "gone", user: base.context.user } });
      await writeFile(file, stringify(doc), { mode: 0o600 });

      const started = Date.now();
      const got = await landlord(other, "get", "tenants");
      expect(Date.now() - started).toBeLessThan(8000);
      expect(got.code).toBe(0);
      expect(got.stderr).toMatch(/warning: the store file does not exist and kubeconfig context gone could not be checked for tenants delivered earlier \(/);
      expect(got.stdout).toBe("No tenants.\n");
      // A writing command that needs no cluster goes ahead: only tenants found stop it.
      const release = await landlord(other, "release", "create", "9.9.9");
      expect(release.code, release.stderr).toBe(0);
      expect(release.stderr).toContain("kubeconfig context gone could not be checked");
      expect(existsSync(join(other, ".landlord", "landlord.db"))).toBe(true);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
