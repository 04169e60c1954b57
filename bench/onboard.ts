/**
 * Time to live through the onboarding workflow (durable steps in the store, SQLite by
 * default, PostgreSQL with DATABASE_URL) against delivering the same rendered objects
 * directly with the same adapter, in the same run: one tenant, then a batch.
 *
 * There is no Kubernetes control plane on this machine (see the issue notes), so both
 * sides deliver to a directory; waiting for database pods is not part of either side.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Delivery } from "../src/delivery/delivery.js";
import { DirectoryDelivery } from "../src/delivery/directory/directory-delivery.js";
import { TerraformRunner } from "../src/delivery/terraform/runner.js";
import { PLATFORM_TEMPLATE } from "../src/init/templates.js";
import { renderBundle } from "../src/render/bundle.js";
import { waveOf } from "../src/spec/waves.js";
import { toYaml } from "../src/render/serialize.js";
import { loadPlatform } from "../src/spec/fleet.js";
import { openStore } from "../src/store/index.js";
import { createEngine } from "../src/workflows/engine/index.js";
import { offboardWorkflow } from "../src/workflows/tenant/offboard.js";
import { onboardWorkflow } from "../src/workflows/tenant/onboard.js";
import { runTenantWorkflow } from "../src/workflows/tenant/run.js";
import { resolveSpec, type TenantServices } from "../src/workflows/tenant/services.js";
import { submitOnboard } from "../src/workflows/tenant/submit.js";
import { updateWorkflow } from "../src/workflows/tenant/update.js";

const batch = Number(process.argv[2] ?? 100);
// Names unique per run, so a rerun against the same PostgreSQL database does not collide.
const run = Date.now().toString(36);
const dir = await mkdtemp(join(tmpdir(), "landlord-bench-onboard-"));
// Room for the batch: the template's cluster holds about sixty small tenants.
const platform = loadPlatform({ file: "landlord.yaml", bytes: new TextEncoder().encode(PLATFORM_TEMPLATE.replace("cpuOvercommit: 4 ", "cpuOvercommit: 20")) });

function spec(name: string): Record<string, unknown> {
  return {
    apiVersion: "landlord.dev/v1alpha1",
    kind: "Tenant",
    metadata: { name },
    spec: { displayName: name, tier: "small", domains: [`${name}.apps.example.com`], contacts: { email: `ops@${name}.example.com` } },
  };
}

const store = await openStore({ baseDir: dir, ...(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : {}) });
const services: TenantServices = {
  platform,
  store,
  delivery: new DirectoryDelivery(join(dir, "out")),
  terraform: new TerraformRunner(platform.config, join(dir, "terraform"), dir),
  credentialsDir: join(dir, "credentials"),
};
const engine = createEngine({ store, workflows: [onboardWorkflow(services), updateWorkflow(services), offboardWorkflow(services)] });
const direct: Delivery = new DirectoryDelivery(join(dir, "direct"));

async function viaWorkflow(name: string): Promise<number> {
  const start = performance.now();
  const wf = await submitOnboard(services, engine, spec(name), "bench", new Date());
  const r = await runTenantWorkflow(services, engine, wf.id);
  if (r.outcome !== "finished" || r.workflow.status !== "Succeeded") throw new Error(`onboarding ${name} did not succeed`);
  return performance.now() - start;
}

async function viaDirect(name: string): Promise<number> {
  const start = performance.now();
  const t = resolveSpec(services, spec(name));
  await direct.apply(renderBundle(platform.config, t), toYaml(t.tenant), waveOf(name, {}));
  return performance.now() - start;
}

// Warm-up, not measured.
try {
  await viaWorkflow(`warmup-a-${run}`);
  await viaDirect(`warmup-b-${run}`);

  const oneFlow = await viaWorkflow(`single-${run}`);
  const oneDirect = await viaDirect(`single-${run}`);
  let batchFlow = 0;
  let batchDirect = 0;
  for (let i = 0; i < batch; i++) batchDirect += await viaDirect(`t${i}-${run}`);
  const batchStart = performance.now();
  for (let i = 0; i < batch; i++) await viaWorkflow(`t${i}-${run}`);
  batchFlow = performance.now() - batchStart;

  const line = (label: string, value: string): void => {
    console.log(`${label.padEnd(52)} ${value}`);
  };
  line("store", store.backend);
  line("one small tenant: time to live via workflow", `${oneFlow.toFixed(1)} ms`);
  line("one small tenant: render + deliver directly", `${oneDirect.toFixed(1)} ms`);
  line(`${batch} tenants: via workflow`, `${batchFlow.toFixed(0)} ms (${(batchFlow / batch).toFixed(1)} ms each)`);
  line(`${batch} tenants: render + deliver directly`, `${batchDirect.toFixed(0)} ms (${(batchDirect / batch).toFixed(1)} ms each)`);
  line("overhead ratio, batch (workflow / direct)", (batchFlow / batchDirect).toFixed(2));
  line("floor: one tenant under 3 s", oneFlow < 3000 ? "met" : "MISSED");
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
