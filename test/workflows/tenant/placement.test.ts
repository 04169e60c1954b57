/**
 * Placement across clusters, as onboarding records it: two shared clusters in one region,
 * small tenants going to the one with the most free CPU (allocatable of the shared pools
 * minus the quotas already placed there), a full cluster skipped, a pinned tenant kept
 * where it was pinned, a large tenant on a dedicated cluster of its own.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { InputError } from "../../../src/errors.js";
import type { Store } from "../../../src/store/index.js";
import { runTenantWorkflow } from "../../../src/workflows/tenant/run-tenant-workflow.js";
import { isPlacementRecord } from "../../../src/workflows/tenant/services.js";
import { submitOnboard, submitUpdate } from "../../../src/workflows/tenant/submit.js";
import { platform, tenantDoc } from "../../support/fixtures.js";
import { platformWith } from "../../support/platform-variants.js";
import { BACKENDS, unique, useBackend } from "../../store/support/backends.js";
import { finishedStatus, foldersUnder, harness, onboard, traces, tree, type Harness } from "./support/harness.js";

const SMALL_QUOTA_MILLIS = 3_000n;
/** What placement says when no shared cluster has room left. */
const FULL = /every shared cluster in the region is full|no shared cluster.* has room for the tenant's CPU quota/;

/** A westeurope cluster whose shared pool is `nodes` nodes of 3 CPUs: room for that many small tenants. */
function cluster(name: string, nodes: number) {
  return {
    name,
    region: "westeurope",
    kubernetesVersion: "1.30",
    resourceId: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-landlord-platform/providers/Microsoft.ContainerService/managedClusters/${name}`,
    nodePools: [
      { name: "system", role: "system", vmSize: "Standard_D4s_v5", count: 3, hourlyPrice: 22, allocatable: { cpu: "3860m", memory: "12Gi", pods: 110 } },
      { name: "shared", role: "shared", vmSize: "Standard_D4s_v5", count: nodes, hourlyPrice: 22, allocatable: { cpu: "3", memory: "12Gi", pods: 110 } },
    ],
  };
}

const CAPACITY = new Map([
  ["aks-weu-1", 2n * SMALL_QUOTA_MILLIS],
  ["aks-weu-2", 3n * SMALL_QUOTA_MILLIS],
]);
const ctx = platform(platformWith(["clusters"], [cluster("aks-weu-1", 2), cluster("aks-weu-2", 3)]));

/** Free shared CPU per cluster, computed independently from what the store recorded. */
async function freeByCluster(store: Store): Promise<Map<string, bigint>> {
  const free = new Map(CAPACITY);
  for (const t of await store.tenants.list()) {
    if (t.phase === "Offboarded" || !isPlacementRecord(t.placement)) continue;
    const room = free.get(t.placement.cluster);
    if (room !== undefined) free.set(t.placement.cluster, room - BigInt(t.placement.sharedCpuMillis));
  }
  return free;
}

async function placementOf(store: Store, name: string): Promise<unknown> {
  return (await store.tenants.require(name)).placement;
}

describe.each(BACKENDS)("placement across clusters on $name", (factory) => {
  const backend = useBackend(factory);
  let root: string;
  let h: Harness;
  let store: Store;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "landlord-placement-"));
    // Placement depends on every tenant already placed: each test starts from an empty fleet.
    store = await backend.open();
    await store.db.deleteFrom("tenant_domains").execute();
    await store.db.deleteFrom("tenants").execute();
    h = harness({ store, platform: ctx, folders: foldersUnder(root) });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  test("small tenants go where the most CPU is free, a full cluster is skipped, and once both are full onboarding is refused", async () => {
    const placed: string[] = [];
    const freeBefore: Map<string, bigint>[] = [];
    for (let i = 0; i < 5; i++) {
      const free = await freeByCluster(store);
      freeBefore.push(free);
      const most = [...free.values()].reduce((a, b) => (a > b ? a : b));
      const name = unique(`small${i}`);
      await submitOnboard(h.services, h.engine, tenantDoc(name), "tester", new Date());
      const p = await placementOf(store, name);
      if (!isPlacementRecord(p)) throw new Error("no placement recorded");
      expect(p).toEqual({ cluster: p.cluster, region: "westeurope", dedicatedCluster: false, sharedCpuMillis: "3000" });
      expect(free.get(p.cluster), `${name} went to ${p.cluster} with ${[...free].join(" ")} free`).toBe(most);
      placed.push(p.cluster);
    }
    // The first tenant went to the larger cluster; the last one found a cluster full and skipped it.
    expect(placed[0]).toBe("aks-weu-2");
    const full = [...(freeBefore[4] ?? new Map<string, bigint>())].filter(([, room]) => room === 0n).map(([c]) => c);
    expect(full).toHaveLength(1);
    expect(placed[4]).not.toBe(full[0]);
    expect(await freeByCluster(store)).toEqual(new Map([["aks-weu-1", 0n], ["aks-weu-2", 0n]]));
    expect(placed.filter((c) => c === "aks-weu-1")).toHaveLength(2);
    expect(placed.filter((c) => c === "aks-weu-2")).toHaveLength(3);

    const late = unique("late");
    const refused = await submitOnboard(h.services, h.engine, tenantDoc(late), "tester", new Date()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(InputError);
    expect((refused as InputError).problems).toEqual([expect.objectContaining({ path: "spec.region", message: expect.stringMatching(FULL) as unknown })]);
    expect(await traces(store, late)).toEqual({ tenant: false, domains: 0, workflows: 0, audit: 0, tokens: 0 });

    // A large tenant needs no shared room: it gets a dedicated cluster named after it.
    const big = unique("big");
    const { wf, result } = await onboard(h, tenantDoc(big, { tier: "large" }));
    expect(finishedStatus(result)).toBe("Succeeded");
    expect(await placementOf(store, big)).toEqual({ cluster: `aks-${big}`, region: "westeurope", dedicatedCluster: true, sharedCpuMillis: "0" });
    expect((await store.workflows.steps(wf.id)).find((s) => s.name === "validate")?.output).toMatchObject({ tier: "large", cluster: `aks-${big}` });
    expect([...(await tree(h.outDir)).keys()]).toEqual([`${big}/kubernetes.yaml`, `${big}/tenant.yaml`, `${big}/terraform.tfvars.json`]);
  });

  test("a tenant pinned to a cluster goes there though the other has more room, and stays there through an update", async () => {
    const name = unique("pinned");
    const pinned = (displayName: string) => tenantDoc(name, { spec: { displayName, placement: { cluster: "aks-weu-1" } } });
    expect((await freeByCluster(store)).get("aks-weu-2")).toBeGreaterThan((await freeByCluster(store)).get("aks-weu-1") ?? 0n);
    expect(finishedStatus((await onboard(h, pinned("Pinned Inc"))).result)).toBe("Succeeded");
    const expected = { cluster: "aks-weu-1", region: "westeurope", dedicatedCluster: false, sharedCpuMillis: "3000" };
    expect(await placementOf(store, name)).toEqual(expected);

    // An unpinned tenant now finds aks-weu-2 emptier.
    const free = unique("free");
    await submitOnboard(h.services, h.engine, tenantDoc(free), "tester", new Date());
    expect(await placementOf(store, free)).toMatchObject({ cluster: "aks-weu-2" });

    const update = await submitUpdate(h.services, h.engine, pinned("Pinned Incorporated"), "tester", new Date());
    if (!update) throw new Error("the change made no workflow");
    expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, update.id))).toBe("Succeeded");
    expect(await store.tenants.require(name)).toMatchObject({ phase: "Ready", generation: 2, placement: expected });
    expect((await store.workflows.steps(update.id)).find((s) => s.name === "validate")?.output).toMatchObject({ cluster: "aks-weu-1" });
  });
  test("onboardings submitted at once never overfill a cluster: the room for five goes to five, the rest are refused", async () => {
    const names = Array.from({ length: 8 }, (_, i) => unique(`rush${i}`));
    const settled = await Promise.allSettled(names.map((n) => submitOnboard(h.services, h.engine, tenantDoc(n), "tester", new Date())));
    const placed = names.filter((_, i) => settled[i]?.status === "fulfilled");
    const refused = names.flatMap((n, i) => {
      const s = settled[i];
      return s?.status === "rejected" ? [{ name: n, error: s.reason as unknown }] : [];
    });
    expect(placed).toHaveLength(5);
    expect(await freeByCluster(store)).toEqual(new Map([["aks-weu-1", 0n], ["aks-weu-2", 0n]]));
    const clusters = await Promise.all(placed.map(async (n) => ((await placementOf(store, n)) as { cluster: string }).cluster));
    expect(clusters.filter((c) => c === "aks-weu-1")).toHaveLength(2);
    expect(clusters.filter((c) => c === "aks-weu-2")).toHaveLength(3);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      expect(r.error, r.name).toBeInstanceOf(InputError);
      expect((r.error as InputError).problems).toEqual([expect.objectContaining({ path: "spec.region", message: expect.stringMatching(FULL) as unknown })]);
      expect(await traces(store, r.name)).toEqual({ tenant: false, domains: 0, workflows: 0, audit: 0, tokens: 0 });
    }
  });
});
