/**
 * The per-cluster running totals (src/store/capacity-totals.ts) must always equal the sum
 * over the tenants they stand for, whatever writes the tenants get: checked after random
 * sequences of reservations, placements, phase changes (through the repo and by hand in
 * SQL), releases and deletions, on both backends. On PostgreSQL, tenants of one cluster
 * changing phase concurrently must neither deadlock nor lose an update.
 */
import fc from "fast-check";
import type { Kysely } from "kysely";
import { describe, expect, test } from "vitest";
import { placedCapacity, RELEASING_PHASES } from "../../src/store/capacity-totals.js";
import { TENANT_PHASES, type Database, type TenantPhase } from "../../src/store/schema.js";
import { BACKENDS, unique, useBackend } from "./support/backends.js";

/** The sum the totals replace, computed the slow way. */
async function scanned(db: Kysely<Database>, except?: string): Promise<{ cluster: string; sharedCpuMillis: bigint }[]> {
  let q = db
    .selectFrom("tenants")
    .select((eb) => ["placement_cluster", eb.fn.sum<number | string | null>("shared_cpu_millis").as("cpu")])
    .where("phase", "not in", [...RELEASING_PHASES])
    .where("placement_cluster", "is not", null)
    .groupBy("placement_cluster")
    .orderBy("placement_cluster");
  if (except !== undefined) q = q.where("name", "<>", except);
  return (await q.execute()).map((r) => ({ cluster: r.placement_cluster ?? "", sharedCpuMillis: BigInt(String(r.cpu ?? 0)) }));
}

type Op =
  | { kind: "reserve" }
  | { kind: "place"; who: number; cluster: string | null; cpu: number }
  | { kind: "phase"; who: number; phase: TenantPhase; raw: boolean }
  | { kind: "delete"; who: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: "reserve" }),
  fc.record({ kind: fc.constant("place" as const), who: fc.nat(9), cluster: fc.constantFrom("east", "west", null), cpu: fc.constantFrom(0, 250, 2000, 12_345_678_901) }),
  fc.record({ kind: fc.constant("phase" as const), who: fc.nat(9), phase: fc.constantFrom(...TENANT_PHASES), raw: fc.boolean() }),
  fc.record({ kind: fc.constant("delete" as const), who: fc.nat(9) }),
);

describe.each(BACKENDS)("capacity totals on $name", (factory) => {
  const backend = useBackend(factory);

  test("equal the sum over the tenants after any sequence of writes", async () => {
    const store = await backend.open();
    const now = new Date();
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const names: string[] = [];
        for (const o of ops) {
          const who = o.kind === "reserve" ? undefined : names[o.who % Math.max(names.length, 1)];
          if (o.kind === "reserve") {
            const name = unique("tot");
            await store.tenants.reserve({ name, spec: {}, domains: [], now });
            names.push(name);
          } else if (who === undefined) {
            continue;
          } else if (o.kind === "place") {
            await store.tenants.setPlacement(who, o.cluster === null ? null : { cluster: o.cluster, sharedCpuMillis: String(o.cpu) }, now);
          } else if (o.kind === "phase" && o.raw) {
            await store.db.updateTable("tenants").set({ phase: o.phase }).where("name", "=", who).execute();
          } else if (o.kind === "phase") {
            await store.tenants.setPhase(who, o.phase, now);
          } else {
            await store.db.deleteFrom("tenant_domains").where("tenant_name", "=", who).execute();
            await store.db.deleteFrom("tenants").where("name", "=", who).execute();
            names.splice(names.indexOf(who), 1);
          }
        }
        expect(await placedCapacity(store.db)).toEqual(await scanned(store.db));
        const someone = names[0];
        if (someone !== undefined) expect(await placedCapacity(store.db, someone)).toEqual(await scanned(store.db, someone));
        // Leave the next run an empty fleet, through the triggers as well.
        for (const n of names) {
          await store.db.deleteFrom("tenant_domains").where("tenant_name", "=", n).execute();
          await store.db.deleteFrom("tenants").where("name", "=", n).execute();
        }
        expect(await placedCapacity(store.db)).toEqual([]);
      }),
      { numRuns: factory.name === "sqlite" ? 60 : 25 },
    );
  });

  test("phase changes and moves of tenants on the same clusters, at once, neither deadlock nor lose a write", async () => {
    const store = await backend.open();
    const now = new Date();
    const names = Array.from({ length: 12 }, () => unique("busy"));
    for (const [i, name] of names.entries()) {
      await store.tenants.reserve({ name, spec: {}, domains: [], now });
      await store.tenants.setPlacement(name, { cluster: i % 2 === 0 ? "east" : "west", sharedCpuMillis: "100" }, now);
    }
    // As the code does it: workflows change phases in their own short transactions (some
    // of them release capacity), while submissions move tenants under the placement lock.
    await Promise.all(
      names.map((name, i) =>
        i % 2 === 0
          ? store.tenants.setPhase(name, i % 4 === 0 ? "Updating" : "Offboarding", now)
          : store.transaction(async (tx) => {
              await tx.tenants.lockPlacement();
              await tx.tenants.setPlacement(name, { cluster: i % 4 === 1 ? "west" : "east", sharedCpuMillis: "300" }, now);
            }),
      ),
    );
    expect(await placedCapacity(store.db)).toEqual(await scanned(store.db));
    const total = (await placedCapacity(store.db)).reduce((s, c) => s + c.sharedCpuMillis, 0n);
    // Six moved at 300 each, three still at 100, three released.
    expect(total).toBe(2100n);
  });
});
