/** Where a stored tenant lives: its cluster (from the recorded placement) and namespace. */
import type { PlatformContext } from "../../spec/platform.js";
import type { Store } from "../../store/index.js";
import { isPlacementRecord } from "./services.js";

export function tenantLocator(store: Store, platform: PlatformContext) {
  return async (tenant: string): Promise<{ cluster: string; namespace: string }> => {
    const record = await store.tenants.require(tenant);
    if (!isPlacementRecord(record.placement)) throw new Error(`tenant ${tenant} has no recorded placement; onboard it first`);
    return { cluster: record.placement.cluster, namespace: `${platform.config.platform.namespacePrefix}${tenant}` };
  };
}
