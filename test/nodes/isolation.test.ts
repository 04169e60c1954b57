/**
 * Isolation proven by packets on real nodes: three tenants (two small on the shared node,
 * one medium on its own pool's node) rendered and applied as in production, a probe pod
 * for each pod group of the static model, and a connection tried along every path. What
 * got through must equal what `landlord audit` reads from the NetworkPolicies, pair by pair.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { auditPackets, type PacketAudit, type ObservedPath, type OutsideTarget } from "../../src/audit/packets.js";
import { Applier } from "../../src/delivery/kubernetes/applier.js";
import { KubeApiError } from "../../src/delivery/kubernetes/errors.js";
import { defaultGroups } from "../../src/render/kubernetes/rbac.js";
import { KubeClient } from "../../src/delivery/kubernetes/client.js";
import { addRealNode } from "../../src/devcluster/real-node.js";
import { NETCHECK_IMAGE } from "../../src/devcluster/images.js";
import { renderBundle, type Bundle } from "../../src/render/bundle.js";
import { POOL_LABEL } from "../../src/render/kubernetes/scheduling.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";
import { uniqueName } from "../kubernetes/support/live.js";
import { NODE_NETWORK } from "../../src/devcluster/host-network.js";
import { realNodesPlatformText } from "../../src/devcluster/platform.js";
import { deleteNamespaces, ensureNamespace, nodesAdmin, nodesCluster, outsideListener } from "./support/nodes.js";

// Database pods may open HTTPS to the API server (the instance manager needs it): its address on the node network.
const ctx = platform(`${realNodesPlatformText(PLATFORM_TEMPLATE, inject("nodesPostgresImage"), { azurite: inject("nodesAzurite") })}  isolationProbeImage: ${NETCHECK_IMAGE}\n`);
const a = uniqueName("pa");
const b = uniqueName("pb");
const c = uniqueName("pc");
const resolved = fleet(ctx, [tenantFile(a), tenantFile(b), tenantFile(c, { tier: "medium" })]);
const bundles: Bundle[] = resolved.map((t) => renderBundle(ctx.config, t));
let audit: PacketAudit;
let observed: readonly ObservedPath[] = [];
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
  audit = await auditPackets(kc, bundles, ctx.config, { outside, onProgress: (l) => process.stderr.write(`[isolation] ${l}\n`) });
  observed = audit.observed;
}, 240_000);

afterAll(async () => {
  stopOutside();
  await deleteNamespaces(nodesAdmin().core, bundles.map((b) => b.namespace));
}, 200_000);

describe("isolation on real nodes", () => {
  it("lets through exactly what the NetworkPolicies promise, pair by pair", () => {
    expect(audit.skipped).toBeUndefined();
    // Every promised pair was tried: 3 tenants x 3 groups + 2 platform sources, to 5 ports each, the outside and the API server.
    expect(observed).toHaveLength(audit.promised.length);
    expect(observed.length).toBe(11 * (3 * 5 + 2));
    expect(audit.disagreements).toEqual([]);
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

  it("lets only database pods reach the API server, where the platform names its address", () => {
    const api = NODE_NETWORK.apiServer.port;
    for (const t of [a, b, c]) {
      expect(path(`${t}/database`, "cluster/api-server", api), `${t}/database -> API server`).toBe(true);
      expect(path(`${t}/app`, "cluster/api-server", api), `${t}/app -> API server`).toBe(false);
      expect(path(`${t}/job`, "cluster/api-server", api), `${t}/job -> API server`).toBe(false);
    }
  });

  it("lets a tenant's app reach its own database, on its own pool for the medium tenant", () => {
    expect(path(`${a}/app`, `${a}/database`, 5432)).toBe(true);
    expect(path(`${c}/app`, `${c}/database`, 5432)).toBe(true);
    // The database's status port is for its own instances, not for the app.
    expect(path(`${a}/app`, `${a}/database`, 8000)).toBe(false);
    expect(path(`${a}/database`, `${a}/database`, 8000)).toBe(true);
  });

  it("says why no packet was sent when the cluster's guardrails refuse the probe's image", async () => {
    // A probe image whose repository the cluster's allow-list does not hold (it was bootstrapped with another).
    const other = platform(`${realNodesPlatformText(PLATFORM_TEMPLATE, inject("nodesPostgresImage"), { azurite: inject("nodesAzurite") })}  isolationProbeImage: registry.example.com/landlord/unlisted:1\n`);
    const r = await auditPackets(nodesAdmin().kc, bundles.slice(0, 1), other.config, {});
    expect(r.skipped).toMatch(/admission refused the probe image registry\.example\.com\/landlord\/unlisted:1: .*run landlord bootstrap/);
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

describe("placement on real nodes, as the tenant's own admins ask for it", () => {
  // Tenant admins create pods through Jobs (their role has no pods/create).
  function jobBody(name: string, spec: Record<string, unknown>): Record<string, unknown> {
    return {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: "Never",
            securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "c",
                image: "registry.example.com/saas/app:1.0.0",
                imagePullPolicy: "Always",
                command: ["/netcheck", "listen"],
                resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
              },
            ],
            ...spec,
          },
        },
      },
    };
  }

  async function asAdmins(tenant: string, body: Record<string, unknown>): Promise<string> {
    const t = resolved.find((x) => x.tenant.metadata.name === tenant);
    if (t === undefined) throw new Error(`no tenant ${tenant}`);
    const { kc } = nodesAdmin();
    const client = new KubeClient(kc, kc.getCurrentContext(), undefined, { user: `${tenant}-admin`, groups: [...defaultGroups(t).admins, "system:authenticated"] });
    try {
      await client.send({ method: "POST", path: `/apis/batch/v1/namespaces/tenant-${tenant}/jobs`, body });
      return "admitted";
    } catch (err) {
      if (err instanceof KubeApiError) return err.detail;
      throw err;
    } finally {
      client.close();
    }
  }

  it("runs a medium tenant's job on its own pool's node and nowhere else", async () => {
    const pool = { nodeSelector: { [POOL_LABEL]: c }, tolerations: [{ key: POOL_LABEL, operator: "Equal", value: c, effect: "NoSchedule" }] };
    expect(await asAdmins(c, jobBody("placed", pool))).toBe("admitted");
    const { core } = nodesAdmin();
    const namespace = `tenant-${c}`;
    const deadline = Date.now() + 60_000;
    let pod = (await core.listNamespacedPod({ namespace, labelSelector: "job-name=placed" })).items[0];
    while (pod?.status?.phase !== "Running" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      pod = (await core.listNamespacedPod({ namespace, labelSelector: "job-name=placed" })).items[0];
    }
    expect(pod?.status?.phase).toBe("Running");
    expect(pod?.spec?.nodeName).toBe(`pool-${c}`);
    // Without its pool's selector the same job is refused: its pod would land on the shared node.
    expect(await asAdmins(c, jobBody("unplaced", {}))).toMatch(/ValidatingAdmissionPolicy 'landlord-tenant-jobs'.*must run on it/);
  });

  it("refuses, by the policy meant to, a small tenant's job that reaches for the system pool, another pool or one node", async () => {
    const denied = (pattern: string) => new RegExp(`ValidatingAdmissionPolicy 'landlord-tenant-jobs'.*${pattern}`);
    expect(await asAdmins(a, jobBody("sys", { tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }] }))).toMatch(denied("may tolerate only their own node pool's taint"));
    expect(await asAdmins(a, jobBody("pool", { tolerations: [{ key: POOL_LABEL, operator: "Equal", value: c, effect: "NoSchedule" }], nodeSelector: { [POOL_LABEL]: c } }))).toMatch(denied("own node pool"));
    expect(await asAdmins(a, jobBody("pin", { nodeSelector: { "kubernetes.io/hostname": `pool-${c}` } }))).toMatch(denied("select only their own node pool"));
    expect(await asAdmins(a, jobBody("named", { nodeName: `pool-${c}` }))).toMatch(denied("may not name their node"));
    expect(await asAdmins(a, jobBody("forever", { tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }] }))).toMatch(denied("at most 300 s"));
  });

  it("refuses, by the policy meant to, a job with an unlisted repository, a cached image or the database's Secret (issue 23)", async () => {
    const denied = (pattern: string) => new RegExp(`ValidatingAdmissionPolicy 'landlord-tenant-jobs'.*${pattern}`);
    const withContainer = (name: string, change: Record<string, unknown>, spec: Record<string, unknown> = {}) => {
      const body = jobBody(name, spec) as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
      body.spec.template.spec.containers = body.spec.template.spec.containers.map((x) => ({ ...x, ...change }));
      return body as unknown as Record<string, unknown>;
    };
    // The image the nodes really pull sits in an allowed repository; a sibling repository on the same host is not allowed.
    expect(await asAdmins(a, withContainer("repo", { image: "registry.example.com/saas/netcheck:1.0.0" }))).toMatch(denied("images must come from"));
    expect(await asAdmins(a, withContainer("cached", { imagePullPolicy: "IfNotPresent" }))).toMatch(denied("must set imagePullPolicy: Always"));
    expect(await asAdmins(a, jobBody("secret", { volumes: [{ name: "s", secret: { secretName: "db-app" } }] }))).toMatch(denied("may not mount or read Secrets"));
    expect(await asAdmins(a, withContainer("secret-env", { env: [{ name: "P", valueFrom: { secretKeyRef: { name: "db-app", key: "password" } } }] }))).toMatch(denied("may not mount or read Secrets"));
  });
});
