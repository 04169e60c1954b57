import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { tenantNames } from "../../src/spec/names.js";
import { platform } from "../support/fixtures.js";

describe("derived names", () => {
  const { config } = platform();
  test("are valid for any valid tenant name, including the awkward ones", () => {
    const names = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/);
    fc.assert(
      fc.property(names, (name) => {
        const n = tenantNames(config, name);
        expect(n.namespace).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        expect(n.namespace.length).toBeLessThanOrEqual(63);
        expect(n.keyVault).toMatch(/^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/);
        expect(n.keyVault).not.toContain("--");
        expect(n.storageAccount).toMatch(/^[a-z0-9]{3,24}$/);
        expect(n.nodePool).toMatch(/^[a-z][a-z0-9]{0,11}$/);
        expect(n.dedicatedCluster.length).toBeLessThanOrEqual(63);
      }),
      { numRuns: 2000 },
    );
  });

  test("differ between tenants whose names truncate to the same prefix", () => {
    const a = tenantNames(config, `${"x".repeat(30)}-alpha`);
    const b = tenantNames(config, `${"x".repeat(30)}-bravo`);
    expect(a.keyVault).not.toBe(b.keyVault);
    expect(a.storageAccount).not.toBe(b.storageAccount);
    expect(a.nodePool).not.toBe(b.nodePool);
  });
});
