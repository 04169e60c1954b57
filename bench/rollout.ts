/**
 * What does the rollout orchestration cost on top of the updates it makes? 1,000 tenants
 * (argument overrides) on SQLite (DATABASE_URL=postgres://... for PostgreSQL) with the
 * directory delivery, zero bake and no gates, so what is measured is the runner itself:
 * per tenant the recorded target states, the spec change in the store, render, delivery,
 * the event log, all fenced by the run's lease. Baseline, in the same run: the same
 * updates (store spec change, render, deliver) applied directly to the same tenants, wave
 * by wave, with the same parallelism, alternating with the rollouts (3 rounds, medians).
 * Printed per wave: tenants, both times, the ratio. Arguments: TENANTS ROUNDS.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Delivery } from "../src/delivery/delivery.js";
import { DirectoryDelivery } from "../src/delivery/directory/directory-delivery.js";
import { PLATFORM_TEMPLATE } from "../src/init/templates.js";
import { rolloutSchema } from "../src/spec/rollout-config-schema.js";
import { renderTenant } from "../src/rollout/render-tenant.js";
import { specWithRelease } from "../src/rollout/release.js";
import { createRelease, runRollout, startRollout } from "../src/rollout/service.js";
import { rolloutContext } from "../src/rollout/wiring.js";
import { loadPlatform } from "../src/spec/fleet.js";
import { resolveTenant } from "../src/spec/resolve.js";
import { openStore } from "../src/store/index.js";
import { rolloutsRepo } from "../src/store/rollouts-repo.js";
import { smallTenant } from "./support.js";

const TENANTS = Number(process.argv[2] ?? 1_000);
const PARALLEL = 10;
const ROUNDS = Number(process.argv[3] ?? 3);
const PLATFORM = PLATFORM_TEMPLATE.replace("cpuOvercommit: 4 ", "cpuOvercommit: 20").replace(/(name: shared, role: shared, vmSize: \S+, count: )6,/, (_, head: string) => `${head}1000,`);


async function pool<T>(items: readonly T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(n, queue.length) }, async () => {
    for (let x = queue.shift(); x !== undefined; x = queue.shift()) await fn(x);
  }));
}

const root = await mkdtemp(join(tmpdir(), "landlord-bench-rollout-"));
try {
  const platform = loadPlatform({ file: "landlord.yaml", bytes: new TextEncoder().encode(PLATFORM) });
  const url = process.env.DATABASE_URL;
  const store = await openStore({ baseDir: root, ...(url ? { url } : {}) });
  const delivery: Delivery = new DirectoryDelivery(join(root, "out"));
  const names = Array.from({ length: TENANTS }, (_, i) => `bench-${String(i).padStart(5, "0")}`);
  const t0 = performance.now();
  // The fleet as onboarding leaves it: stored spec and placement, Ready, delivered once.
  await pool(names, PARALLEL, async (name) => {
    const r = resolveTenant(platform, { file: name, index: 0, value: smallTenant(name) });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const now = new Date();
    await store.tenants.reserve({ name, spec: r.value.tenant, domains: r.value.tenant.spec.domains, now });
    await store.tenants.setPlacement(name, { ...r.value.placement, sharedCpuMillis: "0" }, now);
    await store.tenants.setPhase(name, "Ready", now);
    const t = await renderTenant(platform, store, await store.tenants.require(name), r.value.tenant);
    await delivery.apply(t.bundle, t.specYaml, t.wave);
  });
  console.log(`fleet of ${String(TENANTS)} tenants set up in ${((performance.now() - t0) / 1000).toFixed(1)} s (${store.backend}, ${String(cpus().length)} cores, load ${loadavg()[0]?.toFixed(2) ?? "?"})`);

  const settings = rolloutSchema.parse({ bakeSeconds: 0, gates: [], maxParallel: PARALLEL });
  const ctx = rolloutContext({ store, platform, delivery });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const rolloutRuns = new Map<string, number[]>();
  const directRuns = new Map<string, number[]>();
  const sizes = new Map<string, number>();
  const order: string[] = [];
  const totals: number[] = [];
  // Rounds alternate a rollout and the direct baseline, so load from other processes hits both alike.
  for (let round = 0; round < ROUNDS; round++) {
    const version = `2.${String(round)}.0`;
    await createRelease(store, { version }, "bench", new Date());
    const started = performance.now();
    const { rollout, plan } = await startRollout(ctx, version, settings, "bench", new Date());
    const end = await runRollout(ctx, rollout.id);
    totals.push(performance.now() - started);
    if (end.state !== "Succeeded") throw new Error(`rollout ended ${end.state}: ${end.reason ?? ""}`);
    const events = await rolloutsRepo(store.db).events(rollout.id);
    for (const w of plan.waves) {
      if (round === 0) {
        order.push(w.name);
        sizes.set(w.name, w.tenants.length);
      }
      const s = events.find((e) => e.wave === w.name && / started: /.test(e.message));
      const e = events.find((x) => x.wave === w.name && / healthy: /.test(x.message));
      rolloutRuns.set(w.name, [...(rolloutRuns.get(w.name) ?? []), s && e ? e.at.getTime() - s.at.getTime() : 0]);
    }
    // Baseline: the same kind of update (a new version) applied directly, same tenants per wave, same parallelism.
    for (const w of plan.waves) {
      const s = performance.now();
      await pool(w.tenants, PARALLEL, async (name) => {
        const record = await store.tenants.require(name);
        const next = specWithRelease(record.spec, { version: `3.${String(round)}.0` });
        await store.tenants.updateSpec({ name, spec: next, domains: record.domains, now: new Date() });
        const t = await renderTenant(platform, store, record, next);
        await delivery.apply(t.bundle, t.specYaml, t.wave);
      });
      directRuns.set(w.name, [...(directRuns.get(w.name) ?? []), performance.now() - s]);
    }
  }

  console.log(`whole rollout (plan, record, run): median ${(median(totals) / 1000).toFixed(2)} s over ${String(ROUNDS)} rounds; per wave, medians:`);
  console.log("wave      tenants   rollout ms   direct ms   ratio   rollout ms/tenant   direct ms/tenant");
  let sumR = 0;
  let sumD = 0;
  for (const name of order) {
    const r = median(rolloutRuns.get(name) ?? []);
    const d = median(directRuns.get(name) ?? []);
    sumR += r;
    sumD += d;
    const n = Math.max(1, sizes.get(name) ?? 0);
    console.log(`${name.padEnd(9)} ${String(sizes.get(name) ?? 0).padStart(7)} ${r.toFixed(0).padStart(12)} ${d.toFixed(0).padStart(11)} ${(d > 0 ? r / d : 0).toFixed(2).padStart(7)} ${(r / n).toFixed(2).padStart(19)} ${(d / n).toFixed(2).padStart(18)}`);
  }
  console.log(`${"all".padEnd(9)} ${String(TENANTS).padStart(7)} ${sumR.toFixed(0).padStart(12)} ${sumD.toFixed(0).padStart(11)} ${(sumR / sumD).toFixed(2).padStart(7)} ${(sumR / TENANTS).toFixed(2).padStart(19)} ${(sumD / TENANTS).toFixed(2).padStart(18)}`);
  await store.close();
} finally {
  await rm(root, { recursive: true, force: true });
}
