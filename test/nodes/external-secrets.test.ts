/**
 * External Secrets on real nodes (docs/adr/0031), built from its module with the Azure Key
 * Vault and Kubernetes providers only. A tenant of a platform whose landlord.yaml names the
 * local vault stand-in (integrations.keyVault.provider: kubernetes) and lists Key Vault
 * secrets is onboarded with `landlord apply`; its vault is filled once onboarding has named
 * it, as an operator fills a new Key Vault; the controller materialises app-secrets with the
 * app ServiceAccount's own token, the app's process runs with the value, a rotated value
 * arrives after a refresh, and a second tenant cannot read the first one's vault, neither
 * with its ServiceAccount nor through its SecretStore. The production store (azurekv with
 * workload identity) is followed up to the token exchange: Entra ID cannot run here, so the
 * exchange lands on a recorder in its place, which checks the assertion against the API
 * server's published keys and refuses it.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { Applier } from "../../src/delivery/kubernetes/applier.js";
import { KubeClient } from "../../src/delivery/kubernetes/client.js";
import { DEV_VAULTS_NAMESPACE, putVault } from "../../src/devcluster/local-vault.js";
import { realNodesPlatformText } from "../../src/devcluster/platform.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { renderBundle } from "../../src/render/bundle.js";
import type { KubeObject } from "../../src/render/object.js";
import { sleep } from "../../src/util/sleep.js";
import { fleet, platform, tenantDoc, tenantFile } from "../support/fixtures.js";
import { uniqueName } from "../kubernetes/support/live.js";
import { startEntraRecorder, type EntraRecorder } from "./support/entra-recorder.js";
import { type CliResult, deleteNamespaces, landlordIn, nodesAdmin } from "./support/nodes.js";

const first = uniqueName("vault");
const second = uniqueName("vaultb");
const ns = (tenant: string): string => `tenant-${tenant}`;
const ES = { group: "external-secrets.io", version: "v1" } as const;
/** The secret the init template lists under integrations.keyVault.secrets. */
const KEY = "SESSION_SECRET";
const REMOTE_KEY = "session-secret";
let dir: string;
let onboard: CliResult;
const vaults = new Map<string, { vault: string; value: string }>();

type Conditions = { type: string; status: string; reason?: string; message?: string }[];
interface ExternalSecretView {
  spec: { data: { remoteRef: { key: string; property?: string } }[] };
  status?: { conditions?: Conditions };
}

function crd(): CustomObjectsApi {
  return nodesAdmin().kc.makeApiClient(CustomObjectsApi);
}

async function externalSecret(namespace: string, name: string): Promise<ExternalSecretView | undefined> {
  return (await crd()
    .getNamespacedCustomObject({ ...ES, namespace, plural: "externalsecrets", name })
    .catch(() => undefined)) as ExternalSecretView | undefined;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${String(timeoutMs / 1000)} s`);
    await sleep(1_000);
  }
}

async function secretValue(namespace: string, name: string, key: string): Promise<string | undefined> {
  const s = await nodesAdmin().core.readNamespacedSecret({ namespace, name }).catch(() => undefined);
  const b64 = s?.data?.[key];
  return b64 === undefined ? undefined : Buffer.from(b64, "base64").toString("utf8");
}

/** The variable as the pod's process has it: the real nodes run containers on this machine, so /proc shows them. */
function processEnv(podName: string, variable: string): string | undefined {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let environ: string[];
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (!environ.includes(`HOSTNAME=${podName}`)) continue;
    const hit = environ.find((e) => e.startsWith(`${variable}=`));
    if (hit !== undefined) return hit.slice(variable.length + 1);
  }
  return undefined;
}

/** A client that authenticates as NAMESPACE's app ServiceAccount, with a token the API server issues for it. */
async function asAppServiceAccount(namespace: string): Promise<CoreV1Api> {
  const { kc, core } = nodesAdmin();
  const tr = await core.createNamespacedServiceAccountToken({ namespace, name: "app", body: { spec: { audiences: [], expirationSeconds: 600 } } });
  const cluster = kc.getCurrentCluster();
  if (cluster === null || tr.status?.token === undefined) throw new Error("no cluster or no token");
  const sa = new KubeConfig();
  sa.loadFromOptions({ clusters: [cluster], users: [{ name: "sa", token: tr.status.token }], contexts: [{ name: "sa", cluster: cluster.name, user: "sa" }], currentContext: "sa" });
  return sa.makeApiClient(CoreV1Api);
}

function httpCode(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

/** Fills each tenant's vault as soon as onboarding has rendered its ExternalSecret (and so named its vault). */
async function fillVaultsDuringOnboarding(tenants: readonly string[], signal: AbortSignal): Promise<void> {
  const pending = new Set(tenants);
  while (pending.size > 0 && !signal.aborted) {
    for (const t of [...pending]) {
      const es = await externalSecret(ns(t), "app-secrets");
      const ref = es?.spec.data[0]?.remoteRef;
      if (ref === undefined) continue;
      const value = randomBytes(18).toString("base64url");
      await putVault(inject("nodesKubeconfig"), { vault: ref.key, tenantNamespace: ns(t), data: { [REMOTE_KEY]: value } });
      vaults.set(t, { vault: ref.key, value });
      pending.delete(t);
    }
    await sleep(1_000);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "landlord-eso-"));
  await mkdir(join(dir, "tenants"));
  const text = realNodesPlatformText(PLATFORM_TEMPLATE, inject("nodesPostgresImage"), { azurite: inject("nodesAzurite"), keyVaultSecrets: true });
  await writeFile(join(dir, "landlord.yaml"), `${text}\ndelivery:\n  mode: kubernetes\n  kubernetes:\n    contexts: { aks-weu-1: landlord-dev }\n    readyTimeoutSeconds: 420\n`);
  await copyFile(inject("nodesKubeconfig"), join(dir, "kubeconfig"));
  for (const t of [first, second]) await writeFile(join(dir, "tenants", `${t}.yaml`), stringify(tenantDoc(t)));
}, 60_000);

describe("tenants' secrets from the local vault stand-in", () => {
  beforeAll(async () => {
    const stop = new AbortController();
    const filling = fillVaultsDuringOnboarding([first, second], stop.signal);
    onboard = await landlordIn(dir, "--new-store", "apply");
    stop.abort();
    await filling;
  }, 600_000);

  afterAll(async () => {
    await deleteNamespaces(nodesAdmin().core, [ns(first), ns(second)]);
  }, 200_000);

  it("onboards each tenant, whose app runs with the value its vault holds", async () => {
    expect(onboard.stdout, onboard.stderr).toContain(`${first}: onboarded`);
    expect(onboard.stdout).toContain(`${second}: onboarded`);
    expect(onboard.code).toBe(0);
    for (const t of [first, second]) {
      const source = vaults.get(t);
      if (source === undefined) throw new Error(`${t}'s vault was never filled`);
      const es = await externalSecret(ns(t), "app-secrets");
      expect(es?.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "True", reason: "SecretSynced" });
      expect(await secretValue(ns(t), "app-secrets", KEY)).toBe(source.value);
      const pods = await nodesAdmin().core.listNamespacedPod({ namespace: ns(t), labelSelector: "app.kubernetes.io/name=app" });
      const running = pods.items.filter((p) => p.status?.phase === "Running");
      expect(running.length, t).toBeGreaterThan(0);
      for (const p of running) expect(processEnv(p.metadata?.name ?? "", KEY), p.metadata?.name).toBe(source.value);
    }
    // The store reads as the tenant's app ServiceAccount, in the platform's namespace.
    const store = (await crd().getNamespacedCustomObject({ ...ES, namespace: ns(first), plural: "secretstores", name: "tenant-vault" })) as { spec: unknown; status?: { conditions?: Conditions } };
    expect(store.spec).toMatchObject({ provider: { kubernetes: { remoteNamespace: DEV_VAULTS_NAMESPACE, auth: { serviceAccount: { name: "app" } } } } });
    expect(store.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
  });

  it("brings a rotated value into app-secrets at the next refresh", async () => {
    const source = vaults.get(first);
    if (source === undefined) throw new Error("no vault");
    const rotated = randomBytes(18).toString("base64url");
    await putVault(inject("nodesKubeconfig"), { vault: source.vault, tenantNamespace: ns(first), data: { [REMOTE_KEY]: rotated } });
    // The rendered refreshInterval is an hour; an operator asks for the refresh now, as External Secrets documents.
    const client = new KubeClient(nodesAdmin().kc, nodesAdmin().kc.getCurrentContext());
    const path = `/apis/${ES.group}/${ES.version}/namespaces/${ns(first)}/externalsecrets/app-secrets`;
    await client.send({ method: "PATCH", path, contentType: "application/merge-patch+json", body: { metadata: { annotations: { "force-sync": String(Date.now()) } } } });
    client.close();
    await until("the rotated value in app-secrets", 90_000, async () => ((await secretValue(ns(first), "app-secrets", KEY)) === rotated ? true : undefined));
    vaults.set(first, { vault: source.vault, value: rotated });
  });

  it("keeps the second tenant out of the first one's vault: its ServiceAccount is refused, and so is its store", async () => {
    const a = vaults.get(first);
    const b = vaults.get(second);
    if (a === undefined || b === undefined) throw new Error("no vaults");
    expect(a.vault).not.toBe(b.vault);
    const asSecond = await asAppServiceAccount(ns(second));
    const refused = await asSecond.readNamespacedSecret({ namespace: DEV_VAULTS_NAMESPACE, name: a.vault }).then(
      () => 200,
      (err: unknown) => httpCode(err),
    );
    expect(refused).toBe(403);
    expect(await asSecond.listNamespacedSecret({ namespace: DEV_VAULTS_NAMESPACE }).then(() => 200, httpCode)).toBe(403);
    // Its own vault it reads: the refusal is about whose vault, not about reading at all.
    expect((await asSecond.readNamespacedSecret({ namespace: DEV_VAULTS_NAMESPACE, name: b.vault })).metadata?.name).toBe(b.vault);

    // Through its own SecretStore: an ExternalSecret in the second tenant's namespace naming the first one's vault.
    const steal: KubeObject = {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { name: "steal", namespace: ns(second), labels: {} },
      spec: { refreshInterval: "1h", secretStoreRef: { kind: "SecretStore", name: "tenant-vault" }, target: { name: "steal" }, data: [{ secretKey: "x", remoteRef: { key: a.vault, property: REMOTE_KEY } }] },
    };
    const client = new KubeClient(nodesAdmin().kc, nodesAdmin().kc.getCurrentContext());
    await new Applier(client).applyPlatform([steal], { force: true, repairDrift: true, dryRun: false, parallelism: 1 });
    client.close();
    const failed = await until("the stolen ExternalSecret's verdict", 90_000, async () => {
      const c = (await externalSecret(ns(second), "steal"))?.status?.conditions?.find((x) => x.type === "Ready");
      return c?.status === "False" ? c : undefined;
    });
    expect(failed.reason).toBe("SecretSyncedError");
    const events = await nodesAdmin().core.listNamespacedEvent({ namespace: ns(second), fieldSelector: "involvedObject.name=steal" });
    expect(events.items.map((e) => e.message ?? "").join("\n")).toMatch(/forbidden/i);
    expect(await secretValue(ns(second), "steal", "x")).toBeUndefined();
  });
});

describe("a tenant's Key Vault store with workload identity, up to Entra ID's token exchange", () => {
  const tenant = uniqueName("azkv");
  const clientId = randomUUID();
  let recorder: EntraRecorder | undefined;

  beforeAll(async () => {
    recorder = await startEntraRecorder(inject("nodesEntra"), nodesAdmin().kc);
  });

  afterAll(async () => {
    await recorder?.stop();
    await deleteNamespaces(nodesAdmin().core, [ns(tenant)]);
  }, 200_000);

  it("exchanges the app ServiceAccount's token, signed by the API server for api://AzureADTokenExchange, with the identity's client id, and shows Entra ID's refusal on the store", async () => {
    // Production's render (integrations.keyVault.provider defaults to azurekv) with the app identity Terraform reports.
    const ctx = platform();
    const [t] = fleet(ctx, [tenantFile(tenant)]);
    if (t === undefined) throw new Error("fixture did not resolve");
    const objects = renderBundle(ctx.config, t, { appIdentityClientId: clientId, databaseIdentityClientId: randomUUID() }).objects;
    const wanted = objects.filter((o) => (o.kind === "ServiceAccount" && o.metadata.name === "app") || (o.kind === "SecretStore" && o.metadata.name === "tenant-vault"));
    expect(wanted.map((o) => o.kind).sort()).toEqual(["SecretStore", "ServiceAccount"]);
    const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: ns(tenant), labels: {} } };
    const client = new KubeClient(nodesAdmin().kc, nodesAdmin().kc.getCurrentContext());
    await new Applier(client).applyPlatform([namespace, ...wanted], { force: true, repairDrift: true, dryRun: false, parallelism: 1 });
    client.close();

    const seen = recorder;
    if (seen === undefined) throw new Error("the Entra ID stand-in did not start");
    const exchange = await until("a token exchange at the Entra ID stand-in", 120_000, () => Promise.resolve(seen.exchanges[0]));
    const entra = inject("nodesEntra");
    expect(seen.requests).toContain(`GET /${entra.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(exchange).toMatchObject({
      tenantInPath: entra.tenantId,
      grantType: "client_credentials",
      clientId,
      assertionType: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    });
    expect(exchange.scope?.split(" ")).toContain("https://vault.azure.net/.default");
    expect(exchange.rejected).toBeUndefined();
    expect(exchange.verified?.sub).toBe(`system:serviceaccount:${ns(tenant)}:app`);
    expect(exchange.verified?.aud).toEqual(["api://AzureADTokenExchange"]);
    expect(exchange.verified?.iss).toBe("https://kubernetes.default.svc.cluster.local");
    expect(exchange.verified?.exp ?? 0).toBeGreaterThan(Date.now() / 1000);

    const store = await until("the store's verdict", 60_000, async () => {
      const s = (await crd().getNamespacedCustomObject({ ...ES, namespace: ns(tenant), plural: "secretstores", name: "tenant-vault" })) as { status?: { conditions?: Conditions } };
      const c = s.status?.conditions?.find((x) => x.type === "Ready");
      return c?.status === "False" ? c : undefined;
    });
    // v0.16.2 writes a fixed message on the condition and the cause on the store's event.
    expect(store).toMatchObject({ reason: "InvalidProviderConfig", message: "unable to create client" });
    const events = await nodesAdmin().core.listNamespacedEvent({ namespace: ns(tenant), fieldSelector: "involvedObject.kind=SecretStore,involvedObject.name=tenant-vault" });
    const causes = events.items.filter((e) => e.reason === "InvalidProviderConfig").map((e) => e.message ?? "");
    expect(causes.join("\n")).toContain("AADSTS700213");
    expect(causes.join("\n")).toContain(`system:serviceaccount:${ns(tenant)}:app`);
  });
});
