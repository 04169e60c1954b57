/**
 * The landlord side of bench/apply as a user runs it: a fresh process that reads the tenant
 * files, validates and renders the fleet, and server-side applies every bundle; prints the
 * number of writes as JSON. Usage: apply-fleet.js KUBECONFIG TENANTS_DIR
 */
import { KubeconfigResolver } from "../src/delivery/kubernetes/kubeconfig.js";
import { KubernetesDelivery } from "../src/delivery/kubernetes/kubernetes-delivery.js";
import { expandPaths, readCapped } from "../src/io/read-files.js";
import { PLATFORM_TEMPLATE } from "../src/init/templates.js";
import { renderBundle, type Bundle } from "../src/render/bundle.js";
import { loadFleet, loadPlatform } from "../src/spec/fleet.js";

const [kubeconfig = "", tenantsDir = ""] = process.argv.slice(2);
const platform = loadPlatform({ file: "landlord.yaml", bytes: new TextEncoder().encode(PLATFORM_TEMPLATE) });
const files = await Promise.all((await expandPaths([tenantsDir])).map(readCapped));
const bundles: Bundle[] = loadFleet(platform, files).map((t) => renderBundle(platform.config, t));
const delivery = new KubernetesDelivery(
  new KubeconfigResolver({ file: kubeconfig, contexts: { "aks-weu-1": "landlord-dev" } }),
  { forceConflicts: false, parallelism: 8, readyTimeoutSeconds: 60, cnpgNamespace: "cnpg-system", certManagerNamespace: "cert-manager", tokenSeconds: 600 },
  () => Promise.reject(new Error("not used")),
);
const before = delivery.applierFor("aks-weu-1").client.counters.writes;
// Tenants four at a time, each with its own bounded object parallelism.
let next = 0;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (next < bundles.length) {
      const b = bundles[next++];
      if (b) await delivery.applyBundle(b);
    }
  }),
);
process.stdout.write(JSON.stringify({ writes: delivery.applierFor("aks-weu-1").client.counters.writes - before, tenants: bundles.length }));
delivery.close();
