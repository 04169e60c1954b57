/**
 * A tenants row whose JSON was damaged outside Landlord (hand-written SQL, a bad restore)
 * is refused when it is read, with a StoreError naming the tenant, the column and a way
 * out, on both backends, instead of failing later wherever a field is used.
 */
import { sql } from "kysely";
import { describe, expect, test } from "vitest";
import { StoreError } from "../../src/errors.js";
import type { Store } from "../../src/store/store.js";
import { tenantDoc } from "../support/fixtures.js";
import { BACKENDS, unique, useBackend } from "./support/backends.js";

const NOW = new Date("2026-11-27T10:00:00.000Z");
const PLACED = { cluster: "aks-weu-1", region: "westeurope", dedicatedCluster: false, sharedCpuMillis: "500" };

async function storeError(p: Promise<unknown>): Promise<StoreError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StoreError) return err;
    throw err;
  }
  throw new Error("expected a StoreError");
}

async function placedTenant(store: Store): Promise<string> {
  const name = unique("doc");
  await store.tenants.reserve({ name, spec: tenantDoc(name), domains: [`${name}.example.com`], now: NOW });
  await store.tenants.setPlacement(name, PLACED, NOW);
  return name;
}

describe.each(BACKENDS)("stored documents on $name", (factory) => {
  const backend = useBackend(factory);

  test("an intact row reads back as a typed spec and placement", async () => {
    const store = await backend.open();
    const name = await placedTenant(store);
    const t = await store.tenants.require(name);
    expect(t.spec.metadata.name).toBe(name);
    expect(t.spec.spec.tier).toBe("small");
    expect(t.placement).toEqual(PLACED);
  });

  test.each([
    ["text that is not JSON", `{"apiVersion": "landlord.dev/v1alpha1", "kind": "Ten`, /is not JSON/],
    ["JSON that is not a document", "[1, 2]", /holds an array, not a tenant document/],
  ])("a spec holding %s is a StoreError naming tenant and column, from get, require and list", async (_what, text, problem) => {
    const store = await backend.open();
    const name = await placedTenant(store);
    await sql`update tenants set spec = ${text} where name = ${name}`.execute(store.db);
    // Each read starts only when awaited: a rejection must not wait unobserved meanwhile.
    for (const read of [() => store.tenants.get(name), () => store.tenants.require(name), () => store.tenants.list()]) {
      const err = await storeError(read());
      expect(err.message).toContain(`the stored spec of tenant '${name}'`);
      expect(err.message).toMatch(problem);
      expect(err.target).toBe(`tenants.spec of tenant '${name}'`);
      expect(err.fix).toMatch(/restore the row from a backup of the store/);
    }
    // The store is shared by this file's tests: a damaged row left here would fail their lists.
    await sql`delete from tenant_domains where tenant_name = ${name}`.execute(store.db);
    await sql`delete from tenants where name = ${name}`.execute(store.db);
  });

  test("a placement without a cluster is a StoreError saying how to write it back", async () => {
    const store = await backend.open();
    const name = await placedTenant(store);
    await sql`update tenants set placement = ${'{"region":"westeurope"}'} where name = ${name}`.execute(store.db);
    const err = await storeError(store.tenants.require(name));
    expect(err.message).toBe(`the stored placement of tenant '${name}' holds an object, not a placement (an object with a cluster name); it was changed outside Landlord`);
    expect(err.target).toBe(`tenants.placement of tenant '${name}'`);
    expect(err.fix).toContain("landlord.dev/cluster");
    // A tenant not yet placed (NULL) is no damage.
    await sql`update tenants set placement = null where name = ${name}`.execute(store.db);
    expect((await store.tenants.require(name)).placement).toBeNull();
  });
});
