/** A stored tenant spec rendered at its recorded placement, as the rollout delivers it. */
import type { Bundle } from "../render/bundle.js";
import type { Store, TenantRecord } from "../store/index.js";
import type { Placement } from "../spec/placement.js";
import type { PlatformContext } from "../spec/platform.js";
import type { Wave } from "../spec/waves.js";
import { renderStoredTenant } from "../workflows/tenant/stored.js";

export interface RenderedTenant {
  readonly bundle: Bundle;
  readonly specYaml: string;
  readonly wave: Wave;
  /** The app image the Deployment must run, repository:tag. */
  readonly image: string;
  /** The app version it runs (its pin, else the effective default). */
  readonly version: string;
}

export function isPlacement(v: unknown): v is Placement {
  return typeof v === "object" && v !== null && typeof (v as { cluster?: unknown }).cluster === "string";
}

/**
 * Renders as the tenant workflows do (workflows/tenant/stored.ts): the app package when
 * landlord.yaml names one, the custom domains the tenant has proven (a rollout must not drop
 * a verified domain), its incarnation's cloud names and its cloud outputs.
 */
export async function renderTenant(platform: PlatformContext, store: Store, record: TenantRecord, spec: unknown): Promise<RenderedTenant> {
  const r = await renderStoredTenant(platform, store, record, spec);
  return { bundle: r.bundle, specYaml: r.specYaml, wave: r.wave, image: `${r.tenant.effective.app.image}:${r.tenant.version}`, version: r.tenant.version };
}
