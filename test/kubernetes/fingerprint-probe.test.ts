/**
 * The tier move's production database probe (kubernetesDatabaseProbe) against the real API
 * server: its pod must be admitted in a medium tenant's namespace, under the guardrails
 * (admission policies with the tenant's parameters) and Pod Security "restricted", and be
 * scheduled on the tenant's own pool. The fake nodes run no containers, so the pod never
 * finishes here: the probe gives up after its timeout, which is the proof that it got past
 * admission and the scheduler, and it removes its pod (docs/adr/0024).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient } from "../../src/delivery/kubernetes/client.js";
import { fingerprintPod, kubernetesDatabaseProbe } from "../../src/delivery/kubernetes/database-probe-kube.js";
import { KubeApiError } from "../../src/delivery/kubernetes/errors.js";
import { addNodes } from "../../src/devcluster/seed.js";
import type { KubeObject } from "../../src/render/object.js";
import type { ResolvedTenant } from "../../src/spec/resolve.js";
import { storedTenant } from "../../src/workflows/tenant/services.js";
import { tenantDoc } from "../support/fixtures.js";
import { finishedStatus, onboard } from "../workflows/tenant/support/harness.js";
import { admin, liveHarness, uniqueName, type LiveHarness } from "./support/live.js";

const medium = uniqueName("fp");
const namespace = `tenant-${medium}`;
let h: LiveHarness;
let client: KubeClient;
let tenant: ResolvedTenant;

/** POSTs as a dry run; "allowed" or the API server's message. */
async function attempt(body: KubeObject): Promise<string> {
  try {
    await client.send({ method: "POST", path: `/api/v1/namespaces/${namespace}/pods`, query: { dryRun: "All" }, body });
    return "allowed";
  } catch (err) {
    if (err instanceof KubeApiError) return err.detail;
    throw err;
  }
}

interface PodView {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
}

async function fingerprintPods(): Promise<PodView[]> {
  const list = await client.send<{ items: PodView[] }>({ method: "GET", path: `/api/v1/namespaces/${namespace}/pods`, query: { labelSelector: "app.kubernetes.io/component=fingerprint" } });
  return list.items;
}

beforeAll(async () => {
  h = await liveHarness();
  const { kc } = admin();
  client = new KubeClient(kc, kc.getCurrentContext());
  await addNodes(kc, { pool: `pool-${medium}`, count: 1, labels: { "landlord.dev/tenant": medium }, taints: [{ key: "landlord.dev/tenant", value: medium, effect: "NoSchedule" }] });
  expect(finishedStatus((await onboard(h, tenantDoc(medium, { tier: "medium" }))).result)).toBe("Succeeded");
  // The tenant as the move's fingerprint-source step resolves it: the stored spec at its recorded placement.
  tenant = (await storedTenant(h.services, await h.store.tenants.require(medium))).tenant;
});

afterAll(async () => {
  client.close();
  await h.close();
});

describe("the move's database probe in a medium tenant's namespace", () => {
  it("has its pod admitted (server-side dry run); without the pool's placement the namespace refuses it", async () => {
    expect(tenant.placement.nodePool).toBeDefined();
    const pod = fingerprintPod(tenant, "landlord-fingerprint-dry");
    expect(await attempt(pod)).toBe("allowed");
    // The pod as the probe made it before: no nodeSelector, no toleration of the pool.
    const { nodeSelector, tolerations, ...unplaced } = pod.spec as Record<string, unknown>;
    expect([nodeSelector, tolerations].every((x) => x !== undefined)).toBe(true);
    expect(await attempt({ ...pod, spec: unplaced })).toMatch(/pods of a tenant with a dedicated node pool must run on it/);
  });

  it("creates its pod on the tenant's pool node, and removes it when the pod does not finish", async () => {
    const probe = kubernetesDatabaseProbe((cluster) => h.delivery.applierFor(cluster), { timeoutSeconds: 6 });
    const nodes = new Set<string>();
    const stop = new AbortController();
    const watcher = (async () => {
      while (!stop.signal.aborted) {
        for (const p of await fingerprintPods()) if (p.spec.nodeName !== undefined) nodes.add(p.spec.nodeName);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const outcome = await probe.fingerprint(tenant).then(
      () => "finished",
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    stop.abort();
    await watcher;
    // Admitted and scheduled: it runs (as far as fake nodes run anything) and only never ends.
    expect(outcome).toMatch(new RegExp(`fingerprint pod ${namespace}/landlord-fingerprint-\\w+ on aks-weu-1 did not finish in 6 s \\(phase (Pending|Running)`));
    expect([...nodes]).toEqual([`pool-${medium}-0`]);
    const left = await fingerprintPods();
    expect(left.every((p) => p.metadata.deletionTimestamp !== undefined)).toBe(true);
  });
});
