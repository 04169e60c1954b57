/**
 * A Delivery that passes everything to a real one and lets a test count the calls and
 * step in around them: hold an apply until the test says go, kill the process half-way,
 * look at what a call left behind before the next step removes it.
 */
import type { ApplyResult, Delivery, ReadyResult } from "../../../../src/delivery/delivery.js";
import type { Bundle } from "../../../../src/render/bundle.js";
import type { KubeObject } from "../../../../src/render/object.js";

/** The wave argument of Delivery.apply, whichever module defines it. */
type Wave = Parameters<Delivery["apply"]>[2];

export interface DeliveryHooks {
  /** Runs before the real apply; may never return (a SIGKILL) or wait on the test. */
  beforeApply?(bundle: Bundle, tenantSpecYaml: string): Promise<void>;
  afterApplyExtra?(tenant: string, reason: string, result: ApplyResult): Promise<void>;
}

export class HookedDelivery implements Delivery {
  readonly calls = { apply: 0, applyExtra: 0, remove: 0, waitReady: 0 };

  constructor(
    private readonly inner: Delivery,
    private readonly hooks: DeliveryHooks = {},
  ) {}

  get kind(): Delivery["kind"] {
    return this.inner.kind;
  }

  get usesCluster(): boolean {
    return this.inner.usesCluster;
  }

  async apply(bundle: Bundle, tenantSpecYaml: string, wave: Wave): Promise<ApplyResult> {
    this.calls.apply++;
    await this.hooks.beforeApply?.(bundle, tenantSpecYaml);
    return this.inner.apply(bundle, tenantSpecYaml, wave);
  }

  async applyExtra(tenant: string, objects: readonly KubeObject[], reason: string): Promise<ApplyResult> {
    this.calls.applyExtra++;
    const result = await this.inner.applyExtra(tenant, objects, reason);
    await this.hooks.afterApplyExtra?.(tenant, reason, result);
    return result;
  }

  remove(tenant: string): Promise<ApplyResult> {
    this.calls.remove++;
    return this.inner.remove(tenant);
  }

  delivered(tenant: string): Promise<Map<string, string> | undefined> {
    return this.inner.delivered ? this.inner.delivered(tenant) : Promise.resolve(undefined);
  }

  waitReady(bundle: Bundle, signal: AbortSignal): Promise<ReadyResult> {
    this.calls.waitReady++;
    return this.inner.waitReady(bundle, signal);
  }
}

/** A promise the test resolves from outside. */
export function gate(): { readonly promise: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
