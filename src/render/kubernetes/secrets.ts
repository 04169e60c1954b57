/**
 * Secrets are referenced, never rendered: a SecretStore pointing at the tenant's own
 * Key Vault (workload identity of the app ServiceAccount), and ExternalSecrets that
 * materialise the referenced keys inside the namespace. Where Entra ID does not run (the dev
 * cluster), integrations.keyVault.provider names the local stand-in for the vault: one Secret
 * per tenant vault, named like the vault, in a namespace of the platform's, read with the app
 * ServiceAccount's own token, so the API server's RBAC decides what a tenant's store can read
 * (docs/adr/0031).
 */
import type { ResolvedTenant } from "../../spec/resolve.js";
import { APP, meta, type KubeObject, type RenderContext } from "../object.js";

export const SECRET_STORE = "tenant-vault";
export const APP_SECRETS = "app-secrets";

/** The API server as pods reach it, and the CA the kube-root-ca.crt ConfigMap of every namespace carries. */
const IN_CLUSTER_API = "https://kubernetes.default.svc";

export function vaultUrl(t: ResolvedTenant): string {
  return `https://${t.names.keyVault}.vault.azure.net`;
}

/** Where one key of the tenant's vault is read: a vault secret, or a key of the vault's Secret locally. */
function remoteRef({ t, platform }: RenderContext, remoteKey: string): { key: string; property?: string } {
  return platform.integrations.keyVault.provider.type === "kubernetes" ? { key: t.names.keyVault, property: remoteKey } : { key: remoteKey };
}

function storeProvider({ t, platform }: RenderContext): Record<string, unknown> {
  const p = platform.integrations.keyVault.provider;
  if (p.type === "kubernetes") {
    return {
      kubernetes: {
        remoteNamespace: p.namespace,
        server: { url: IN_CLUSTER_API, caProvider: { type: "ConfigMap", name: "kube-root-ca.crt", key: "ca.crt" } },
        // The app's own token: the store reads what the app ServiceAccount may read, nothing the controller may.
        auth: { serviceAccount: { name: APP } },
      },
    };
  }
  return { azurekv: { authType: "WorkloadIdentity", vaultUrl: vaultUrl(t), serviceAccountRef: { name: APP } } };
}

function externalSecret(ctx: RenderContext, name: string, data: { secretKey: string; remoteKey: string }[]): KubeObject {
  const { t } = ctx;
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: meta(t, name),
    spec: {
      refreshInterval: "1h",
      secretStoreRef: { kind: "SecretStore", name: SECRET_STORE },
      target: { name, creationPolicy: "Owner", deletionPolicy: "Retain" },
      data: data.map((d) => ({ secretKey: d.secretKey, remoteRef: remoteRef(ctx, d.remoteKey) })),
    },
  };
}

export function hasAppSecrets({ platform }: RenderContext): boolean {
  return platform.integrations.keyVault.secrets.length > 0;
}

export function secretObjects(ctx: RenderContext): KubeObject[] {
  const { t, platform } = ctx;
  const store: KubeObject = {
    apiVersion: "external-secrets.io/v1",
    kind: "SecretStore",
    metadata: meta(t, SECRET_STORE),
    spec: { provider: storeProvider(ctx) },
  };
  const out = [store];
  if (hasAppSecrets(ctx)) {
    out.push(
      externalSecret(
        ctx,
        APP_SECRETS,
        platform.integrations.keyVault.secrets.map((s) => ({ secretKey: s.key, remoteKey: s.remoteKey })),
      ),
    );
  }
  const webhook = t.tenant.spec.contacts.alertWebhookSecretRef;
  if (webhook) {
    out.push(externalSecret(ctx, webhook.name, [{ secretKey: webhook.key, remoteKey: webhook.name }]));
  }
  return out;
}
