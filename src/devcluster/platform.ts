/**
 * The init template pointed at a cluster with real nodes, as the README tells a newcomer to
 * edit landlord.yaml: the PostgreSQL image the nodes serve, the API server's address for the
 * database pods' egress, backups to Azurite when it runs (its endpoint, its address in the
 * egress, the connection string Secret the dev stand-in puts in each tenant namespace),
 * the ingress controller and ClusterIssuer the cluster runs (Traefik, Pebble; docs/adr/0029),
 * the local stand-in for the tenants' Key Vaults that External Secrets reads (docs/adr/0031),
 * no Key Vault secrets unless asked for (each tenant's vault must be filled first, as in
 * production: src/devcluster/local-vault.ts), and CPU
 * requests a tenth of production's: every real node has this machine's two cores, where a
 * medium tenant's pool node on AKS has eight. Limits stay as they are.
 */
import { NODE_NETWORK } from "./host-network.js";
import type { Azurite } from "./azurite.js";
import { DEV_BACKUP_SECRET } from "./backup-credentials.js";
import { DEV_CLUSTER_ISSUER } from "./pebble.js";
import { DEV_VAULTS_NAMESPACE } from "./local-vault.js";
import { TRAEFIK_INGRESS } from "./traefik.js";

export function realNodesPlatformText(template: string, postgresImage: string, opts: { keyVaultSecrets?: boolean; azurite?: Azurite } = {}): string {
  const storage = opts.azurite === undefined ? "" : azuriteLines(opts.azurite);
  let text = template
    .replace(/imageName: ghcr\.io\/cloudnative-pg\/postgresql:\S+/, `imageName: ${postgresImage}`)
    .replace("    region: westeurope\n", `    region: westeurope\n    apiServerCidrs: ["${NODE_NETWORK.apiServer.ip}/32"]\n`)
    .replace("    storageAccountPrefix: llbk\n", `    storageAccountPrefix: llbk\n${storage}`)
    .replace(/ {2}ingress:\n {4}className: \S+\n {4}namespace: \S+\n {4}podLabels: \{[^\n]*\}\n/, ingressLines())
    .replace(/ {2}certManager: \{ clusterIssuer: \S+ \}\n/, `  certManager: { clusterIssuer: ${DEV_CLUSTER_ISSUER} }\n`)
    .replace(/( {4}namePrefix: \S+[^\n]*\n)/, `$1${vaultLine()}`);
  text = text.replace(/requests: \{ cpu: "?(\d+)(m?)"?,/g, (_m, n: string, milli: string) => `requests: { cpu: ${String(Math.max(10, Math.round((milli === "m" ? Number(n) : Number(n) * 1000) / 10)))}m,`);
  if (opts.keyVaultSecrets !== true) text = text.replace(/ {4}secrets: +# pulled[^\n]*\n( {6}- \{[^\n]*\n)+/, "    secrets: []\n");
  const wanted = [postgresImage, `${NODE_NETWORK.apiServer.ip}/32`, storage, ingressLines(), `clusterIssuer: ${DEV_CLUSTER_ISSUER} `, vaultLine(), ...(opts.keyVaultSecrets === true ? [] : ["    secrets: []\n"])];
  const lost = wanted.filter((w) => !text.includes(w));
  if (lost.length > 0) throw new Error(`the platform template no longer has the lines this edits (${lost.join(", ")}): update src/devcluster/platform.ts`);
  return text;
}

/** Each tenant's storage account is a container of Azurite's one account (blobEndpoint's path style). */
function azuriteLines(a: Azurite): string {
  const host = new URL(a.endpoint).hostname;
  return [`    blobEndpoint: ${a.endpoint}/{account}`, `    backupConnectionStringSecret: ${DEV_BACKUP_SECRET}`, `    backupStorageCidrs: ["${host}/32"]`, ""].join("\n");
}

/** Tenants are reached through the cluster's Traefik; its pods are what the tenants' network policies admit. */
function ingressLines(): string {
  const labels = Object.entries(TRAEFIK_INGRESS.podLabels)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ");
  return `  ingress:\n    className: ${TRAEFIK_INGRESS.className}\n    namespace: ${TRAEFIK_INGRESS.namespace}\n    podLabels: { ${labels} }\n`;
}

/** Tenants' secrets come from the dev cluster's vault stand-in: Entra ID, and so Key Vault, cannot run here. */
function vaultLine(): string {
  return `    provider: { type: kubernetes, namespace: ${DEV_VAULTS_NAMESPACE} }\n`;
}
