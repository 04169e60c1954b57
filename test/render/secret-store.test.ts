/**
 * Where a tenant's SecretStore reads (integrations.keyVault.provider, docs/adr/0031): its own
 * Key Vault through the app's workload identity by default, or on a cluster without Entra ID
 * the Secret named like its vault in the platform's namespace, read with the app
 * ServiceAccount's own token. Either way the bundle holds references, never a value, and is
 * valid against External Secrets' real CRDs.
 */
import { describe, expect, test } from "vitest";
import { renderBundle } from "../../src/render/bundle.js";
import type { KubeObject } from "../../src/render/object.js";
import { validateObjects } from "../../src/validate/objects.js";
import { fleet, fleetProblems, platform, sharedCrds, tenantFile } from "../support/fixtures.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { parseDocument } from "yaml";

const LOCAL = { type: "kubernetes", namespace: "landlord-vaults" };

function textWith(provider: unknown, more: Record<string, unknown> = {}): string {
  const doc = parseDocument(PLATFORM_TEMPLATE);
  doc.setIn(["integrations", "keyVault", "provider"], provider);
  for (const [k, v] of Object.entries(more)) doc.setIn(k.split("."), v);
  return doc.toString();
}

function rendered(text: string, spec: Record<string, unknown> = {}): { objects: readonly KubeObject[]; vault: string } {
  const ctx = platform(text);
  const [t] = fleet(ctx, [tenantFile("acme", { spec })]);
  if (!t) throw new Error("fixture did not resolve");
  return { objects: renderBundle(ctx.config, t).objects, vault: t.names.keyVault };
}

function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name} rendered`);
  return o;
}

const webhook = { contacts: { email: "ops@acme.example.com", alertWebhookSecretRef: { name: "alert-webhook", key: "url" } } };

describe("the tenant's SecretStore and ExternalSecrets", () => {
  test("read the tenant's own Key Vault with the app's workload identity by default", () => {
    const { objects, vault } = rendered(PLATFORM_TEMPLATE, webhook);
    expect(find(objects, "SecretStore", "tenant-vault").spec).toEqual({
      provider: { azurekv: { authType: "WorkloadIdentity", vaultUrl: `https://${vault}.vault.azure.net`, serviceAccountRef: { name: "app" } } },
    });
    const data = (find(objects, "ExternalSecret", "app-secrets").spec as { data: unknown[] }).data;
    expect(data).toEqual([{ secretKey: "SESSION_SECRET", remoteRef: { key: "session-secret" } }]);
    expect((find(objects, "ExternalSecret", "alert-webhook").spec as { data: unknown[] }).data).toEqual([{ secretKey: "url", remoteRef: { key: "alert-webhook" } }]);
  });

  test("with the local provider, read the Secret named like the tenant's vault in the platform's namespace, as the app ServiceAccount", () => {
    const { objects, vault } = rendered(textWith(LOCAL), webhook);
    expect(find(objects, "SecretStore", "tenant-vault").spec).toEqual({
      provider: {
        kubernetes: {
          remoteNamespace: "landlord-vaults",
          server: { url: "https://kubernetes.default.svc", caProvider: { type: "ConfigMap", name: "kube-root-ca.crt", key: "ca.crt" } },
          auth: { serviceAccount: { name: "app" } },
        },
      },
    });
    // Vault names are per incarnation (docs/adr/0027): a name onboarded again reads a new Secret.
    expect(vault).toMatch(/^kv-acme-[a-z0-9]+$/);
    const data = (find(objects, "ExternalSecret", "app-secrets").spec as { data: unknown[] }).data;
    expect(data).toEqual([{ secretKey: "SESSION_SECRET", remoteRef: { key: vault, property: "session-secret" } }]);
    expect((find(objects, "ExternalSecret", "alert-webhook").spec as { data: unknown[] }).data).toEqual([{ secretKey: "url", remoteRef: { key: vault, property: "alert-webhook" } }]);
  });

  test("are valid against External Secrets' CRDs, and no Secret (no value) is rendered, whichever the provider", async () => {
    const crds = await sharedCrds();
    for (const text of [PLATFORM_TEMPLATE, textWith(LOCAL)]) {
      const { objects } = rendered(text, webhook);
      const es = objects.filter((o) => o.apiVersion.startsWith("external-secrets.io/"));
      expect(es.map((o) => o.kind).sort()).toEqual(["ExternalSecret", "ExternalSecret", "SecretStore"]);
      expect(validateObjects(es, crds)).toEqual([]);
      expect(objects.filter((o) => o.kind === "Secret")).toEqual([]);
    }
  });

  test("the app still takes app-secrets as environment with the local provider", () => {
    const { objects } = rendered(textWith(LOCAL));
    const pod = (find(objects, "Deployment", "app").spec as { template: { spec: { containers: { envFrom?: unknown[] }[] } } }).template.spec;
    expect(pod.containers[0]?.envFrom).toContainEqual({ secretRef: { name: "app-secrets" } });
  });
});

describe("integrations.keyVault.provider", () => {
  test("defaults to azurekv", () => {
    expect(platform().config.integrations.keyVault.provider).toEqual({ type: "azurekv" });
  });

  test("refuses an unknown provider and a kubernetes provider without its namespace", () => {
    expect(() => platform(textWith({ type: "vault" }))).toThrow(/keyVault\.provider/);
    expect(() => platform(textWith({ type: "kubernetes" }))).toThrow(/keyVault\.provider\.namespace/);
  });

  test("keeps the vaults' namespace from every tenant: no tenant is given it, whatever the prefix", () => {
    // With the init template's prefix 'tenant-', tenant 'vaults' would get namespace tenant-vaults.
    expect(fleetProblems([tenantFile("vaults")], textWith({ type: "kubernetes", namespace: "tenant-vaults" }))).toEqual([expect.stringMatching(/metadata\.name: 'vaults' is reserved for the platform/)]);
    expect(fleetProblems([tenantFile("vaults")], textWith(LOCAL))).toEqual([]);
    expect(fleetProblems([tenantFile("landlord-vaults")], textWith(LOCAL, { "platform.namespacePrefix": "" }))).toEqual([expect.stringMatching(/reserved for the platform/)]);
    // azurekv reserves nothing: the vaults are in Azure.
    expect(fleetProblems([tenantFile("vaults")])).toEqual([]);
  });
});
