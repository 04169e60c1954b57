/**
 * Free capacity for placement comes from per-cluster totals (issue 12: onboarding time
 * stays flat as the fleet grows), on both backends: only tenants whose phase holds
 * capacity count, one tenant can be left out (its own re-placement), and rows placed
 * before migration 0014 are backfilled from their JSON placement.
 */
import { sql } from "kysely";
import { describe, expect, test } from "vitest";
import type { TenantPhase } from "../../src/store/schema.js";
import { openStore } from "../../src/store/store.js";
import { BACKENDS, unique, useBackend } from "./support/backends.js";
import { olderStore } from "./support/older-store.js";


describe.each(BACKENDS)("placed capacity on $name", (factory) => {
  const backend = useBackend(factory);

  test("sums shared CPU per cluster over the phases that hold capacity, leaving one tenant out on request", async () => {
    const store = await backend.open();
    const now = new Date();
    const place = async (cluster: string, cpu: string, phase: TenantPhase): Promise<string> => {
      const name = unique("cap");
      await store.tenants.reserve({ name, spec: {}, domains: [], now });
      await store.tenants.setPlacement(name, { cluster, sharedCpuMillis: cpu }, now);
      await store.db.updateTable("tenants").set({ phase }).where("name", "=", name).execute();
      return name;
    };
    const a = await place("east", "2000", "Ready");
    await place("east", "500", "Provisioning");
    await place("east", "9000", "Offboarded");
    await place("west", "0", "Ready");
    await place("west", "12345678901", "Failed");
    expect(await store.tenants.placedCapacity()).toEqual([
      { cluster: "east", sharedCpuMillis: 2500n },
      { cluster: "west", sharedCpuMillis: 12345678901n },
    ]);
    expect(await store.tenants.placedCapacity(a)).toEqual([
      { cluster: "east", sharedCpuMillis: 500n },
      { cluster: "west", sharedCpuMillis: 12345678901n },
    ]);
    await store.tenants.setPlacement(a, null, now);
    expect((await store.tenants.placedCapacity()).find((c) => c.cluster === "east")).toEqual({ cluster: "east", sharedCpuMillis: 500n });
  });

  test("tenants placed before migration 0014 are backfilled from their JSON placement", async () => {
    // A store as an older Landlord left it: migrated up to 0010, with a placed tenant.
    const older = await olderStore(factory, backend, "0010_invoices");
    const { url, dispose } = older;
    try {
      const at = new Date().toISOString();
      await sql`insert into tenants (name, spec, generation, phase, placement, created_at, updated_at)
        values ('old', '{}', 1, 'Ready', ${JSON.stringify({ cluster: "east", sharedCpuMillis: "1500" })}, ${at}, ${at})`.execute(older.db);
      await older.seeded();

      // The first command after an upgrade may only read (`get tenants`): it migrates anyway.
      const store = await openStore({ url, baseDir: backend.baseDir, readOnly: true });
      expect(store.migrated).toContain("0014_tenant_placement_columns");
      expect(store.migrated).toContain("0021_cluster_capacity_totals");
      expect(await store.tenants.placedCapacity()).toEqual([{ cluster: "east", sharedCpuMillis: 1500n }]);
      await store.close();
    } finally {
      await dispose();
    }
  });
});
