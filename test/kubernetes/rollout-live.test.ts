/**
 * Progressive rollouts on the real control plane: 20 tenants (small, medium on their own
 * node pools, large on their own cluster contexts) onboarded through the workflows, a real
 * Prometheus scraping the test exporter, which serves each tenant namespace's request and
 * error counters with an error rate that follows the image tag its Deployment runs. Driven
 * through the `landlord rollout` CLI; the runner is SIGKILLed in one test and resumed.
 */
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { stringify } from "yaml";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { run } from "../../src/cli/program.js";
import { addNodes } from "../../src/devcluster/seed.js";
import { rolloutsRepo, type RolloutRecord } from "../../src/store/rollouts-repo.js";
import { tenantDoc } from "../support/fixtures.js";
import { ERROR_GATE, MISSING_GATE } from "../rollout/support/exporter.js";
import type { AppState } from "../rollout/support/exporter.js";
import { platformTextWith, startObservability, waitForSeries, type Observability } from "../rollout/support/setup.js";
import { finishedStatus, onboard } from "../workflows/tenant/support/harness.js";
import { admin, liveHarness, livePlatformText, uniqueName, type LiveHarness } from "./support/live.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const { kc, apps } = admin();
const tiers = [...Array<string>(14).fill("small"), ...Array<string>(4).fill("medium"), ...Array<string>(2).fill("large")];
const names = tiers.map((t, i) => uniqueName(`rl${t[0] ?? "x"}${String(i)}`));
const tierOf = new Map(names.map((n, i) => [n, tiers[i] ?? "small"]));
const large = names.filter((n) => tierOf.get(n) === "large");
let h: LiveHarness;
let obs: Observability;

async function deployments(): Promise<AppState[]> {
  const list = await apps.listDeploymentForAllNamespaces({ labelSelector: "app.kubernetes.io/name=app" });
  return list.items
    .filter((d) => names.includes(d.metadata?.namespace?.replace(/^tenant-/, "") ?? ""))
    .map((d) => ({ namespace: d.metadata?.namespace ?? "", image: d.spec?.template.spec?.containers[0]?.image ?? "", tier: d.metadata?.labels?.["landlord.dev/tier"] ?? "" }));
}

/**
 * Image tag and rollout revision of every tenant's app Deployment. The Deployment
 * controller raises the revision once per change of the pod template (a rollback to an
 * earlier template too), never for scaling (the HPA changes replicas and with them the
 * generation), so it counts the updates a tenant got.
 */
async function live(): Promise<Map<string, { tag: string; generation: number }>> {
  const out = new Map<string, { tag: string; generation: number }>();
  for (const n of names) {
    const d = await apps.readNamespacedDeployment({ name: "app", namespace: `tenant-${n}` });
    const image = d.spec?.template.spec?.containers[0]?.image ?? "";
    out.set(n, { tag: image.slice(image.lastIndexOf(":") + 1), generation: Number(d.metadata?.annotations?.["deployment.kubernetes.io/revision"] ?? "0") });
  }
  return out;
}

async function landlord(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: h.root, env: { LANDLORD_ACTOR: "test" } };
  const code = await run(["--config", join(h.root, "landlord.yaml"), "--kubeconfig", h.kubeconfig, ...argv], io);
  return { code, stdout, stderr };
}

async function latest(): Promise<RolloutRecord> {
  const r = (await rolloutsRepo(h.store.db).list())[0];
  if (!r) throw new Error("no rollout");
  return r;
}

async function targetsOf(id: string) {
  return rolloutsRepo(h.store.db).targets(id);
}

beforeAll(async () => {
  obs = await startObservability(deployments);
  const rollout = { prometheusUrl: obs.prometheus.url, bakeSeconds: 4, intervalSeconds: 1, maxParallel: 5, tenantTimeoutSeconds: 120, gates: [ERROR_GATE] };
  const text = platformTextWith(rollout, livePlatformText());
  h = await liveHarness({ contexts: large.map((n) => `aks-${n}`), platformText: text });
  await writeFile(join(h.root, "landlord.yaml"), text);
  for (const n of names.filter((x) => tierOf.get(x) === "medium")) {
    await addNodes(kc, { pool: `pool-${n}`, count: 2, labels: { "landlord.dev/tenant": n }, taints: [{ key: "landlord.dev/tenant", value: n, effect: "NoSchedule" }] });
  }
  const queue = [...names];
  // The first small tenant is the canary (ring 0).
  await Promise.all(
    Array.from({ length: 5 }, async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
        const doc = tenantDoc(n, { tier: tierOf.get(n) ?? "small", spec: n === names[0] ? { rollout: { ring: 0 } } : {} });
        const { result } = await onboard(h, doc);
        expect(finishedStatus(result), n).toBe("Succeeded");
      }
    }),
  );
  await waitForSeries(obs.prometheus.url, names.map((n) => `tenant-${n}`), 60_000);
}, 600_000);

afterAll(async () => {
  await obs.stop();
  await h.close();
});

describe("landlord rollout on a live control plane", () => {
  it("a good release reaches 100% of 20 tenants, dedicated clusters included", async () => {
    expect((await landlord("release", "create", "3.0.0", "--notes", "good")).code).toBe(0);
    const dry = await landlord("rollout", "start", "3.0.0", "--dry-run", "-o", "json");
    const plan = JSON.parse(dry.stdout) as { waves: { name: string; tenants: string[] }[] };
    expect(plan.waves.map((w) => [w.name, w.tenants.length])).toEqual([["canary", 1], ["w10", 1], ["w50", 8], ["w100", 10]]);
    expect(plan.waves[0]?.tenants).toEqual([names[0]]);
    const before = await live();
    const out = await landlord("rollout", "start", "3.0.0");
    console.log(`--- wave log: good release\n${out.stdout}`);
    expect(out.code, out.stderr).toBe(0);
    const r = await latest();
    expect(r.state).toBe("Succeeded");
    const after = await live();
    for (const n of names) {
      expect(after.get(n)?.tag, n).toBe("3.0.0");
      expect(after.get(n)?.generation, n).toBe((before.get(n)?.generation ?? 0) + 1);
    }
    for (const n of large) expect((await targetsOf(r.id)).find((t) => t.tenant === n)?.state).toBe("done");
    const status = await landlord("rollout", "status");
    expect(status.stdout).toMatch(/Succeeded/);
    expect(status.stdout).toMatch(/w100\s+10\s+10/);
  });

  it("a release bad for all stops at the canary, and only the canary is rolled back", async () => {
    obs.exporter.bad = (tag) => tag === "3.1.0";
    try {
      await landlord("release", "create", "3.1.0");
      const before = await live();
      const out = await landlord("rollout", "start", "3.1.0");
      console.log(`--- wave log: bad for all\n${out.stdout}`);
      expect(out.code).toBe(1);
      const r = await latest();
      expect(r.state).toBe("RolledBack");
      expect(r.reason).toContain(`gate error-rate failed for ${names[0] ?? ""}`);
      const targets = await targetsOf(r.id);
      expect(targets.filter((t) => t.state === "rolled-back").map((t) => t.tenant)).toEqual([names[0]]);
      expect(targets.filter((t) => t.tenant !== names[0]).every((t) => t.state === "pending")).toBe(true);
      const after = await live();
      for (const n of names) {
        expect(after.get(n)?.tag, n).toBe("3.0.0");
        // The canary's Deployment went forward and back; nobody else's was touched.
        expect(after.get(n)?.generation, n).toBe((before.get(n)?.generation ?? 0) + (n === names[0] ? 2 : 0));
      }
    } finally {
      obs.exporter.bad = () => false;
    }
  });

  it("a release bad only for the medium tier stops in the wave of the first medium tenant; everything it touched is rolled back", async () => {
    obs.exporter.bad = (tag, tier) => tag === "3.2.0" && tier === "medium";
    try {
      await landlord("release", "create", "3.2.0");
      const before = await live();
      const out = await landlord("rollout", "start", "3.2.0");
      console.log(`--- wave log: bad for medium\n${out.stdout}`);
      expect(out.code).toBe(1);
      const r = await latest();
      expect(r.state).toBe("RolledBack");
      const targets = await targetsOf(r.id);
      const firstMediumWave = Math.min(...targets.filter((t) => tierOf.get(t.tenant) === "medium").map((t) => t.wave));
      const failedTenant = /gate error-rate failed for (\S+)/.exec(r.reason ?? "")?.[1] ?? "";
      expect(tierOf.get(failedTenant)).toBe("medium");
      // Earlier waves all went through and came back; nothing past the failing wave started.
      for (const t of targets) {
        if (t.wave < firstMediumWave) expect(t.state, t.tenant).toBe("rolled-back");
        if (t.wave > firstMediumWave) expect(t.state, t.tenant).toBe("pending");
        expect(t.state, t.tenant).not.toBe("rollback-failed");
      }
      const touched = targets.filter((t) => t.changedSeq !== null);
      expect(touched.length).toBeGreaterThan(2);
      expect(touched.every((t) => t.state === "rolled-back" && (t.reason ?? "").includes("rolled back: gate error-rate failed"))).toBe(true);
      const after = await live();
      for (const n of names) expect(after.get(n)?.tag, n).toBe("3.0.0");
      for (const t of targets.filter((x) => x.changedSeq === null)) expect(after.get(t.tenant)?.generation).toBe(before.get(t.tenant)?.generation);
      // Reverse order: the rollback log names the tenants last-changed first.
      const order = /rolling back \d+ tenants in reverse order \(([^)]*)\)/.exec(out.stdout)?.[1]?.split(", ") ?? [];
      expect(order).toEqual([...touched].sort((a, b) => (b.changedSeq ?? 0) - (a.changedSeq ?? 0)).map((t) => t.tenant));
    } finally {
      obs.exporter.bad = () => false;
    }
  });

  it("SIGKILL of the runner mid-wave, then resume: no tenant updated twice, the rollout ends as it would have", async () => {
    await landlord("release", "create", "3.3.0");
    const before = await live();
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "--config", join(h.root, "landlord.yaml"), "--kubeconfig", h.kubeconfig, "rollout", "start", "3.3.0"], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "DATABASE_URL")) });
    let childOut = "";
    child.stdout.on("data", (b: Buffer) => (childOut += b.toString()));
    child.stderr.on("data", (b: Buffer) => (childOut += b.toString()));
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once("exit", (_code, signal) => { r(signal); }));
    const deadline = Date.now() + 180_000;
    let killedAt = "";
    for (;;) {
      const r = (await rolloutsRepo(h.store.db).list())[0];
      const events = r && r.releaseVersion === "3.3.0" ? await rolloutsRepo(h.store.db).events(r.id) : [];
      const applied = events.filter((e) => e.wave === "w50" && /^applied/.test(e.message));
      if (applied.length >= 3) {
        child.kill("SIGKILL");
        killedAt = applied.map((e) => e.tenant).join(", ");
        break;
      }
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`runner did not reach w50:\n${childOut}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(await exited).toBe("SIGKILL");
    console.log(`--- wave log: killed runner (SIGKILL after w50 applied to ${killedAt})\n${childOut}`);
    expect((await latest()).state).toBe("Running");
    const resumed = await landlord("rollout", "resume");
    console.log(`--- wave log: resumed\n${resumed.stdout}${resumed.stderr}`);
    expect(resumed.code, resumed.stderr).toBe(0);
    const r = await latest();
    expect(r.state).toBe("Succeeded");
    expect(resumed.stdout).toMatch(/re-applied after a restart/);
    const after = await live();
    for (const n of names) {
      expect(after.get(n)?.tag, n).toBe("3.3.0");
      // Exactly one new generation per Deployment: the re-apply after the kill wrote nothing.
      expect(after.get(n)?.generation, n).toBe((before.get(n)?.generation ?? 0) + 1);
    }
  }, 400_000);

  it("abort rolls back what the rollout changed; retry after the abort completes", async () => {
    await landlord("release", "create", "3.4.0");
    const running = landlord("rollout", "start", "3.4.0");
    const deadline = Date.now() + 120_000;
    for (;;) {
      const r = await latest();
      const events = r.releaseVersion === "3.4.0" ? await rolloutsRepo(h.store.db).events(r.id) : [];
      if (events.some((e) => e.wave === "w50" && /^rolled out/.test(e.message))) break;
      if (Date.now() > deadline) throw new Error("rollout did not reach w50");
      await new Promise((res) => setTimeout(res, 100));
    }
    const abort = await landlord("rollout", "abort");
    expect(abort.code, abort.stderr).toBe(0);
    expect(abort.stdout).toMatch(/abort requested/);
    const first = await running;
    console.log(`--- wave log: aborted\n${first.stdout}`);
    expect((await latest()).state).toBe("Aborted");
    for (const [n, v] of await live()) expect(v.tag, n).toBe("3.3.0");
    const retry = await landlord("rollout", "retry");
    console.log(`--- wave log: retried\n${retry.stdout}`);
    expect(retry.code, retry.stderr).toBe(0);
    expect((await latest()).state).toBe("Succeeded");
    for (const [n, v] of await live()) expect(v.tag, n).toBe("3.4.0");
    const history = await landlord("rollout", "history");
    expect(history.stdout).toMatch(/3\.4\.0\s+Succeeded/);
    expect(history.stdout).toMatch(/3\.1\.0\s+RolledBack/);
  }, 400_000);

  it("a gate query with no series fails: --plan adds it, the canary goes back, nothing is promoted", async () => {
    await landlord("release", "create", "3.5.0");
    await writeFile(join(h.root, "plan.yaml"), stringify({ rollout: { gates: [ERROR_GATE, MISSING_GATE] } }));
    const before = await live();
    const out = await landlord("rollout", "start", "3.5.0", "--plan", "plan.yaml");
    console.log(`--- wave log: gate with no series\n${out.stdout}`);
    expect(out.code).toBe(1);
    const r = await latest();
    expect(r.reason).toMatch(/gate latency failed for .*no data/);
    const targets = await targetsOf(r.id);
    expect(targets.filter((t) => t.changedSeq !== null).map((t) => t.tenant)).toEqual([names[0]]);
    // Back on the previous version; the same gate cannot vouch for it either, and says so.
    expect(targets.find((t) => t.tenant === names[0])).toMatchObject({ state: "rollback-failed", reason: expect.stringContaining("back on the previous version but unhealthy") as unknown });
    for (const [n, v] of await live()) {
      expect(v.tag, n).toBe("3.4.0");
      expect(v.generation, n).toBe((before.get(n)?.generation ?? 0) + (n === names[0] ? 2 : 0));
    }
  }, 200_000);

  it("Prometheus stopped during a bake: the gate fails and nothing is promoted", async () => {
    await landlord("release", "create", "3.6.0");
    const running = landlord("rollout", "start", "3.6.0");
    const deadline = Date.now() + 120_000;
    for (;;) {
      const r = await latest();
      const events = r.releaseVersion === "3.6.0" ? await rolloutsRepo(h.store.db).events(r.id) : [];
      if (events.some((e) => e.wave === "canary" && /^rolled out/.test(e.message))) break;
      if (Date.now() > deadline) throw new Error("the canary did not roll out");
      await new Promise((res) => setTimeout(res, 100));
    }
    await obs.prometheus.stop();
    const out = await running;
    console.log(`--- wave log: Prometheus stopped\n${out.stdout}`);
    expect(out.code).toBe(1);
    const r = await latest();
    expect(r.state).not.toBe("Succeeded");
    expect(r.reason).toMatch(/gate error-rate failed for .*query failed: Prometheus at .* could not be reached/);
    const targets = await targetsOf(r.id);
    expect(targets.filter((t) => t.wave > 0).every((t) => t.state === "pending")).toBe(true);
    for (const [n, v] of await live()) expect(v.tag, n).toBe("3.4.0");
  }, 200_000);
});
