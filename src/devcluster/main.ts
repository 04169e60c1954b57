#!/usr/bin/env node
/**
 * `npm run cluster:up` / `npm run cluster:down`: a local cluster for trials, with the
 * platform's CRDs, a real node for the shared pool (pods run, packets are filtered, images
 * come from a local registry), CloudNativePG with the Barman Cloud plugin, Azurite for its
 * backups, Traefik, cert-manager and Pebble for tenant certificates, External Secrets reading
 * tenants' secrets from a local vault stand-in, and a stand-in for the cloud that adds a real node when a medium tenant's pool
 * is asked for. LANDLORD_DEVCLUSTER_FAKE_NODES=N adds N simulated
 * shared-pool nodes (KWOK) for fleet-scale trials. Prints the kubeconfig path.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { startControlPlane, stopControlPlane } from "./control-plane.js";
import { addNodes, adminConfig } from "./seed.js";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runPoolScaler } from "./pool-scaler.js";
import { spawnComponent, type Component } from "./processes.js";
import { DEV_BACKUP_SECRET, runBackupCredentials } from "./backup-credentials.js";
import { startDevStack } from "./stack.js";
import { TRAEFIK_INGRESS } from "./traefik.js";
import { DEV_CLUSTER_ISSUER } from "./pebble.js";
import { DEV_VAULTS_NAMESPACE } from "./local-vault.js";

export function defaultCrdsDir(cwd: string): string {
  return process.env.LANDLORD_CRDS_DIR ?? resolve(cwd, "..", "shared", "crds");
}

async function up(dir: string): Promise<void> {
  const log = (l: string): void => {
    process.stderr.write(`${l}\n`);
  };
  const crds = defaultCrdsDir(process.cwd());
  if (!existsSync(crds)) throw new Error(`no CRDs at ${crds}: put the shared folder beside the repository or set LANDLORD_CRDS_DIR, then run npm run cluster:up again`);
  const state = await startControlPlane({ dir, log, realNodes: true });
  const kc = adminConfig(state.kubeconfig);
  const { postgresImage, azurite, ingress, pebble } = await startDevStack(state, crds, log);
  log(`databases: set database.imageName: ${postgresImage} in landlord.yaml (the PostgreSQL this machine has)`);
  spawnComponent(state, "host/backup-credentials", [fileURLToPath(import.meta.url), "backup-credentials", dir], process.execPath);
  log(
    `backups: Azurite stands in for each tenant's storage account; set in landlord.yaml under integrations.azure:\n` +
      `    blobEndpoint: ${azurite.endpoint}/{account}\n    backupConnectionStringSecret: ${DEV_BACKUP_SECRET}\n    backupStorageCidrs: ["${new URL(azurite.endpoint).hostname}/32"]\n` +
      `  (a stand-in puts Secret ${DEV_BACKUP_SECRET} with its connection string into each tenant namespace; log: ${join(dir, "host_backup-credentials.log")})`,
  );
  log(
    `certificates: set in landlord.yaml under integrations:\n` +
      `    ingress: { className: ${TRAEFIK_INGRESS.className}, namespace: ${TRAEFIK_INGRESS.namespace}, podLabels: { app.kubernetes.io/name: traefik } }\n` +
      `    certManager: { clusterIssuer: ${DEV_CLUSTER_ISSUER} }\n` +
      `  (tenant hostnames resolve to ${ingress.ip} only in Pebble's DNS server ${pebble.dnsServer}; reach a tenant with curl --resolve HOST:443:${ingress.ip} --cacert <(curl -sk ${pebble.management}/roots/0))`,
  );
  log(
    `secrets: set in landlord.yaml under integrations.keyVault:\n` +
      `    provider: { type: kubernetes, namespace: ${DEV_VAULTS_NAMESPACE} }\n` +
      `  (each tenant's vault is the Secret named like it there: fill it and grant the tenant's app ServiceAccount with putVault of src/devcluster/local-vault.ts)`,
  );
  const fake = Number(process.env.LANDLORD_DEVCLUSTER_FAKE_NODES ?? "0");
  if (Number.isInteger(fake) && fake > 0) log(`simulated nodes Ready: ${(await addNodes(kc, { pool: "shared", count: fake })).join(", ")}`);
  const scaler: Component = "host/pool-scaler";
  spawnComponent(state, scaler, [fileURLToPath(import.meta.url), "pool-scaler", dir], process.execPath);
  log(`no Terraform here: a real node stands in for each medium tenant's node pool when its pods ask for it (log: ${join(dir, "host_pool-scaler.log")})`);
  log("stop it with: npm run cluster:down");
  process.stdout.write(`${state.kubeconfig}\n`);
}

async function main(): Promise<void> {
  const [verb] = process.argv.slice(2);
  const dir = resolve(process.env.LANDLORD_DEVCLUSTER_DIR ?? ".landlord/devcluster");
  if (verb === "up") await up(dir);
  else if (verb === "pool-scaler") await runPoolScaler(resolve(process.argv[3] ?? dir));
  else if (verb === "backup-credentials") await runBackupCredentials(resolve(process.argv[3] ?? dir));
  else if (verb === "down") {
    await stopControlPlane(dir, false);
    process.stdout.write(`${resolve(dir, "kubeconfig")} (stopped; logs kept in ${dir})\n`);
  } else {
    process.stderr.write("usage: devcluster up|down   (LANDLORD_DEVCLUSTER_DIR sets the folder, default .landlord/devcluster)\n");
    process.exitCode = 2;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`devcluster: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
