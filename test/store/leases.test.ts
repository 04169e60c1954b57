import { describe, expect, test } from "vitest";
import { ProgrammingError } from "../../src/errors.js";
import type { Store } from "../../src/store/store.js";
import { BACKENDS, unique, useBackend } from "./support/backends.js";

const T0 = new Date("2026-11-27T10:00:00.000Z");
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const TTL = 30_000;

async function newWorkflow(store: Store): Promise<string> {
  const w = await store.workflows.create({ kind: "onboard", tenantName: unique("t"), input: {}, steps: ["a", "b"], now: T0 });
  return w.id;
}

describe.each(BACKENDS)("leases on $name", (factory) => {
  const backend = useBackend(factory);

  test("acquire, re-acquire by the holder, refuse others, renew, release", async () => {
    const store = await backend.open();
    const id = await newWorkflow(store);
    expect(await store.workflows.acquireLease(id, "a", TTL, T0)).toBe(true);
    expect(await store.workflows.get(id)).toMatchObject({ leaseOwner: "a", leaseExpiresAt: at(TTL) });
    expect(await store.workflows.acquireLease(id, "b", TTL, at(TTL - 1))).toBe(false);
    expect(await store.workflows.acquireLease(id, "a", TTL, at(10))).toBe(true);
    expect(await store.workflows.renewLease(id, "b", TTL, at(20))).toBe(false);
    expect(await store.workflows.renewLease(id, "a", TTL, at(20))).toBe(true);
    expect((await store.workflows.require(id)).leaseExpiresAt).toEqual(at(20 + TTL));
    expect(await store.workflows.releaseLease(id, "b")).toBe(false);
    expect(await store.workflows.releaseLease(id, "a")).toBe(true);
    expect(await store.workflows.get(id)).toMatchObject({ leaseOwner: null, leaseExpiresAt: null });
    expect(await store.workflows.acquireLease(id, "b", TTL, at(30))).toBe(true);
    expect(await store.workflows.acquireLease(unique("missing"), "b", TTL, at(30))).toBe(false);
    await expect(store.workflows.acquireLease(id, "b", 0, at(30))).rejects.toBeInstanceOf(ProgrammingError);
  });

  test("an expired lease can be taken over; the old holder can then neither renew nor write", async () => {
    const store = await backend.open();
    const id = await newWorkflow(store);
    expect(await store.workflows.acquireLease(id, "old", TTL, T0)).toBe(true);
    expect(await store.workflows.markRunning(id, "old", T0)).toBe(1);
    expect(await store.workflows.listResumable(at(TTL - 1))).not.toContainEqual(expect.objectContaining({ id }));
    expect((await store.workflows.listResumable(at(TTL))).map((w) => w.id)).toContain(id);

    expect(await store.workflows.acquireLease(id, "new", TTL, at(TTL))).toBe(true);
    expect(await store.workflows.renewLease(id, "old", TTL, at(TTL + 1))).toBe(false);
    expect(await store.workflows.startStep(id, "old", "a", at(TTL + 1))).toBeUndefined();
    expect(await store.workflows.finishStep(id, "old", "a", { status: "Succeeded", output: 1, now: at(TTL + 1), durationMs: 1 })).toBe(false);
    expect(await store.workflows.finishWorkflow(id, "old", { status: "Failed", error: "stale", now: at(TTL + 1) })).toBe(false);
    expect(await store.workflows.markRunning(id, "old", at(TTL + 1))).toBeUndefined();
    expect(await store.workflows.require(id)).toMatchObject({ status: "Running", leaseOwner: "new", attempt: 1 });
    expect((await store.workflows.steps(id)).map((s) => [s.status, s.attempts])).toEqual([["Pending", 0], ["Pending", 0]]);

    // Renewing after expiry is fine while nobody else took over.
    expect(await store.workflows.renewLease(id, "new", TTL, at(10 * TTL))).toBe(true);
  });

  test("two owners racing on two connections: exactly one wins, every time", async () => {
    const [a, b] = [await backend.open(), await backend.open()];
    const ids = await Promise.all(Array.from({ length: 25 }, () => newWorkflow(a)));
    const rounds = await Promise.all(
      ids.map(async (id, i) => {
        // Alternate who goes first, and race again on expiry.
        const first = await Promise.all(
          i % 2 === 0
            ? [a.workflows.acquireLease(id, "A", TTL, T0), b.workflows.acquireLease(id, "B", TTL, T0)]
            : [b.workflows.acquireLease(id, "B", TTL, T0), a.workflows.acquireLease(id, "A", TTL, T0)],
        );
        const second = await Promise.all([
          a.workflows.acquireLease(id, "A2", TTL, at(TTL)),
          b.workflows.acquireLease(id, "B2", TTL, at(TTL)),
        ]);
        return [first, second];
      }),
    );
    for (const round of rounds.flat()) expect(round.filter(Boolean)).toHaveLength(1);
    for (const id of ids) expect(["A2", "B2"]).toContain((await a.workflows.require(id)).leaseOwner);
  });
});
