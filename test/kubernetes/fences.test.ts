/**
 * The namespace fences on the live API server: object counts, per-container and per-PVC
 * maximums, tenant labels kept away from the labels other tools read, database egress
 * closed when no ranges are configured.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient } from "../../src/delivery/kubernetes/client.js";
import { KubeApiError } from "../../src/delivery/kubernetes/errors.js";
import { tenantDoc } from "../support/fixtures.js";
import { finishedStatus, onboard } from "../workflows/tenant/support/harness.js";
import { admin, liveHarness, uniqueName, type LiveHarness } from "./support/live.js";

const name = uniqueName("fence");
const ns = `tenant-${name}`;
const IMAGE = "registry.example.com/saas/app:1.0.0";
let h: LiveHarness;
let client: KubeClient;

async function create(path: string, body: Record<string, unknown>, dryRun = false): Promise<string> {
  try {
    await client.send({ method: "POST", path, body, ...(dryRun ? { query: { dryRun: "All" } } : {}) });
    return "allowed";
  } catch (err) {
    if (err instanceof KubeApiError) return err.detail;
    throw err;
  }
}

function cronJob(i: number): Record<string, unknown> {
  const container = { name: "c", image: IMAGE, imagePullPolicy: "Always", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } };
  const spec = { securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } }, restartPolicy: "Never", containers: [container] };
  return { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: `c${String(i)}` }, spec: { schedule: "0 0 1 1 *", suspend: true, jobTemplate: { spec: { template: { spec } } } } };
}

beforeAll(async () => {
  h = await liveHarness();
  const { kc } = admin();
  client = new KubeClient(kc, kc.getCurrentContext());
  const spec = tenantDoc(name);
  (spec.metadata as Record<string, unknown>).labels = { team: "billing", "example.com/cost-center": "cc-7" };
  expect(finishedStatus((await onboard(h, spec)).result)).toBe("Succeeded");
});

afterAll(async () => {
  client.close();
  await h.close();
});

describe("namespace fences", () => {
  it("count objects: the eleventh CronJob is refused", async () => {
    for (let i = 0; i < 10; i++) expect(await create(`/apis/batch/v1/namespaces/${ns}/cronjobs`, cronJob(i))).toBe("allowed");
    expect(await create(`/apis/batch/v1/namespaces/${ns}/cronjobs`, cronJob(10))).toMatch(/exceeded quota: tenant-quota, requested: count\/cronjobs\.batch=1, used: count\/cronjobs\.batch=10, limited: count\/cronjobs\.batch=10/);
  });

  it("cap one container at the namespace's share and a PVC at the tenant's storage", async () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "big" },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
        containers: [{ name: "c", image: IMAGE, imagePullPolicy: "Always", resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "4", memory: "64Mi" } }, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
      },
    };
    expect(await create(`/api/v1/namespaces/${ns}/pods`, pod, true)).toMatch(/maximum cpu usage per Container is 3/);
    const pvc = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "huge" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Ti" } } } };
    expect(await create(`/api/v1/namespaces/${ns}/persistentvolumeclaims`, pvc, true)).toMatch(/maximum storage usage per PersistentVolumeClaim is 20Gi/);
  });

  it("put tenant labels on the Namespace only under tenant.landlord.dev/", async () => {
    const live = await client.send<{ metadata: { labels: Record<string, string> } }>({ method: "GET", path: `/api/v1/namespaces/${ns}` });
    expect(live.metadata.labels).toMatchObject({ "tenant.landlord.dev/team": "billing", "tenant.landlord.dev/cost-center": "cc-7" });
    expect(Object.keys(live.metadata.labels).filter((k) => k === "team" || k.startsWith("example.com/"))).toEqual([]);
  });

  it("open no database egress when the platform names no ranges", async () => {
    const policies = await client.send<{ items: { metadata: { name: string } }[] }>({ method: "GET", path: `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies` });
    const names = policies.items.map((p) => p.metadata.name);
    expect(names).toContain("default-deny");
    expect(names).not.toContain("allow-database-https-egress");
  });
});
