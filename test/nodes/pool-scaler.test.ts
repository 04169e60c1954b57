/**
 * The dev cluster's stand-in for a cloud node pool: a medium tenant applied with no node of
 * its pool gets one, its pods land there, and readiness says what they then wait for.
 */
import { describe, expect, it } from "vitest";
import { Applier } from "../../src/delivery/kubernetes/applier.js";
import { KubeClient } from "../../src/delivery/kubernetes/client.js";
import { podTrouble } from "../../src/delivery/kubernetes/readiness.js";
import { runPoolScaler } from "../../src/devcluster/pool-scaler.js";
import { renderBundle } from "../../src/render/bundle.js";
import { sleep } from "../../src/util/sleep.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";
import { uniqueName } from "../kubernetes/support/live.js";
import { deleteNamespaces, nodesAdmin, nodesCluster } from "./support/nodes.js";

describe("node pool stand-in", () => {
  it("adds a real node for a medium tenant's pool when its pods ask for one", { timeout: 300_000 }, async () => {
    const ctx = platform();
    const name = uniqueName("pd");
    const [tenant] = fleet(ctx, [tenantFile(name, { tier: "medium" })]);
    if (tenant === undefined) throw new Error("no tenant rendered");
    const bundle = renderBundle(ctx.config, tenant);
    const { kc, core } = nodesAdmin();
    const stop = new AbortController();
    const scaler = runPoolScaler(nodesCluster().dir, stop.signal);
    const client = new KubeClient(kc, kc.getCurrentContext());
    try {
      await new Applier(client).apply({ tenant: name, namespace: bundle.namespace }, bundle.objects, { force: false, repairDrift: true, dryRun: false, parallelism: 4 });
      const deadline = Date.now() + 90_000;
      let pods = (await core.listNamespacedPod({ namespace: bundle.namespace, labelSelector: "app.kubernetes.io/name=app" })).items;
      while ((pods.length === 0 || pods.some((p) => p.spec?.nodeName === undefined || podTrouble([p]) === undefined)) && Date.now() < deadline) {
        await sleep(500);
        pods = (await core.listNamespacedPod({ namespace: bundle.namespace, labelSelector: "app.kubernetes.io/name=app" })).items;
      }
      expect(pods.length).toBeGreaterThan(0);
      for (const p of pods) expect(p.spec?.nodeName).toBe(`pool-${name}`);
      const node = await core.readNode({ name: `pool-${name}` });
      expect(node.spec?.taints).toContainEqual(expect.objectContaining({ key: "landlord.dev/tenant", value: name, effect: "NoSchedule" }));
      // The app waits for what only the operators make (issue: the tenant comes alive), and says so.
      expect(podTrouble(pods)).toMatch(/CreateContainerConfigError \(secret "(app-secrets|db-app)" not found\)/);
    } finally {
      client.close();
      stop.abort();
      await scaler;
      await deleteNamespaces(core, [bundle.namespace]);
    }
  });
});
