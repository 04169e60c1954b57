/** Wires the rollout runner to a store, a platform and a delivery (CLI, tests, bench alike). */
import type { Delivery } from "../delivery/delivery.js";
import type { PlatformContext } from "../spec/platform.js";
import type { Store } from "../store/index.js";
import { createEngine } from "../workflows/engine/index.js";
import type { GateProbe } from "./adapters/prometheus-gates.js";
import { targetDelivery } from "./adapters/target-delivery.js";
import type { RolloutEventLine, RunnerDeps } from "./runner.js";
import type { RolloutContext } from "./service.js";
import { rolloutWorkflow } from "./workflow.js";
import { rolloutNotices } from "../notices/rollout-notices.js";

export interface RolloutWiring {
  readonly store: Store;
  readonly platform: PlatformContext;
  readonly delivery: Delivery;
  readonly onEvent?: (e: RolloutEventLine) => void;
  /** Tests pass a short lease so a killed runner is taken over quickly. */
  readonly leaseTtlMs?: number;
  readonly owner?: string;
  readonly controlPollMs?: number;
  /** Instead of the Prometheus named by the rollout's settings. */
  readonly probe?: GateProbe;
  /** Deployment status poll interval. */
  readonly pollMs?: number;
}

export function rolloutContext(w: RolloutWiring): RolloutContext & { readonly deps: RunnerDeps } {
  const notices = rolloutNotices(w.store, w.platform.config.notices);
  const deps: RunnerDeps = {
    store: w.store,
    platform: w.platform,
    target: targetDelivery(w.delivery, w.pollMs),
    ...(w.probe ? { probe: w.probe } : {}),
    ...(w.onEvent ? { onEvent: w.onEvent } : {}),
    ...(w.controlPollMs !== undefined ? { controlPollMs: w.controlPollMs } : {}),
    ...(notices ? { notices } : {}),
  };
  const engine = createEngine({
    store: w.store,
    workflows: [rolloutWorkflow(deps)],
    ...(w.leaseTtlMs !== undefined ? { leaseTtlMs: w.leaseTtlMs } : {}),
    ...(w.owner !== undefined ? { owner: w.owner } : {}),
  });
  return { store: w.store, platform: w.platform, engine, deps };
}
