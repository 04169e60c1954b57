/**
 * Deleting a namespace Landlord made (offboarding, the source after a move, a restored copy):
 * its databases stopped first (database-stop.ts says why), then the namespace.
 */
import { RetryableError } from "../../errors.js";
import { sleep } from "../../util/sleep.js";
import type { Applier } from "./applier.js";
import { stopDatabases, type StopOptions } from "./database-stop.js";
import { KubeApiError } from "./errors.js";

type Live = NonNullable<Awaited<ReturnType<Applier["get"]>>>;

export interface NamespaceRemoval extends StopOptions {
  /**
   * Throws when the live namespace is not one this caller may delete (labels checked);
   * returns a reason to leave it as it is, or undefined to delete it.
   */
  readonly guard: (live: Live) => string | undefined;
  /** Wait until the namespace is gone (else return once its deletion is requested). */
  readonly wait: boolean;
}

/** Says what it did; a namespace already gone is nothing to do. */
export async function removeNamespace(applier: Applier, namespace: string, opts: NamespaceRemoval): Promise<{ existed: boolean; detail: string }> {
  const live = await applier.get("v1", "Namespace", undefined, namespace, opts.signal);
  if (!live) return { existed: false, detail: `namespace ${namespace} already gone` };
  const kept = opts.guard(live);
  if (kept !== undefined) return { existed: true, detail: kept };
  const stopped = await stopDatabases(applier.client, namespace, opts);
  if ((live.metadata as { deletionTimestamp?: string }).deletionTimestamp === undefined) {
    try {
      await applier.client.send({ method: "DELETE", path: `/api/v1/namespaces/${encodeURIComponent(namespace)}`, body: { propagationPolicy: "Foreground" }, ...(opts.signal ? { signal: opts.signal } : {}) });
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
    }
  }
  const databases = stopped.length > 0 ? ` (${stopped.join("; ")})` : "";
  if (!opts.wait) return { existed: true, detail: `deleting namespace ${namespace} and everything in it${databases}` };
  const deadline = Date.now() + opts.timeoutMs;
  while (await applier.get("v1", "Namespace", undefined, namespace, opts.signal)) {
    if (Date.now() > deadline) throw new RetryableError(`namespace ${namespace} still terminating after ${String(opts.timeoutMs / 1000)} s`);
    await sleep(1_000, opts.signal);
  }
  return { existed: true, detail: `namespace ${namespace} deleted${databases}` };
}
