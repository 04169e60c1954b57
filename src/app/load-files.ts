/** Loads landlord.yaml and tenant files named on the command line. */
import { dirname, isAbsolute, join, resolve } from "node:path";
import { InputError } from "../errors.js";
import { loadFleet, loadPlatform } from "../spec/fleet.js";
import type { PlatformContext } from "../spec/platform.js";
import { expandPaths, readCapped, readInOrder } from "../io/read-files.js";
import type { RawFile } from "../spec/documents.js";
import type { ResolvedTenant } from "../spec/resolve.js";
import type { Host } from "./host.js";

export interface GlobalOptions {
  readonly config: string;
  /** kubeconfig file (default: $KUBECONFIG, then ~/.kube/config), for delivery.mode kubernetes. */
  readonly kubeconfig?: string;
  /** One kubeconfig context for every cluster, instead of delivery.kubernetes.contexts. */
  readonly context?: string;
  /** Start an empty SQLite store even though tenants were delivered from this folder (the store was lost). */
  readonly newStore?: boolean;
}

export interface Workspace {
  readonly platform: PlatformContext;
  readonly tenants: readonly ResolvedTenant[];
}

function abs(io: Host, path: string): string {
  return isAbsolute(path) ? path : resolve(io.cwd, path);
}

export async function loadPlatformFile(io: Host, options: GlobalOptions): Promise<PlatformContext> {
  const file = abs(io, options.config);
  try {
    return loadPlatform(await readCapped(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new InputError([{ file: options.config, path: "", message: "platform config not found", fix: "run `landlord init`, or pass --config PATH" }]);
    }
    throw err;
  }
}

/**
 * Tenant files: the -f paths, else tenants/ next to landlord.yaml; read a bounded number
 * at a time, in path order, named relative to the working directory.
 */
export async function* readTenantFiles(io: Host, options: GlobalOptions, files: readonly string[] | undefined): AsyncGenerator<RawFile, void, undefined> {
  const paths = files && files.length > 0 ? files.map((f) => abs(io, f)) : [join(dirname(abs(io, options.config)), "tenants")];
  const prefix = `${io.cwd}/`;
  for await (const r of readInOrder(await expandPaths(paths))) yield r.file.startsWith(prefix) ? { ...r, file: r.file.slice(prefix.length) } : r;
}

export async function loadWorkspace(io: Host, options: GlobalOptions, files: readonly string[] | undefined): Promise<Workspace> {
  const platform = await loadPlatformFile(io, options);
  const raws: RawFile[] = [];
  for await (const r of readTenantFiles(io, options, files)) raws.push(r);
  return { platform, tenants: loadFleet(platform, raws) };
}
