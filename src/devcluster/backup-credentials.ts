/**
 * The dev cluster's stand-in for the storage account's credentials: on AKS the database pods
 * sign in with their workload identity, which needs Entra ID; here the backups go to Azurite,
 * which takes a connection string. Every tenant namespace gets the Secret
 * landlord.yaml names (integrations.azure.backupConnectionStringSecret) as it appears, as a
 * platform team's secret store would put it there. The value never leaves the cluster's
 * folder and the Secret; the log says which namespaces got it.
 */
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { CONNECTION_STRING_KEY } from "../render/kubernetes/database.js";
import { LABEL } from "../render/object.js";
import { sleep } from "../util/sleep.js";
import { azuriteConnectionString, readAzurite } from "./azurite.js";
import { readState } from "./processes.js";

/** The Secret name the dev cluster's landlord.yaml sets (integrations.azure.backupConnectionStringSecret). */
export const DEV_BACKUP_SECRET = "backup-storage";

/** Creates the Secret in each tenant namespace that lacks it; returns the namespaces it wrote. */
export async function ensureBackupCredentials(core: CoreV1Api, secret: string, connectionString: string): Promise<string[]> {
  const namespaces = await core.listNamespace({ labelSelector: LABEL.tenant });
  const wrote: string[] = [];
  for (const ns of namespaces.items) {
    const namespace = ns.metadata?.name;
    if (namespace === undefined || ns.status?.phase !== "Active") continue;
    const exists = await core.readNamespacedSecret({ namespace, name: secret }).then(
      () => true,
      (err: unknown) => {
        if ((err as { code?: number }).code === 404) return false;
        throw err;
      },
    );
    if (exists) continue;
    await core
      .createNamespacedSecret({
        namespace,
        body: { metadata: { name: secret, labels: { [LABEL.managedBy]: "landlord-devcluster" } }, type: "Opaque", stringData: { [CONNECTION_STRING_KEY]: connectionString } },
      })
      .catch((err: unknown) => {
        if ((err as { code?: number }).code !== 409) throw err;
      });
    wrote.push(namespace);
  }
  return wrote;
}

export async function runBackupCredentials(dir: string, signal?: AbortSignal, log: (line: string) => void = (l) => process.stdout.write(`${new Date().toISOString()} ${l}\n`)): Promise<void> {
  const azurite = readAzurite(dir);
  if (azurite === undefined) throw new Error(`no Azurite recorded in ${dir}: the cluster was started without it`);
  const kc = new KubeConfig();
  kc.loadFromFile(readState(dir).kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const value = azuriteConnectionString(azurite);
  log(`putting Secret ${DEV_BACKUP_SECRET} (Azurite's connection string) into each tenant namespace as it appears (no workload identity here)`);
  while (signal?.aborted !== true) {
    try {
      for (const ns of await ensureBackupCredentials(core, DEV_BACKUP_SECRET, value)) log(`${ns}: Secret ${DEV_BACKUP_SECRET} created`);
    } catch (err) {
      log(`backup credentials stand-in: ${err instanceof Error ? err.message : String(err)} (trying again)`);
    }
    await sleep(1_000, signal).catch(() => undefined);
  }
}
