import { describe, expect, test } from "vitest";
import { exited, lines, spawnScript } from "./support/child-process.js";
import type { Child } from "./support/child-process.js";
import { BACKENDS, unique, useBackend } from "./support/backends.js";

interface Outcome {
  leases: string[];
  reserved: string[];
  conflicts: string[];
}

describe.each(BACKENDS)("two processes racing on $name", (factory) => {
  const backend = useBackend(factory);

  test("each lease and each name has exactly one winner; losers get ConflictError and leave no rows", async () => {
    const store = await backend.open();
    const t0 = new Date("2026-11-27T10:00:00.000Z");
    const ids = await Promise.all(
      Array.from({ length: 30 }, async () => (await store.workflows.create({ kind: "onboard", tenantName: "x", input: {}, steps: ["a"], now: t0 })).id),
    );
    const run = unique("xp");
    const side = (who: "A" | "B"): { name: string; domain: string }[] => [
      ...Array.from({ length: 10 }, (_, i) => ({ name: `${run}-dup-${i}`, domain: `dup-${i}-${who.toLowerCase()}.${run}.example.com` })),
      ...Array.from({ length: 10 }, (_, i) => ({ name: `${run}-${who}-${i}`, domain: `solo-${i}-${who.toLowerCase()}.${run}.example.com` })),
    ];
    const children: Child[] = (["A", "B"] as const).map((who) =>
      spawnScript("test/store/support/race-child.ts", {
        url: backend.url,
        baseDir: backend.baseDir,
        owner: who,
        // Opposite orders, so each side is ahead somewhere.
        leaseIds: who === "A" ? ids : [...ids].reverse(),
        reservations: who === "A" ? side(who) : side(who).reverse(),
      }),
    );
    const output = children.map(lines);
    for (const o of output) expect(await o.next()).toBe("ready");
    for (const c of children) c.stdin.write("go\n");
    const [a, b] = (await Promise.all(output.map((o) => o.next()))).map((l) => JSON.parse(l) as Outcome);
    for (const c of children) expect((await exited(c)).code).toBe(0);
    if (!a || !b) throw new Error("a child printed nothing");

    expect([...a.leases, ...b.leases].sort()).toEqual([...ids].sort());
    for (const id of ids) expect(["A", "B"]).toContain((await store.workflows.require(id)).leaseOwner);

    const reserved = [...a.reserved, ...b.reserved];
    expect(reserved).toHaveLength(30);
    expect(new Set(reserved).size).toBe(30);
    expect([...a.conflicts, ...b.conflicts]).toEqual(Array.from({ length: 10 }, () => "ConflictError"));
    for (let i = 0; i < 10; i++) {
      const t = await store.tenants.require(`${run}-dup-${i}`);
      const winner = a.reserved.includes(t.name) ? "A" : "B";
      expect(t.domains).toEqual([`dup-${i}-${winner.toLowerCase()}.${run}.example.com`]);
      expect(await store.tenants.domainOwner(`dup-${i}-${winner === "A" ? "b" : "a"}.${run}.example.com`)).toBeUndefined();
    }
  });
});
