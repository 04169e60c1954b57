/** A stored tenant spec rendered at its recorded placement, as the rollout delivers it. */
import { InputError } from "../errors.js";
import { bundleFor } from "../io/package/render-package.js";
import type { Bundle } from "../render/bundle.js";
import { domainChallengesRepo } from "../store/domain-challenges-repo.js";
import type { Store } from "../store/index.js";
import { toYaml } from "../render/serialize.js";
import type { Placement } from "../spec/placement.js";
import type { PlatformContext } from "../spec/platform.js";
import { resolveTenant } from "../spec/resolve.js";
import { waveOf, type Wave } from "../spec/waves.js";

export interface RenderedTenant {
  readonly bundle: Bundle;
  readonly specYaml: string;
  readonly wave: Wave;
  /** The app image the Deployment must run, repository:tag. */
  readonly image: string;
}

export function isPlacement(v: unknown): v is Placement {
  return typeof v === "object" && v !== null && typeof (v as { cluster?: unknown }).cluster === "string";
}

/**
 * Renders as the tenant workflows do: the app package when landlord.yaml names one, and the
 * custom domains the tenant has proven (a rollout must not drop a verified domain).
 */
export async function renderTenant(platform: PlatformContext, store: Store, name: string, spec: unknown, placement: unknown): Promise<RenderedTenant> {
  const verifiedDomains = await domainChallengesRepo(store.db).verified(name);
  const r = resolveTenant(platform, { file: `tenant ${name}`, index: 0, value: spec }, { ...(isPlacement(placement) ? { placement } : {}), verifiedDomains });
  if (!r.ok) throw new InputError(r.problems);
  const t = r.value;
  return {
    bundle: await bundleFor(platform, t),
    specYaml: toYaml(t.tenant),
    wave: waveOf(t.tenant.metadata.name, t.tenant.metadata.labels),
    image: `${t.effective.app.image}:${t.version}`,
  };
}
