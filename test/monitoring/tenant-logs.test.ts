/**
 * `landlord logs` without a cluster: option checks, the refusal of a kubeconfig that is not
 * scoped to the tenant, and the missing-credentials message. The reads themselves run
 * against a real API server in test/kubernetes/logs.test.ts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { InputError, NotAllowedError } from "../../src/errors.js";
import { checkLogOptions, LOG_SOURCES, MAX_TAIL_LINES, TenantLogReader } from "../../src/monitoring/tenant-logs.js";

function kubeconfig(namespace: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: "https://127.0.0.1:1", skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "x", cluster: "c", user: "u", ...(namespace !== undefined ? { namespace } : {}) }],
    currentContext: "x",
  });
  return kc;
}

describe("TenantLogReader", () => {
  test("is built only from a kubeconfig whose context is the tenant's namespace", () => {
    expect(() => TenantLogReader.fromKubeconfig(kubeconfig(undefined), "tenant-acme")).toThrow(NotAllowedError);
    expect(() => TenantLogReader.fromKubeconfig(kubeconfig("tenant-globex"), "tenant-acme")).toThrow(/scoped to namespace 'tenant-globex', not tenant-acme/);
    const reader = TenantLogReader.fromKubeconfig(kubeconfig("tenant-acme"), "tenant-acme");
    expect(reader.namespace).toBe("tenant-acme");
    reader.close();
  });

  test("refuses another namespace with no request sent", async () => {
    const reader = TenantLogReader.fromKubeconfig(kubeconfig("tenant-acme"), "tenant-acme");
    await expect(reader.logs({ source: "app" }, "tenant-globex")).rejects.toThrow(/may not read namespace tenant-globex/);
    expect(reader.requests).toBe(0);
    reader.close();
  });

  test("selects the app by its name label and the database by CloudNativePG's cluster label", () => {
    expect(LOG_SOURCES).toEqual({ app: { selector: "app.kubernetes.io/name=app", container: "app" }, db: { selector: "cnpg.io/cluster=db", container: "postgres" } });
  });

  test("bounds --tail and --since", () => {
    expect(() => { checkLogOptions({ source: "app", tailLines: 0 }); }).toThrow(InputError);
    expect(() => { checkLogOptions({ source: "app", tailLines: MAX_TAIL_LINES + 1 }); }).toThrow(/from 1 to 10000/);
    expect(() => { checkLogOptions({ source: "app", tailLines: 1.5 }); }).toThrow(InputError);
    expect(() => { checkLogOptions({ source: "app", sinceSeconds: 0 }); }).toThrow(/positive duration/);
    expect(() => { checkLogOptions({ source: "db", tailLines: 100, sinceSeconds: 3600 }); }).not.toThrow();
  });
});

describe("landlord logs", () => {
  let dir: string;
  let stderr: string;
  let io: CliIo;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "landlord-logs-"));
    stderr = "";
    io = { stdout: () => undefined, stderr: (t) => (stderr += t), cwd: dir, env: {} };
    expect(await run(["init"], io)).toBe(0);
    stderr = "";
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("--app and --db exclude each other; --since must be a duration (exit 2)", async () => {
    expect(await run(["logs", "acme", "--app", "--db"], io)).toBe(2);
    expect(stderr).toContain("--app and --db exclude each other");
    expect(await run(["logs", "acme", "--since", "yesterday"], io)).toBe(2);
    expect(stderr).toContain("'yesterday' is not a duration");
  });

  test("without the tenant kubeconfig it says where it is expected, and never falls back to the operator's", async () => {
    expect(await run(["--kubeconfig", "/nonexistent/admin", "logs", "acme", "--db"], io)).toBe(1);
    expect(stderr).toContain(`no tenant kubeconfig at ${join(dir, ".landlord", "credentials", "acme", "kubeconfig")}`);
  });
});
