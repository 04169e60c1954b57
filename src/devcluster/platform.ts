/**
 * The init template pointed at a cluster with real nodes, as the README tells a newcomer to
 * edit landlord.yaml: the PostgreSQL image the nodes serve, the API server's address for the
 * database pods' egress, backups to Azurite when it runs (its endpoint, its address in the
 * egress, the connection string Secret the dev stand-in puts in each tenant namespace),
 * (until External Secrets runs here) no Key Vault secrets, and CPU
 * requests a tenth of production's: every real node has this machine's two cores, where a
 * medium tenant's pool node on AKS has eight. Limits stay as they are.
 */
import { NODE_NETWORK } from "./host-network.js";
import type { Azurite } from "./azurite.js";
import { DEV_BACKUP_SECRET } from "./backup-credentials.js";

export function realNodesPlatformText(template: string, postgresImage: string, opts: { keyVaultSecrets?: boolean; azurite?: Azurite } = {}): string {
  const storage = opts.azurite === undefined ? "" : azuriteLines(opts.azurite);
  let text = template
    .replace(/imageName: ghcr\.io\/cloudnative-pg\/postgresql:\S+/, `imageName: ${postgresImage}`)
    .replace("    region: westeurope\n", `    region: westeurope\n    apiServerCidrs: ["${NODE_NETWORK.apiServer.ip}/32"]\n`)
    .replace("    storageAccountPrefix: llbk\n", `    storageAccountPrefix: llbk\n${storage}`);
  text = text.replace(/requests: \{ cpu: "?(\d+)(m?)"?,/g, (_m, n: string, milli: string) => `requests: { cpu: ${String(Math.max(10, Math.round((milli === "m" ? Number(n) : Number(n) * 1000) / 10)))}m,`);
  if (opts.keyVaultSecrets !== true) text = text.replace(/ {4}secrets: +# pulled[^\n]*\n( {6}- \{[^\n]*\n)+/, "    secrets: []\n");
  const wanted = [postgresImage, `${NODE_NETWORK.apiServer.ip}/32`, storage, ...(opts.keyVaultSecrets === true ? [] : ["    secrets: []\n"])];
  const lost = wanted.filter((w) => !text.includes(w));
  if (lost.length > 0) throw new Error(`the platform template no longer has the lines this edits (${lost.join(", ")}): update src/devcluster/platform.ts`);
  return text;
}

/** Each tenant's storage account is a container of Azurite's one account (blobEndpoint's path style). */
function azuriteLines(a: Azurite): string {
  const host = new URL(a.endpoint).hostname;
  return [`    blobEndpoint: ${a.endpoint}/{account}`, `    backupConnectionStringSecret: ${DEV_BACKUP_SECRET}`, `    backupStorageCidrs: ["${host}/32"]`, ""].join("\n");
}
