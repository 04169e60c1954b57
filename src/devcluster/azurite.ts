/**
 * Azure Blob Storage for the real nodes: Azurite's blob service (the npm devDependency), run
 * as a host service of the cluster so it stops with it. It listens on the address pods
 * already reach the API server at (NODE_NETWORK.apiServer, on lo), as a storage account's
 * private endpoint sits outside the pod range. One account, named here, with a key made per
 * run: it is written to the cluster's folder (azurite.json, owner-only) and never logged.
 */
import { randomBytes } from "node:crypto";
import { ContainerClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { HostSetupError, NODE_NETWORK } from "./host-network.js";
import { freePort } from "./ports.js";
import { isAlive, spawnComponent, tail, type ClusterState } from "./processes.js";
import { sleep } from "../util/sleep.js";

/** An Azure storage account name: 3 to 24 lowercase letters and digits. */
export const AZURITE_ACCOUNT = "landlorddev";
const COMPONENT = "host/azurite";

export interface Azurite {
  /** The account's blob endpoint, emulator style: http://HOST:PORT/ACCOUNT. */
  readonly endpoint: string;
  readonly account: string;
  /** The account key (base64), a test-only value made for this run. */
  readonly key: string;
}

function statePath(dir: string): string {
  return join(dir, "azurite.json");
}

/** What startAzurite wrote for the cluster in DIR, for another process (a test file, a shell). */
export function readAzurite(dir: string): Azurite | undefined {
  try {
    return JSON.parse(readFileSync(statePath(dir), "utf8")) as Azurite;
  } catch {
    return undefined;
  }
}

/** The connection string Azure SDKs take (AZURE_STORAGE_CONNECTION_STRING for barman). */
export function azuriteConnectionString(a: Azurite): string {
  return `DefaultEndpointsProtocol=http;AccountName=${a.account};AccountKey=${a.key};BlobEndpoint=${a.endpoint};`;
}

/**
 * A container's URL in the emulator's form (http://HOST:PORT/ACCOUNT/CONTAINER), which barman
 * takes as a destinationPath; it then needs the connection string, not a credential.
 */
export function azuriteContainerUrl(a: Azurite, container: string): string {
  return `${a.endpoint}/${container}`;
}

function azuriteMain(): string {
  try {
    const pkg = createRequire(import.meta.url).resolve("azurite/package.json");
    return join(dirname(pkg), "dist", "src", "blob", "main.js");
  } catch (err) {
    throw new HostSetupError("azurite is not installed: it is a devDependency (npm ci without --omit=dev)", { cause: err });
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

/** Starts the blob service for the cluster in state.dir (its data in azurite/ there) and waits until it answers. */
export async function startAzurite(state: ClusterState, log: (line: string) => void = () => undefined): Promise<Azurite> {
  if (state.apiAddress === undefined) throw new HostSetupError("Azurite listens on the real nodes' API address: start the control plane with realNodes: true");
  const host = NODE_NETWORK.apiServer.ip;
  const port = await freePort();
  const data = join(state.dir, "azurite");
  mkdirSync(data, { recursive: true });
  const key = randomBytes(64).toString("base64");
  const azurite: Azurite = { endpoint: `http://${host}:${String(port)}/${AZURITE_ACCOUNT}`, account: AZURITE_ACCOUNT, key };
  const args = [
    azuriteMain(),
    "--blobHost",
    host,
    "--blobPort",
    String(port),
    "--location",
    data,
    // The account is the first path segment: the host is an address, not ACCOUNT.blob.HOST.
    "--disableProductStyleUrl",
    "--disableTelemetry",
  ];
  const record = spawnComponent(state, COMPONENT, args, process.execPath, { AZURITE_ACCOUNTS: `${AZURITE_ACCOUNT}:${key}` });
  const deadline = Date.now() + 30_000;
  while (!(await answers(`http://${host}:${String(port)}/`))) {
    if (!isAlive(record.pid) || Date.now() > deadline) throw new HostSetupError(`Azurite did not come up on ${host}:${String(port)}; last lines of ${record.log}:\n${tail(record.log, 30)}`);
    await sleep(200);
  }
  writeFileSync(statePath(state.dir), JSON.stringify(azurite), { mode: 0o600 });
  log(`Azurite (blob) at ${azurite.endpoint}; account ${AZURITE_ACCOUNT}, its key in ${statePath(state.dir)}`);
  return azurite;
}

/** Names of the blobs in CONTAINER under PREFIX ([] when the container does not exist yet). */
export async function listBlobs(a: Azurite, container: string, prefix = ""): Promise<string[]> {
  const client = new ContainerClient(azuriteContainerUrl(a, container), new StorageSharedKeyCredential(a.account, a.key));
  if (!(await client.exists())) return [];
  const names: string[] = [];
  for await (const blob of client.listBlobsFlat(prefix === "" ? {} : { prefix })) names.push(blob.name);
  return names;
}
