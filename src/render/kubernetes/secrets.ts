/**
 * Secrets are referenced, never rendered: a SecretStore pointing at the tenant's own
 * Key Vault (workload identity of the app ServiceAccount), and ExternalSecrets that
 * materialise the referenced keys inside the namespace.
 */
import type { ResolvedTenant } from "../../spec/resolve.js";
import { APP, meta, type KubeObject, type RenderContext } from "../object.js";

export const SECRET_STORE = "tenant-vault";
export const APP_SECRETS = "app-secrets";

export function vaultUrl(t: ResolvedTenant): string {
  return `https://${t.names.keyVault}.vault.azure.net`;
}

function externalSecret(t: ResolvedTenant, name: string, data: { secretKey: string; remoteKey: string }[]): KubeObject {
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: meta(t, name),
    spec: {
      refreshInterval: "1h",
      secretStoreRef: { kind: "SecretStore", name: SECRET_STORE },
      target: { name, creationPolicy: "Owner", deletionPolicy: "Retain" },
      data: data.map((d) => ({ secretKey: d.secretKey, remoteRef: { key: d.remoteKey } })),
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
    spec: {
      provider: {
        azurekv: { authType: "WorkloadIdentity", vaultUrl: vaultUrl(t), serviceAccountRef: { name: APP } },
      },
    },
  };
  const out = [store];
  if (hasAppSecrets(ctx)) {
    out.push(
      externalSecret(
        t,
        APP_SECRETS,
        platform.integrations.keyVault.secrets.map((s) => ({ secretKey: s.key, remoteKey: s.remoteKey })),
      ),
    );
  }
  const webhook = t.tenant.spec.contacts.alertWebhookSecretRef;
  if (webhook) {
    out.push(externalSecret(t, webhook.name, [{ secretKey: webhook.key, remoteKey: webhook.name }]));
  }
  return out;
}
