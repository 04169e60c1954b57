/**
 * Tenants live on a real API server: three tiers onboarded to Ready, the fences enforced
 * by the API server itself, changes that touch only their tenant, pruning, drift repair,
 * and the tenant kubeconfig scoped to its namespace.
 */
import { CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNodes } from "../../src/devcluster/seed.js";
import { FieldConflictError } from "../../src/delivery/kubernetes/errors.js";
import { renderBundle, type Bundle } from "../../src/render/bundle.js";
import { runTenantWorkflow } from "../../src/workflows/tenant/run-tenant-workflow.js";
import { isPlacementRecord, resolveSpec } from "../../src/workflows/tenant/services.js";
import { submitOffboard, submitUpdate } from "../../src/workflows/tenant/submit.js";
import { tenantDoc } from "../support/fixtures.js";
import { finishedStatus, onboard } from "../workflows/tenant/support/harness.js";
import { admin, liveHarness, uniqueName, type LiveHarness } from "./support/live.js";

const small = uniqueName("sm");
const medium = uniqueName("md");
const large = uniqueName("lg");
let h: LiveHarness;
const { core, kc } = admin();

async function bundleOf(name: string): Promise<Bundle> {
  const record = await h.store.tenants.require(name);
  const placement = isPlacementRecord(record.placement) ? record.placement : undefined;
  return renderBundle(h.platform.config, resolveSpec(h.services, record.spec, placement ? { placement } : {}));
}

/** resourceVersion of every object of a tenant, by Kind/name. */
async function versions(name: string): Promise<Map<string, string>> {
  const bundle = await bundleOf(name);
  const applier = h.delivery.applierFor(bundle.placement.cluster);
  const out = new Map<string, string>();
  for (const o of bundle.objects) {
    const live = await applier.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
    out.set(`${o.kind}/${o.metadata.name}`, String((live?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion));
  }
  return out;
}

function restrictedPod(name: string, extra: Partial<V1Pod["spec"]> = {}, container: Record<string, unknown> = {}): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
      containers: [{ name: "c", image: "registry.example.com/saas/app:1.0.0", imagePullPolicy: "Always", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } }, ...container }],
      ...extra,
    },
  };
}

async function update(name: string, overrides: Record<string, unknown> | undefined, tier: string): Promise<string> {
  const current = (await h.store.tenants.require(name)).spec as ReturnType<typeof tenantDoc>;
  const spec = tenantDoc(name, { tier, domains: (current.spec as { domains: string[] }).domains, ...(overrides ? { overrides } : {}) });
  const wf = await submitUpdate(h.services, h.engine, spec, "tester", new Date());
  if (!wf) return "no change";
  return finishedStatus(await runTenantWorkflow(h.services, h.engine, wf.id));
}

beforeAll(async () => {
  h = await liveHarness({ contexts: [`aks-${large}`] });
  // The medium tenant's own node pool, labelled and tainted as the Terraform module makes it.
  await addNodes(kc, { pool: `pool-${medium}`, count: 2, labels: { "landlord.dev/tenant": medium }, taints: [{ key: "landlord.dev/tenant", value: medium, effect: "NoSchedule" }] });
  for (const [name, tier] of [[small, "small"], [medium, "medium"], [large, "large"]] as const) {
    const { result } = await onboard(h, tenantDoc(name, { tier }));
    expect(finishedStatus(result), `${name} (${tier})`).toBe("Succeeded");
  }
});

afterAll(async () => {
  await h.close();
});

describe("three tiers onboarded to a real API server", () => {
  it("reach Ready with every rendered object present, the large one on its own cluster context", async () => {
    for (const name of [small, medium, large]) {
      expect((await h.store.tenants.require(name)).phase).toBe("Ready");
      const bundle = await bundleOf(name);
      const applier = h.delivery.applierFor(bundle.placement.cluster);
      const missing: string[] = [];
      for (const o of bundle.objects) if (!(await applier.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name))) missing.push(`${o.kind}/${o.metadata.name}`);
      expect(missing, name).toEqual([]);
      expect(bundle.objects.length).toBeGreaterThan(20);
    }
    expect((await bundleOf(large)).placement.cluster).toBe(`aks-${large}`);
    const steps = await h.store.workflows.list({ tenantName: small });
    const wait = (await h.store.workflows.steps(steps[0]?.id ?? "")).find((s) => s.name === "wait-ready");
    expect(wait?.output).toMatchObject({ ready: true });
  });

  it("gives a pod without requests the LimitRange defaults", async () => {
    const pod = await core.createNamespacedPod({ namespace: `tenant-${small}`, body: restrictedPod("defaults") });
    expect(pod.spec?.containers[0]?.resources?.requests).toEqual({ cpu: "100m", memory: "128Mi", "ephemeral-storage": "100Mi" });
    expect(pod.spec?.containers[0]?.resources?.limits).toEqual({ cpu: "500m", memory: "256Mi", "ephemeral-storage": "1Gi" });
  });

  it("rejects a pod over the quota and a privileged pod, in the API server", async () => {
    const over = core.createNamespacedPod({ namespace: `tenant-${small}`, body: restrictedPod("greedy", {}, { resources: { requests: { cpu: "3", memory: "1Gi" }, limits: { cpu: "3", memory: "1Gi" } } }) });
    await expect(over).rejects.toThrow(/exceeded quota: tenant-quota/);
    const privileged = core.createNamespacedPod({
      namespace: `tenant-${small}`,
      body: { apiVersion: "v1", kind: "Pod", metadata: { name: "root" }, spec: { containers: [{ name: "c", image: "registry.example.com/saas/app:1.0.0", imagePullPolicy: "Always", securityContext: { privileged: true } }] } },
    });
    await expect(privileged).rejects.toThrow(/violates PodSecurity \W+restricted:v1.33\W+: privileged/);
  });

  it("schedules the medium tenant's app only onto its own node pool", async () => {
    const pods = await core.listNamespacedPod({ namespace: `tenant-${medium}`, labelSelector: "app.kubernetes.io/name=app" });
    expect(pods.items.length).toBeGreaterThan(0);
    for (const p of pods.items) expect(p.spec?.nodeName).toMatch(new RegExp(`^pool-${medium}-`));
    const shared = await core.listNamespacedPod({ namespace: `tenant-${small}`, labelSelector: "app.kubernetes.io/name=app" });
    for (const p of shared.items) expect(p.spec?.nodeName ?? "").not.toMatch(/^pool-/);
  });
});

describe("changes, pruning and drift on the live cluster", () => {
  it("changes only the tenant whose override changed", async () => {
    const before = { medium: await versions(medium), large: await versions(large) };
    expect(await update(small, { app: { env: { LOG_LEVEL: "debug" } } }, "small")).toBe("Succeeded");
    expect(await versions(medium)).toEqual(before.medium);
    expect(await versions(large)).toEqual(before.large);
    const cm = await h.delivery.applierFor("aks-weu-1").get("apps/v1", "Deployment", `tenant-${small}`, "app");
    expect(JSON.stringify(cm)).toContain("debug");
  });

  it("prunes the objects of a feature that is switched off", async () => {
    expect(await update(small, { database: { pooler: { enabled: true } } }, "small")).toBe("Succeeded");
    const applier = h.delivery.applierFor("aks-weu-1");
    expect(await applier.get("postgresql.cnpg.io/v1", "Pooler", `tenant-${small}`, "db-pooler-rw")).toBeDefined();
    expect(await update(small, undefined, "small")).toBe("Succeeded");
    expect(await applier.get("postgresql.cnpg.io/v1", "Pooler", `tenant-${small}`, "db-pooler-rw")).toBeUndefined();
    const ns = await core.readNamespace({ name: `tenant-${small}` });
    expect(ns.metadata?.annotations?.["landlord.dev/inventory"]).not.toContain("Pooler");
  });

  it("re-applies an unchanged tenant with no writes, repairs a hand edit of the quota, and reports conflicting managers", async () => {
    const bundle = await bundleOf(small);
    const idle = await h.delivery.applyBundle(bundle);
    expect(idle.writes).toBe(0);
    expect(idle.outcomes.every((o) => o.action === "unchanged")).toBe(true);

    // A hand edit, as kubectl edit makes it: another field manager, an Update.
    await core.patchNamespacedResourceQuota(
      { name: "tenant-quota", namespace: `tenant-${small}`, body: [{ op: "replace", path: "/spec/hard/pods", value: "500" }], fieldManager: "kubectl-edit" },
    );
    const repaired = await h.delivery.applyBundle(bundle);
    expect(repaired.outcomes.find((o) => o.object.startsWith("ResourceQuota/"))).toMatchObject({ action: "repaired", drift: { path: "spec.hard.pods" } });
    expect(repaired.writes).toBe(1);
    const quota = await core.readNamespacedResourceQuota({ name: "tenant-quota", namespace: `tenant-${small}` });
    expect(quota.spec?.hard?.pods).toBe("20");
    expect((await h.delivery.applyBundle(bundle)).writes).toBe(0);

    // A changed bundle meeting a field another manager took: reported with field and manager, not forced.
    await core.patchNamespacedResourceQuota({ name: "tenant-quota", namespace: `tenant-${small}`, body: [{ op: "replace", path: "/spec/hard/pods", value: "21" }], fieldManager: "kubectl-edit" });
    const changed = renderBundle(h.platform.config, resolveSpec(h.services, tenantDoc(small, { overrides: { quota: { pods: 19 } } }), { placement: bundle.placement }));
    const err = await h.delivery.applyBundle(changed).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FieldConflictError);
    expect((err as FieldConflictError).conflicts).toContainEqual({ field: ".spec.hard.pods", manager: "kubectl-edit" });
    expect((err as Error).message).toMatch(/forceConflicts/);
    await h.delivery.applyBundle(bundle);
  });
});

describe("the tenant kubeconfig", () => {
  it("lists its own pods and is forbidden in a neighbour's namespace and on cluster-scoped objects", async () => {
    const record = (await h.store.workflows.list({ tenantName: small })).find((w) => w.kind === "onboard");
    const credentials = (await h.store.workflows.steps(record?.id ?? "")).find((s) => s.name === "credentials")?.output as { kubeconfig?: { file?: string } };
    const file = credentials.kubeconfig?.file ?? "";
    expect(file).toMatch(/kubeconfig$/);
    const tkc = new KubeConfig();
    tkc.loadFromFile(file);
    expect(tkc.getContextObject(tkc.getCurrentContext())?.namespace).toBe(`tenant-${small}`);
    const api = tkc.makeApiClient(CoreV1Api);
    const own = await api.listNamespacedPod({ namespace: `tenant-${small}` });
    expect(own.items.length).toBeGreaterThan(0);
    await expect(api.listNamespacedPod({ namespace: `tenant-${medium}` })).rejects.toMatchObject({ code: 403 });
    await expect(api.listNode()).rejects.toMatchObject({ code: 403 });
    await expect(api.listNamespace()).rejects.toMatchObject({ code: 403 });
    await expect(api.readNamespacedResourceQuota({ name: "tenant-quota", namespace: `tenant-${small}` })).resolves.toBeDefined();
    await expect(api.patchNamespacedResourceQuota({ name: "tenant-quota", namespace: `tenant-${small}`, body: [{ op: "replace", path: "/spec/hard/pods", value: "999" }] })).rejects.toMatchObject({ code: 403 });
  });
});

describe("offboarding", () => {
  it("refuses to delete a database it cannot back up, unless forced", async () => {
    const wf = await submitOffboard(h.services, h.engine, medium, { actor: "tester", force: false, now: new Date() });
    const status = finishedStatus(await runTenantWorkflow(h.services, h.engine, wf.id));
    expect(status).toMatch(/^Failed: .*final backup cannot be taken \(Backup \(postgresql\.cnpg\.io\/v1\) is not served by cluster aks-weu-1: its operator is not installed\); nothing was deleted.*workflows resume .*--force/);
    await expect(core.readNamespace({ name: `tenant-${medium}` })).resolves.toBeDefined();
  });

  it("deletes the namespace and waits until it is gone", async () => {
    const wf = await submitOffboard(h.services, h.engine, large, { actor: "tester", force: true, now: new Date() });
    expect(finishedStatus(await runTenantWorkflow(h.services, h.engine, wf.id))).toBe("Succeeded");
    await expect(core.readNamespace({ name: `tenant-${large}` })).rejects.toMatchObject({ code: 404 });
    const gone = (await h.store.workflows.steps(wf.id)).find((s) => s.name === "wait-gone");
    expect(gone?.output).toEqual({ gone: true });
  });
});
