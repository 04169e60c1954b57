/**
 * Delivering one tenant's change and waiting until it runs. With Kubernetes delivery the
 * Deployment is read after our own write, and only status the controller wrote for that
 * generation counts (deployment-status.ts). Other deliveries cannot observe the cluster:
 * that is recorded, and the gates alone decide.
 */
import type { Delivery } from "../../delivery/delivery.js";
import type { Bundle } from "../../render/bundle.js";
import { APP } from "../../render/object.js";
import type { Wave } from "../../spec/waves.js";
import { sleep } from "../../util/sleep.js";
import { deploymentProgress } from "../deployment-status.js";

export interface Delivered {
  readonly changed: boolean;
  readonly detail: string;
}

export interface RolledOut {
  readonly readyAt: Date;
  readonly detail: string;
}

export interface TargetDelivery {
  deliver(bundle: Bundle, specYaml: string, wave: Wave, signal: AbortSignal): Promise<Delivered>;
  /** Resolves once the change runs; throws with the reason when it cannot (deadline, stalled). */
  waitRolledOut(bundle: Bundle, image: string, signal: AbortSignal): Promise<RolledOut>;
}

function deploymentOf(bundle: Bundle): { generationHint: number } {
  return { generationHint: bundle.objects.some((o) => o.kind === "Deployment" && o.metadata.name === APP) ? 1 : 0 };
}

export function targetDelivery(delivery: Delivery, pollMs = 250): TargetDelivery {
  const kube = delivery.cluster;
  // One Git repository has one index: commits of tenants changed in parallel go one at a time.
  let gitTurn: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    if (delivery.kind !== "gitops") return fn();
    const mine = gitTurn.then(fn, fn);
    gitTurn = mine.catch(() => undefined);
    return mine;
  };
  return {
    async deliver(bundle, specYaml, wave, signal) {
      if (kube) {
        const report = await kube.applyBundle(bundle, { signal });
        return { changed: report.writes > 0, detail: `${String(report.writes)} writes` };
      }
      const r = await serial(() => delivery.apply(bundle, specYaml, wave));
      return { changed: r.changed, detail: r.detail };
    },
    async waitRolledOut(bundle, image, signal) {
      if (!kube) {
        const r = await delivery.waitReady(bundle, signal);
        return { readyAt: new Date(), detail: r.skipped ?? "ready" };
      }
      if (deploymentOf(bundle).generationHint === 0) return { readyAt: new Date(), detail: "the bundle has no app Deployment" };
      const applier = kube.applierFor(bundle.placement.cluster);
      const read = () => applier.get("apps/v1", "Deployment", bundle.namespace, APP, signal);
      // Read after our own write: its generation is the one the controller must observe.
      const first = await read();
      const written = (first?.metadata as { generation?: number } | undefined)?.generation ?? 0;
      const started = Date.now();
      let live: unknown = first;
      for (;;) {
        const p = deploymentProgress(live, written, image);
        if (p.state === "done") return { readyAt: new Date(), detail: `generation ${String(written)} rolled out in ${String(Date.now() - started)} ms` };
        if (p.state === "failed") throw new Error(p.reason);
        try {
          await sleep(pollMs, signal);
          live = await read();
        } catch (err) {
          throw new Error(`Deployment ${bundle.namespace}/${APP} not rolled out: ${p.reason}`, { cause: err });
        }
      }
    },
  };
}
