/**
 * The dev cluster's External Secrets parts, without a cluster: the chart keeps only the
 * controller this build has, its pod is led to the Entra ID stand-in and trusts only its
 * certificate, the landlord.yaml real-node tests use names the local vaults, and a vault's
 * grant is `get` on that one Secret for that one tenant's app ServiceAccount.
 */
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chartObjects, ENTRA_HOST, externalSecretsParts, externalSecretsValues, renderChart, type EntraStandIn } from "../../src/devcluster/external-secrets.js";
import { DEV_VAULTS_NAMESPACE, vaultObjects } from "../../src/devcluster/local-vault.js";
import { realNodesPlatformText } from "../../src/devcluster/platform.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { reservedNamespaces } from "../../src/spec/names.js";
import { platform } from "../support/fixtures.js";

const entra: EntraStandIn = { tenantId: "7f0c2d9e-0000-4000-8000-000000000001", host: ENTRA_HOST, address: "10.250.0.254", port: 443, certFile: "/x/login.crt", keyFile: "/x/login.key" };

describe("the dev cluster's External Secrets", () => {
  it("asks the chart for the namespaced controller only: no CRDs, webhook, cert controller or cluster-wide reconcilers", () => {
    const v = externalSecretsValues(entra);
    expect(v).toMatchObject({ installCRDs: false, webhook: { create: false }, certController: { create: false }, processClusterStore: false, processClusterExternalSecret: false, processClusterPushSecret: false, processPushSecret: false, image: { tag: "v0.16.2" } });
  });

  it("leads the controller's pod to the stand-in for Entra ID and has it trust that certificate alone", () => {
    const v = externalSecretsValues(entra) as { extraEnv: { name: string; value: string }[]; podSpecExtra: { hostAliases: unknown[] } };
    expect(v.podSpecExtra.hostAliases).toEqual([{ ip: "10.250.0.254", hostnames: ["login.microsoftonline.com"] }]);
    expect(v.extraEnv).toContainEqual({ name: "AZURE_TENANT_ID", value: entra.tenantId });
    expect(v.extraEnv.find((e) => e.name === "SSL_CERT_FILE")?.value).toMatch(/\/ca\.crt$/);
  });

  it("keeps the chart's objects but CRDs, and refuses a chart that would run a binary this build lacks", () => {
    const doc = (kind: string, name: string) => stringify({ apiVersion: "v1", kind, metadata: { name, namespace: "external-secrets" } });
    const kept = chartObjects([doc("Deployment", "external-secrets"), doc("ServiceAccount", "external-secrets"), doc("CustomResourceDefinition", "pushsecrets.external-secrets.io")].join("---\n"));
    expect(kept.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["Deployment/external-secrets", "ServiceAccount/external-secrets"]);
    expect(() => chartObjects(doc("ServiceAccount", "external-secrets"))).toThrow(/no Deployment named external-secrets/);
    expect(() => chartObjects([doc("Deployment", "external-secrets"), doc("Deployment", "external-secrets-webhook")].join("---\n"))).toThrow(/external-secrets-webhook/);
  });

  it("renders upstream's chart with the pinned Helm, its Bitwarden dependency left out, into the controller this build runs", { timeout: 600_000 }, async () => {
    const { chart } = await externalSecretsParts();
    expect(((parse(await readFile(join(chart, "Chart.yaml"), "utf8")) as { dependencies?: unknown[] }).dependencies ?? []).length).toBeGreaterThan(0);
    const work = await mkdtemp(join(tmpdir(), "landlord-eso-chart-"));
    try {
      const objects = await renderChart(chart, entra, work);
      const deployment = objects.find((o) => o.kind === "Deployment") as { spec: { template: { spec: { hostAliases?: unknown[]; containers: { image: string; args?: string[] }[] } } } } | undefined;
      const pod = deployment?.spec.template.spec;
      expect(pod?.hostAliases).toEqual([{ ip: entra.address, hostnames: [ENTRA_HOST] }]);
      expect(pod?.containers[0]?.image).toMatch(/:v0\.16\.2$/);
      expect(pod?.containers[0]?.args).toContain("--enable-cluster-store-reconciler=false");
      expect(objects.some((o) => o.metadata.name.includes("bitwarden"))).toBe(false);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it("names the local vaults in the landlord.yaml real-node tests use, a namespace no tenant can get", () => {
    const config = platform(realNodesPlatformText(PLATFORM_TEMPLATE, "ghcr.io/cloudnative-pg/postgresql:15.20")).config;
    expect(config.integrations.keyVault.provider).toEqual({ type: "kubernetes", namespace: DEV_VAULTS_NAMESPACE });
    expect(config.integrations.keyVault.secrets).toEqual([]);
    expect(reservedNamespaces(config).has(DEV_VAULTS_NAMESPACE)).toBe(true);
    const withSecrets = platform(realNodesPlatformText(PLATFORM_TEMPLATE, "ghcr.io/cloudnative-pg/postgresql:15.20", { keyVaultSecrets: true })).config;
    expect(withSecrets.integrations.keyVault.secrets.length).toBeGreaterThan(0);
  });

  it("grants a tenant's app ServiceAccount get on its own vault's Secret, and nothing else", () => {
    const [secret, role, binding] = vaultObjects({ vault: "kv-acme-1a2b", tenantNamespace: "tenant-acme", data: { "session-secret": "s3cr3t" } });
    expect(secret).toMatchObject({ kind: "Secret", metadata: { name: "kv-acme-1a2b", namespace: DEV_VAULTS_NAMESPACE }, stringData: { "session-secret": "s3cr3t" } });
    expect(role).toMatchObject({ kind: "Role", rules: [{ apiGroups: [""], resources: ["secrets"], resourceNames: ["kv-acme-1a2b"], verbs: ["get"] }] });
    expect(role?.rules).toHaveLength(1);
    expect(binding).toMatchObject({ kind: "RoleBinding", roleRef: { kind: "Role", name: "kv-acme-1a2b" }, subjects: [{ kind: "ServiceAccount", name: "app", namespace: "tenant-acme" }] });
    // The value is in the Secret alone: never in the grant's objects.
    expect(JSON.stringify([role, binding])).not.toContain("s3cr3t");
  });
});
