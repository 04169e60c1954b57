/**
 * The dev cluster's stand-in for the tenants' Key Vaults (integrations.keyVault.provider:
 * kubernetes; docs/adr/0031): one Secret per tenant vault, named like the vault, in a
 * namespace of the platform's, and beside it the grant Terraform makes in Azure (the app
 * identity's Key Vault Secrets User on its own vault): a Role to `get` that one Secret, bound
 * to the tenant's app ServiceAccount, whose token the tenant's SecretStore reads with. The API
 * server's RBAC is then what keeps one tenant from another's vault.
 */
import { KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { Applier } from "../delivery/kubernetes/applier.js";
import { KubeClient } from "../delivery/kubernetes/client.js";
import { APP, type KubeObject } from "../render/object.js";

/** What the dev cluster's landlord.yaml names as integrations.keyVault.provider.namespace. */
export const DEV_VAULTS_NAMESPACE = "landlord-vaults";
/** On each grant: the tenant namespace whose app ServiceAccount it is for. */
const GRANTEE_LABEL = "landlord.dev/vault-reader-namespace";

export interface VaultContent {
  /** The tenant's vault name (t.names.keyVault: per incarnation), as its ExternalSecrets' remoteRef.key says. */
  readonly vault: string;
  /** The tenant namespace whose app ServiceAccount may read it. */
  readonly tenantNamespace: string;
  /** remoteKey -> value; never logged. */
  readonly data: Readonly<Record<string, string>>;
}

/** The Secret, its Role and RoleBinding; the value goes into the Secret only. */
export function vaultObjects(v: VaultContent, namespace = DEV_VAULTS_NAMESPACE): KubeObject[] {
  const labels = { "app.kubernetes.io/managed-by": "landlord-devcluster", [GRANTEE_LABEL]: v.tenantNamespace };
  const metadata = { name: v.vault, namespace, labels };
  return [
    { apiVersion: "v1", kind: "Secret", metadata, type: "Opaque", stringData: { ...v.data } },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata, rules: [{ apiGroups: [""], resources: ["secrets"], resourceNames: [v.vault], verbs: ["get"] }] },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: v.vault },
      subjects: [{ kind: "ServiceAccount", name: APP, namespace: v.tenantNamespace }],
    },
  ];
}

/**
 * Fills (or rotates) a tenant's vault and grants its app ServiceAccount that vault alone. A
 * ServiceAccount's name outlives a tenant incarnation (tenant-acme:app again after acme is
 * onboarded anew), so the grants of the namespace's earlier vaults are revoked here: a new
 * customer under an old name never reads the old customer's secrets.
 */
export async function putVault(kubeconfig: string, v: VaultContent, namespace = DEV_VAULTS_NAMESPACE): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const client = new KubeClient(kc, kc.getCurrentContext());
  try {
    await new Applier(client).applyPlatform(vaultObjects(v, namespace), { force: true, repairDrift: true, dryRun: false, parallelism: 3 });
  } finally {
    client.close();
  }
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const stale = await rbac.listNamespacedRoleBinding({ namespace, labelSelector: `${GRANTEE_LABEL}=${v.tenantNamespace}` });
  for (const b of stale.items) {
    const name = b.metadata?.name;
    if (name !== undefined && name !== v.vault) await rbac.deleteNamespacedRoleBinding({ namespace, name });
  }
}
