/**
 * Isolation proven by packets on real nodes: three tenants (two small on the shared node,
 * one medium on its own pool's node) rendered and applied as in production, a probe pod
 * for each pod group of the static model, and a connection tried along every path. What
 * got through must equal what `landlord audit` reads from the NetworkPolicies, pair by pair.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disagreements, observePaths, platformProbeGroups, promisedPaths, tenantProbeGroups, type ObservedPath, type OutsideTarget } from "../../src/audit/packets.js";
import { policiesOf } from "../../src/audit/reachability.js";
import { Applier } from "../../src/delivery/kubernetes/applier.js";
import { KubeClient } from "../../src/delivery/kubernetes/client.js";
import { addRealNode } from "../../src/devcluster/real-node.js";
import { NETCHECK_IMAGE } from "../../src/devcluster/images.js";
import { renderBundle, type Bundle } from "../../src/render/bundle.js";
import { POOL_LABEL } from "../../src/render/kubernetes/scheduling.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";
import { uniqueName } from "../kubernetes/support/live.js";
import { ensureNamespace, nodesAdmin, nodesCluster, outsideListener } from "./support/nodes.js";

const ctx = platform();
const a = uniqueName("pa");
const b = uniqueName("pb");
const c = uniqueName("pc");
const bundles: Bundle[] = fleet(ctx, [tenantFile(a), tenantFile(b), tenantFile(c, { tier: "medium" })]).map((t) => renderBundle(ctx.config, t));
let observed: ObservedPath[] = [];
let outside: OutsideTarget[] = [];
let stopOutside: () => void = () => undefined;

function path(from: string, to: string, port: number): boolean | undefined {
  return observed.find((o) => o.from === from && o.to === to && o.port === port)?.allowed;
}

beforeAll(async () => {
  const { kc, core } = nodesAdmin();
  // The medium tenant's pool scales out by one node, as the cloud's pool would.
  await addRealNode(nodesCluster(), { name: `pool-${c}`, pool: c, labels: { [POOL_LABEL]: c }, taints: [{ key: POOL_LABEL, value: c, effect: "NoSchedule" }] });
  for (const ns of [ctx.config.integrations.ingress.namespace, ctx.config.integrations.monitoring.namespace]) await ensureNamespace(core, ns);
  const client = new KubeClient(kc, kc.getCurrentContext());
  try {
    const applier = new Applier(client);
    for (const bundle of bundles) await applier.apply({ tenant: bundle.tenant, namespace: bundle.namespace }, bundle.objects, { force: false, repairDrift: true, dryRun: false, parallelism: 4 });
  } finally {
    client.close();
  }
  const listener = await outsideListener(443);
  stopOutside = listener.stop;
  outside = [{ name: "internet", ip: listener.ip, ports: [443] }];
  const groups = [...bundles.flatMap(tenantProbeGroups), ...platformProbeGroups(ctx.config, NETCHECK_IMAGE)];
  observed = await observePaths(kc, groups, { outside, onProgress: (l) => process.stderr.write(`[isolation] ${l}\n`) });
}, 240_000);

afterAll(() => {
  stopOutside();
});

describe("isolation on real nodes", () => {
  it("lets through exactly what the NetworkPolicies promise, pair by pair", () => {
    const groups = [...bundles.flatMap(tenantProbeGroups), ...platformProbeGroups(ctx.config, NETCHECK_IMAGE)];
    const promised = promisedPaths(groups, policiesOf(bundles.flatMap((x) => x.objects)), outside);
    // Every promised pair was tried: 3 tenants x 3 groups + 2 platform sources, to 5 ports each and the outside.
    expect(observed).toHaveLength(promised.length);
    expect(observed.length).toBe(11 * (3 * 5 + 1));
    expect(disagreements(promised, observed)).toEqual([]);
  });

  it("blocks every tenant from every other tenant and from the outside", () => {
    for (const [x, y] of [
      [a, b],
      [b, a],
      [a, c],
      [c, a],
    ] as const) {
      for (const src of ["app", "database", "job"]) {
        expect(path(`${x}/${src}`, `${y}/app`, 8080), `${x}/${src} -> ${y}/app`).toBe(false);
        expect(path(`${x}/${src}`, `${y}/database`, 5432), `${x}/${src} -> ${y}/database`).toBe(false);
        expect(path(`${x}/${src}`, `${y}/app`, 9090)).toBe(false);
      }
      expect(path(`${x}/app`, "outside/internet", 443)).toBe(false);
    }
  });

  it("lets a tenant's app reach its own database, on its own pool for the medium tenant", () => {
    expect(path(`${a}/app`, `${a}/database`, 5432)).toBe(true);
    expect(path(`${c}/app`, `${c}/database`, 5432)).toBe(true);
    // The database's status port is for its own instances, not for the app.
    expect(path(`${a}/app`, `${a}/database`, 8000)).toBe(false);
    expect(path(`${a}/database`, `${a}/database`, 8000)).toBe(true);
  });

  it("lets monitoring reach metrics ports only, and the ingress controller the app port only", () => {
    for (const t of [a, c]) {
      expect(path("platform/monitoring", `${t}/app`, 9090)).toBe(true);
      expect(path("platform/monitoring", `${t}/database`, 9187)).toBe(true);
      expect(path("platform/monitoring", `${t}/app`, 8080)).toBe(false);
      expect(path("platform/monitoring", `${t}/database`, 5432)).toBe(false);
      expect(path("platform/ingress", `${t}/app`, 8080)).toBe(true);
      expect(path("platform/ingress", `${t}/app`, 9090)).toBe(false);
      expect(path("platform/ingress", `${t}/database`, 5432)).toBe(false);
    }
  });
});
