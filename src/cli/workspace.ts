/** Loads landlord.yaml and tenant files named on the command line. */
import { dirname, isAbsolute, join, resolve } from "node:path";
import { InputError } from "../errors.js";
import { loadFleet, loadPlatform } from "../spec/fleet.js";
import type { PlatformContext } from "../spec/platform.js";
import { expandPaths, readCapped } from "../io/read-files.js";
import type { ResolvedTenant } from "../spec/resolve.js";
import type { CliIo } from "./io.js";

export interface GlobalOptions {
  readonly config: string;
  /** kubeconfig file (default: $KUBECONFIG, then ~/.kube/config), for delivery.mode kubernetes. */
  readonly kubeconfig?: string;
  /** One kubeconfig context for every cluster, instead of delivery.kubernetes.contexts. */
  readonly context?: string;
}

export interface Workspace {
  readonly platform: PlatformContext;
  readonly tenants: readonly ResolvedTenant[];
}

function abs(io: CliIo, path: string): string {
  return isAbsolute(path) ? path : resolve(io.cwd, path);
}

export async function loadPlatformFile(io: CliIo, options: GlobalOptions): Promise<PlatformContext> {
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

/** Tenant files: the -f paths, else tenants/ next to landlord.yaml. */
export async function loadWorkspace(io: CliIo, options: GlobalOptions, files: readonly string[] | undefined): Promise<Workspace> {
  const platform = await loadPlatformFile(io, options);
  const paths = files && files.length > 0 ? files.map((f) => abs(io, f)) : [join(dirname(abs(io, options.config)), "tenants")];
  const expanded = await expandPaths(paths);
  const raws = await Promise.all(expanded.map(readCapped));
  const rel = raws.map((r) => ({ ...r, file: r.file.startsWith(`${io.cwd}/`) ? r.file.slice(io.cwd.length + 1) : r.file }));
  return { platform, tenants: loadFleet(platform, rel) };
}
