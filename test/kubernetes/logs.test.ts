/**
 * `landlord logs` on a real API server: the tenant's pods are selected by source, the read
 * uses the tenant kubeconfig onboarding wrote, a request for another namespace is refused
 * before any call, and with the tenant's token the API server itself answers 403 elsewhere.
 * KWOK's fake nodes run no containers and serve no logs, so log content is not shown here.
 */
import { KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeApiError } from "../../src/delivery/kubernetes/errors.js";
import { NotAllowedError } from "../../src/errors.js";
import { TenantLogReader } from "../../src/monitoring/tenant-logs.js";
import { tenantDoc } from "../support/fixtures.js";
import { finishedStatus, onboard } from "../workflows/tenant/support/harness.js";
import { admin, liveHarness, uniqueName, type LiveHarness } from "./support/live.js";

const mine = uniqueName("lga");
const other = uniqueName("lgb");
const nsMine = `tenant-${mine}`;
const nsOther = `tenant-${other}`;
let h: LiveHarness;
let kubeconfigFile: string;
const { core, kc: operator } = admin();

function pod(name: string, labels: Record<string, string>): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
      containers: [{ name: "postgres", image: "registry.example.com/saas/app:1.0.0", imagePullPolicy: "Always", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
    },
  };
}

async function running(namespace: string, name: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await core.readNamespacedPod({ name, namespace })).status?.phase !== "Running") {
    if (Date.now() > deadline) throw new Error(`${namespace}/${name} not Running after 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  h = await liveHarness();
  for (const name of [mine, other]) expect(finishedStatus((await onboard(h, tenantDoc(name, { tier: "small" }))).result), name).toBe("Succeeded");
  const record = (await h.store.workflows.list({ tenantName: mine })).find((w) => w.kind === "onboard");
  const credentials = (await h.store.workflows.steps(record?.id ?? "")).find((s) => s.name === "credentials")?.output as { kubeconfig?: { file?: string } };
  kubeconfigFile = credentials.kubeconfig?.file ?? "";
  expect(kubeconfigFile).toMatch(new RegExp(`/${mine}/kubeconfig$`));
  // A database instance as CloudNativePG labels it (the operator is not installed here), and a stray pod.
  await core.createNamespacedPod({ namespace: nsMine, body: pod("db-1", { "cnpg.io/cluster": "db" }) });
  await core.createNamespacedPod({ namespace: nsMine, body: pod("stray", { role: "debug" }) });
  await core.createNamespacedPod({ namespace: nsOther, body: pod("db-1", { "cnpg.io/cluster": "db" }) });
  await running(nsMine, "db-1");
});

afterAll(async () => {
  await h.close();
});

describe("landlord logs with the tenant kubeconfig", () => {
  it("selects the app's pods for --app and the database instances for --db, nothing else", async () => {
    const reader = TenantLogReader.fromFile(kubeconfigFile, nsMine);
    try {
      const app = await reader.pods("app");
      const deployed = await core.listNamespacedPod({ namespace: nsMine, labelSelector: "app.kubernetes.io/name=app" });
      expect(app.length).toBeGreaterThan(0);
      expect(app).toEqual(deployed.items.map((p) => p.metadata?.name ?? "").sort());
      expect(app).not.toContain("stray");
      expect(await reader.pods("db")).toEqual(["db-1"]);
    } finally {
      reader.close();
    }
  });

  it("refuses another namespace before sending any request", async () => {
    const reader = TenantLogReader.fromFile(kubeconfigFile, nsMine);
    try {
      await expect(reader.logs({ source: "db" }, nsOther)).rejects.toBeInstanceOf(NotAllowedError);
      await expect(reader.pods("app", nsOther)).rejects.toThrow(/may not read namespace/);
      expect(reader.requests).toBe(0);
    } finally {
      reader.close();
    }
  });

  it("refuses a kubeconfig not scoped to the tenant's namespace, such as the operator's", () => {
    expect(() => TenantLogReader.fromKubeconfig(operator, nsMine)).toThrow(NotAllowedError);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigFile);
    expect(() => TenantLogReader.fromKubeconfig(kc, nsOther)).toThrow(/scoped to namespace 'tenant-lga-[0-9a-f]+', not tenant-lgb-/);
  });

  it("with the tenant's token pointed at another namespace, the API server answers 403 for its pods and their logs", async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigFile);
    // A hand-edited kubeconfig passes the local check; the token still belongs to the tenant.
    const ctx = kc.getContextObject(kc.getCurrentContext());
    if (!ctx) throw new Error("no context");
    kc.contexts = kc.contexts.map((c) => (c.name === ctx.name ? { ...c, namespace: nsOther } : c));
    const reader = TenantLogReader.fromKubeconfig(kc, nsOther);
    try {
      const listing = await reader.pods("db").catch((e: unknown) => e);
      expect(listing).toBeInstanceOf(KubeApiError);
      expect(listing).toMatchObject({ status: 403, reason: "Forbidden" });
      const logs = await reader.logs({ source: "db", tailLines: 10 }).catch((e: unknown) => e);
      expect(logs).toMatchObject({ status: 403 });
      expect((logs as Error).message).toContain(`system:serviceaccount:${nsMine}:tenant-admin`);
    } finally {
      reader.close();
    }
  });

  it("asks the API server for its own pod's log with the tenant's rights (KWOK serves no log content)", async () => {
    const reader = TenantLogReader.fromFile(kubeconfigFile, nsMine);
    try {
      const err = await reader.logs({ source: "db", tailLines: 5, sinceSeconds: 60 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      // Authorised (a refusal would be 403, decided before the kubelet is asked): the API server
      // then fails to reach the fake node's kubelet, which has no address.
      expect(err).toBeInstanceOf(KubeApiError);
      expect(err).toMatchObject({ status: 500 });
      expect((err as Error).message).toMatch(/pods\/db-1\/log: 500 .*no preferred addresses found/);
    } finally {
      reader.close();
    }
  });
});
