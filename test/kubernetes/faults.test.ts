/**
 * Faults on the real control plane: the API server stopped for 20 s in the middle of an
 * onboarding, and the CLI SIGKILLed mid-apply then resumed. Both must end Ready with
 * exactly the bundle's objects, nothing twice.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { restartComponent, stopComponent } from "../../src/devcluster/control-plane.js";
import { renderBundle } from "../../src/render/bundle.js";
import { isPlacementRecord, resolveSpec } from "../../src/workflows/tenant/services.js";
import { tenantDoc } from "../support/fixtures.js";
import { HookedDelivery } from "../workflows/tenant/support/hooked-delivery.js";
import { finishedStatus, onboard, sleep } from "../workflows/tenant/support/harness.js";
import { admin, clusterDir, kubeconfigWith, liveHarness, livePlatformText, uniqueName, type LiveHarness } from "./support/live.js";

const CLI = fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));
const { core } = admin();

/** Every object carrying the tenant label in its namespace, per kind, as Kind/name. */
async function liveObjects(h: LiveHarness, tenant: string): Promise<string[]> {
  const record = await h.store.tenants.require(tenant);
  const placement = isPlacementRecord(record.placement) ? record.placement : undefined;
  const bundle = renderBundle(h.platform.config, resolveSpec(h.services, record.spec, placement ? { placement } : {}));
  const applier = h.delivery.applierFor(bundle.placement.cluster);
  const found: string[] = [];
  for (const kind of new Map(bundle.objects.map((o) => [`${o.apiVersion}|${o.kind}`, o])).values()) {
    const path = await applier.discovery.path(kind.apiVersion, kind.kind, kind.kind === "Namespace" ? undefined : bundle.namespace);
    const list = await applier.client.send<{ items: { metadata: { name: string } }[] }>({ method: "GET", path, query: { labelSelector: `landlord.dev/tenant=${tenant}` } });
    for (const item of list.items) found.push(`${kind.kind}/${item.metadata.name}`);
  }
  return found.sort();
}

function expectedObjects(h: LiveHarness, tenant: string, placement: Parameters<typeof resolveSpec>[2]): string[] {
  const bundle = renderBundle(h.platform.config, resolveSpec(h.services, tenantDoc(tenant), placement));
  return bundle.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
}

describe("the API server stopped for 20 s during an onboarding", () => {
  let h: LiveHarness;
  let outage: Promise<void> | undefined;
  beforeAll(async () => {
    h = await liveHarness({
      // The controllers come back from a 20 s API outage through client-go's watch backoff;
      // on a loaded 2-core machine the second replica once took longer than the usual 90 s.
      platformText: livePlatformText().replace("readyTimeoutSeconds: 90", "readyTimeoutSeconds: 240"),
      wrap: (d) =>
        new HookedDelivery(d, {
          beforeApply: async () => {
            if (outage) return;
            await stopComponent(clusterDir(), "kube-apiserver");
            outage = sleep(20_000).then(() => restartComponent(clusterDir(), "kube-apiserver"));
          },
        }),
    });
  });
  afterAll(async () => {
    await outage;
    await h.close();
  });

  it("completes once the API server is back, with nothing duplicated", { timeout: 360_000 }, async () => {
    const name = uniqueName("outage");
    const started = Date.now();
    const { wf, result } = await onboard(h, tenantDoc(name));
    expect(finishedStatus(result)).toBe("Succeeded");
    expect(Date.now() - started).toBeGreaterThan(19_000);
    expect((await h.store.tenants.require(name)).phase).toBe("Ready");
    const placement = (await h.store.tenants.require(name)).placement;
    expect(await liveObjects(h, name)).toEqual(expectedObjects(h, name, isPlacementRecord(placement) ? { placement } : {}));
    const rs = await admin().apps.listNamespacedReplicaSet({ namespace: `tenant-${name}` });
    expect(rs.items).toHaveLength(1);
    const apply = (await h.store.workflows.steps(wf.id)).find((s) => s.name === "apply");
    expect(apply?.status).toBe("Succeeded");
  });
});

describe("the CLI SIGKILLed in the middle of an apply", () => {
  let dir: string;
  let h: LiveHarness;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "landlord-kill-"));
    await writeFile(join(dir, "landlord.yaml"), livePlatformText());
    await kubeconfigWith(dir, []);
    h = await liveHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  async function landlord(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env: { LANDLORD_ACTOR: "test", KUBECONFIG: join(dir, "kubeconfig") } };
    return { code: await run(argv, io), stdout, stderr };
  }

  it("resumes to Ready with every object once", async () => {
    expect(existsSync(CLI), `${CLI} missing: run npm run build first`).toBe(true);
    const name = uniqueName("kill");
    const child = spawn(process.execPath, [CLI, "--new-store", "onboard", name, "--tier", "small", "--domain", `${name}.apps.example.com`, "--contact", "ops@example.com"], {
      cwd: dir,
      env: { ...process.env, KUBECONFIG: join(dir, "kubeconfig"), LANDLORD_ACTOR: "test" },
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((r) => {
      child.on("exit", (code) => {
        r(code);
      });
    });
    // Killed once the apply has begun writing: the namespace exists, the rest is on its way.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ns = await core.readNamespace({ name: `tenant-${name}` }).catch(() => undefined);
      if (ns) break;
      expect(Date.now()).toBeLessThan(deadline);
      await sleep(20);
    }
    child.kill("SIGKILL");
    await exited;
    // The dead run's lease must lapse first (30 s); resume says so until then.
    let resumed = "";
    const until = Date.now() + 90_000;
    while (!/Succeeded/.test(resumed) && Date.now() < until) {
      const r = await landlord("workflows", "resume");
      resumed = r.stdout + r.stderr;
      if (!/Succeeded/.test(resumed)) await sleep(2_000);
    }
    expect(resumed).toMatch(/Succeeded/);
    const status = await landlord("status", name, "-o", "json");
    expect(status.code).toBe(0);
    const doc = JSON.parse(status.stdout) as { items: { objects: { object: string; applied: boolean; ready?: boolean }[] }[] };
    const objects = doc.items[0]?.objects ?? [];
    expect(objects.length).toBeGreaterThan(20);
    expect(objects.filter((o) => !o.applied)).toEqual([]);
    expect(objects.find((o) => o.object === "Deployment/app")?.ready).toBe(true);
    const tenants = await landlord("get", "tenants");
    expect(tenants.stdout).toMatch(new RegExp(`${name}\\s+small\\s+Ready`));
    const rs = await admin().apps.listNamespacedReplicaSet({ namespace: `tenant-${name}` });
    expect(rs.items).toHaveLength(1);
  });
});
