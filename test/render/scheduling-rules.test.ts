/**
 * Which tolerations and node selectors a tenant's pod may carry: allow-lists, so every
 * toleration or selector key outside them is refused, not only the ones someone thought of.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeSelectorAllowed, POOL_LABEL, tolerationAllowed } from "../../src/render/kubernetes/scheduling.js";

const tenant = "acme";

describe("tenant pod scheduling allow-lists", () => {
  it("allow the tenant's own pool and the bounded eviction tolerations", () => {
    expect(tolerationAllowed({ key: POOL_LABEL, operator: "Equal", value: tenant, effect: "NoSchedule" }, tenant)).toBe(true);
    expect(tolerationAllowed({ key: POOL_LABEL, value: tenant }, tenant)).toBe(true);
    expect(tolerationAllowed({ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }, tenant)).toBe(true);
    expect(tolerationAllowed({ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 }, tenant)).toBe(true);
    expect(nodeSelectorAllowed(POOL_LABEL, tenant, tenant)).toBe(true);
    expect(nodeSelectorAllowed("kubernetes.io/os", "linux", tenant)).toBe(true);
  });

  it("refuse the variants a hostile tenant tried", () => {
    const refused = [
      { key: "CriticalAddonsOnly", operator: "Exists" },
      { operator: "Exists" },
      { key: POOL_LABEL, operator: "Exists" },
      { key: POOL_LABEL, value: "other", effect: "NoSchedule" },
      { key: POOL_LABEL, value: tenant, effect: "NoExecute" },
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
      { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 301 },
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 10 },
      { key: "kubernetes.azure.com/scalesetpriority", value: "spot", effect: "NoSchedule" },
    ];
    for (const t of refused) expect(tolerationAllowed(t, tenant), JSON.stringify(t)).toBe(false);
    for (const [k, v] of [
      ["kubernetes.io/hostname", "aks-system-0"],
      ["kubernetes.azure.com/agentpool", "system"],
      ["kubernetes.azure.com/mode", "system"],
      [POOL_LABEL, "other"],
      ["node-role.kubernetes.io/control-plane", ""],
    ] as const) {
      expect(nodeSelectorAllowed(k, v, tenant), k).toBe(false);
    }
  });

  it("refuse every toleration and selector key outside the lists (property)", () => {
    let checked = 0;
    const key = fc.string({ minLength: 1, maxLength: 40 }).filter((k) => k !== POOL_LABEL && !k.startsWith("node.kubernetes.io/") && !k.startsWith("kubernetes.io/"));
    fc.assert(
      fc.property(key, fc.constantFrom("Exists", "Equal", undefined), fc.constantFrom("NoSchedule", "NoExecute", "PreferNoSchedule", undefined), fc.option(fc.nat(400), { nil: undefined }), (k, operator, effect, seconds) => {
        checked++;
        expect(tolerationAllowed({ key: k, operator, effect, value: tenant, tolerationSeconds: seconds }, tenant)).toBe(false);
        expect(nodeSelectorAllowed(k, tenant, tenant)).toBe(false);
      }),
      { numRuns: 300 },
    );
    expect(checked).toBe(300);
  });
});
