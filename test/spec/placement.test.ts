import { describe, expect, test } from "vitest";
import { tenantNames } from "../../src/spec/names.js";
import { placeTenant } from "../../src/spec/placement.js";
import { tenantSchema } from "../../src/spec/tenant-schema.js";
import { platform, tenantDoc } from "../support/fixtures.js";

const { config } = platform();
const tenant = tenantSchema.parse(tenantDoc("acme"));
const names = tenantNames(config, "acme");
const full = new Map([["aks-weu-1", 0n]]);

describe("placement against free capacity", () => {
  test("a shared-pool tenant is refused when no cluster has room for its quota", () => {
    const r = placeTenant(config, tenant, "namespace", names, full, 3000n);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem.message).toMatch(/no shared cluster has room for the tenant's CPU quota/);
  });

  test("a node-pool tenant needs no shared room and is placed even on a full cluster", () => {
    const r = placeTenant(config, tenant, "nodepool", names, full, 0n);
    expect(r.ok && r.placement).toEqual({ cluster: "aks-weu-1", region: "westeurope", dedicatedCluster: false, nodePool: names.nodePool });
  });

  test("exactly enough room is enough", () => {
    expect(placeTenant(config, tenant, "namespace", names, new Map([["aks-weu-1", 3000n]]), 3000n).ok).toBe(true);
  });
});
