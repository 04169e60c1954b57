/**
 * Server-side apply of a fleet against a real control plane (started here): Landlord's
 * applier against `kubectl apply --server-side` of the same rendered objects, in the same
 * run. Each side gets its own 100 tenants (own namespaces) so both start from scratch.
 *
 *   from scratch:  landlord (a fresh process: read the tenant files, validate, render, apply)
 *                  vs kubectl (a fresh process over the rendered files); landlord in-process beside
 *   unchanged:     the same again (landlord writes must be 0)
 *
 * Prints ratios (landlord / kubectl); floors: from scratch <= 1.0, unchanged writes == 0.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { KubeconfigResolver } from "../src/delivery/kubernetes/kubeconfig.js";
import { KubernetesDelivery } from "../src/delivery/kubernetes/kubernetes-delivery.js";
import { startControlPlane, stopControlPlane } from "../src/devcluster/control-plane.js";
import { addNodes, adminConfig, installCrds, waitSeeded } from "../src/devcluster/seed.js";
import { PLATFORM_TEMPLATE } from "../src/init/templates.js";
import { clusterBootstrap } from "../src/render/platform/bootstrap.js";
import { renderBundle, type Bundle } from "../src/render/bundle.js";
import { toYaml, toYamlStream } from "../src/render/serialize.js";
import { fileURLToPath } from "node:url";
import { loadPlatform } from "../src/spec/fleet.js";
import { resolveTenant } from "../src/spec/resolve.js";
import { smallTenant } from "./support.js";

const run = promisify(execFile);
const count = Number(process.argv[2] ?? 100);
const dir = await mkdtemp(join(tmpdir(), "landlord-bench-apply-"));
const platform = loadPlatform({ file: "landlord.yaml", bytes: new TextEncoder().encode(PLATFORM_TEMPLATE) });


function bundles(prefix: string): Bundle[] {
  const out: Bundle[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${String(i).padStart(3, "0")}`;
    const r = resolveTenant(platform, { file: `${name}.yaml`, index: 0, value: smallTenant(name) });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    out.push(renderBundle(platform.config, r.value));
  }
  return out;
}

const cluster = await startControlPlane({ dir: join(dir, "cluster"), log: (l) => process.stderr.write(`${l}\n`) });
try {
  const kc = adminConfig(cluster.kubeconfig);
  await waitSeeded(kc);
  await installCrds(kc, process.env.LANDLORD_CRDS_DIR ?? resolve("..", "shared", "crds"));
  await addNodes(kc, { pool: "shared", count: 3 });

  // kubectl's side: the rendered files on disk, as a GitOps checkout would hold them.
  const files = join(dir, "kubectl");
  await mkdir(files);
  const kubectlBundles = bundles("kctl");
  for (const b of kubectlBundles) await writeFile(join(files, `${b.tenant}.yaml`), toYamlStream(b.objects));
  const objects = kubectlBundles.reduce((n, b) => n + b.objects.length, 0);
  const kubectl = async (): Promise<number> => {
    const t = performance.now();
    await run(cluster.binary, ["kubectl", "--kubeconfig", cluster.kubeconfig, "apply", "--server-side", "--field-manager=kubectl-bench", "-f", files], { maxBuffer: 1 << 26 });
    return performance.now() - t;
  };

  const delivery = new KubernetesDelivery(
    new KubeconfigResolver({ file: cluster.kubeconfig, contexts: { "aks-weu-1": "landlord-dev" } }),
    { forceConflicts: false, parallelism: 8, readyTimeoutSeconds: 60, cnpgNamespace: "cnpg-system", certManagerNamespace: "cert-manager", tokenSeconds: 600 },
    () => Promise.reject(new Error("not used")),
  );
  await delivery.bootstrap("aks-weu-1", clusterBootstrap(platform.config), false);
  const applier = delivery.applierFor("aks-weu-1");
  const landlord = async (prefix: string): Promise<{ ms: number; writes: number }> => {
    const before = applier.client.counters.writes;
    const t = performance.now();
    // Tenants in parallel too (4 at a time), each with its own bounded object parallelism.
    const list = bundles(prefix);
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < list.length) {
          const b = list[next++];
          if (b) await delivery.applyBundle(b);
        }
      }),
    );
    return { ms: performance.now() - t, writes: applier.client.counters.writes - before };
  };

  // Landlord as a user runs it: a fresh process over the tenant files (its own tenants).
  const tenantsDir = join(dir, "tenants");
  await mkdir(tenantsDir);
  for (let i = 0; i < count; i++) {
    const name = `le-${String(i).padStart(3, "0")}`;
    await writeFile(join(tenantsDir, `${name}.yaml`), toYaml(smallTenant(name)));
  }
  const endToEnd = async (): Promise<{ ms: number; writes: number }> => {
    const t = performance.now();
    const { stdout } = await run(process.execPath, [fileURLToPath(new URL("./apply-fleet.js", import.meta.url)), cluster.kubeconfig, tenantsDir], { maxBuffer: 1 << 20 });
    return { ms: performance.now() - t, writes: (JSON.parse(stdout) as { writes: number }).writes };
  };

  const kScratch = await kubectl();
  const eScratch = await endToEnd();
  const lScratch = await landlord("ll");
  const kAgain = await kubectl();
  const eAgain = await endToEnd();
  const lAgain = await landlord("ll");
  delivery.close();

  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`bench/apply: ${String(count)} small tenants, ${String(objects)} objects per side, one real kube-apiserver on loopback, 2 cores`);
  console.log(`from scratch   kubectl apply --server-side ${s(kScratch)}   landlord process ${s(eScratch.ms)} (${String(eScratch.writes)} writes)   ratio ${(eScratch.ms / kScratch).toFixed(2)} (floor <= 1.00)   in-process ${s(lScratch.ms)} (ratio ${(lScratch.ms / kScratch).toFixed(2)})`);
  console.log(`unchanged      kubectl apply --server-side ${s(kAgain)}   landlord process ${s(eAgain.ms)} (${String(eAgain.writes)} writes, floor 0)   ratio ${(eAgain.ms / kAgain).toFixed(2)}   in-process ${s(lAgain.ms)} (${String(lAgain.writes)} writes)`);
  if (eScratch.ms / kScratch > 1 || eAgain.writes !== 0 || lAgain.writes !== 0) process.exitCode = 1;
} finally {
  await stopControlPlane(join(dir, "cluster"));
  await rm(dir, { recursive: true, force: true });
}
