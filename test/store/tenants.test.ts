import { describe, expect, test } from "vitest";
import { ConflictError, NotFoundError } from "../../src/errors.js";
import type { Store } from "../../src/store/store.js";
import { isUniqueViolation } from "../../src/store/unique-violation.js";
import { BACKENDS, unique, useBackend } from "./support/backends.js";

const T0 = new Date("2026-11-27T10:00:00.000Z");
const later = (ms: number): Date => new Date(T0.getTime() + ms);

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

async function domainCount(store: Store, tenant: string): Promise<number> {
  const rows = await store.db.selectFrom("tenant_domains").select("domain").where("tenant_name", "=", tenant).execute();
  return rows.length;
}

describe.each(BACKENDS)("tenants on $name", (factory) => {
  const backend = useBackend(factory);

  test("reserve records a Pending tenant at generation 1 with its domains (normalised)", async () => {
    const store = await backend.open();
    const name = unique("acme");
    const t = await store.tenants.reserve({
      name,
      spec: { tier: "small", b: [1, 2], a: { y: 1, x: 2 } },
      domains: [`Shop.${name}.example.com`, `${name}.example.com`, `shop.${name}.example.com`],
      now: T0,
    });
    expect(t).toMatchObject({ name, generation: 1, phase: "Pending", placement: null, offboardedAt: null, retainUntil: null });
    expect(t.domains).toEqual([`${name}.example.com`, `shop.${name}.example.com`]);
    expect(t.createdAt).toEqual(T0);
    expect(t.spec).toEqual({ tier: "small", b: [1, 2], a: { y: 1, x: 2 } });
    expect(await store.tenants.get(name)).toEqual(t);
    expect(await store.tenants.domainOwner(`SHOP.${name}.example.com`)).toBe(name);
  });

  test("a taken name is a ConflictError naming it, and changes nothing", async () => {
    const store = await backend.open();
    const name = unique("taken");
    await store.tenants.reserve({ name, spec: {}, domains: [`${name}.example.com`], now: T0 });
    const err = await rejection(store.tenants.reserve({ name, spec: { v: 2 }, domains: [`other-${name}.example.com`], now: T0 }));
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).message).toContain(`tenant name '${name}' is already taken`);
    expect(await store.tenants.domainOwner(`other-${name}.example.com`)).toBeUndefined();
    expect((await store.tenants.require(name)).spec).toEqual({});
  });

  test("a domain claimed by another tenant is a ConflictError naming domain and holder; nothing is half-reserved", async () => {
    const store = await backend.open();
    const holder = unique("holder");
    const late = unique("late");
    await store.tenants.reserve({ name: holder, spec: {}, domains: [`www.${holder}.example.com`], now: T0 });
    const err = await rejection(
      store.tenants.reserve({ name: late, spec: {}, domains: [`${late}.example.com`, `www.${holder}.example.com`], now: T0 }),
    );
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).message).toBe(`domain already claimed: 'www.${holder}.example.com' by tenant '${holder}'`);
    expect(await store.tenants.get(late)).toBeUndefined();
    expect(await store.tenants.domainOwner(`${late}.example.com`)).toBeUndefined();
  });

  test("reservation race: 50 concurrent reservations, 10 names twice: one winner per name, no half-reserved rows", async () => {
    // Two pools on PostgreSQL; on SQLite one process shares one connection, and
    // cross-process races are in cross-process.test.ts.
    const stores = [await backend.open(), await backend.open()] as const;
    const either = (i: number): Store => (i % 2 === 0 ? stores[0] : stores[1]);
    const run = unique("race");
    const requests: { name: string; domain: string }[] = [];
    for (let i = 0; i < 30; i++) requests.push({ name: `${run}-solo-${i}`, domain: `solo-${i}.${run}.example.com` });
    for (let i = 0; i < 10; i++) {
      requests.push({ name: `${run}-dup-${i}`, domain: `dup-${i}-a.${run}.example.com` });
      requests.push({ name: `${run}-dup-${i}`, domain: `dup-${i}-b.${run}.example.com` });
    }
    const results = await Promise.allSettled(
      requests.map((r, i) => either(i).tenants.reserve({ name: r.name, spec: { domain: r.domain }, domains: [r.domain], now: T0 })),
    );

    const winners = requests.filter((_, i) => results[i]?.status === "fulfilled");
    const losers = requests.filter((_, i) => results[i]?.status === "rejected");
    expect(winners).toHaveLength(40);
    expect(losers).toHaveLength(10);
    for (const [i, r] of results.entries()) {
      if (r.status === "rejected") {
        expect(r.reason).toBeInstanceOf(ConflictError);
        expect((r.reason as Error).message).toContain(`'${requests[i]?.name ?? ""}'`);
      }
    }
    expect(new Set(winners.map((w) => w.name)).size).toBe(40);
    for (const w of winners) {
      const t = await stores[0].tenants.require(w.name);
      expect(t.domains).toEqual([w.domain]);
      expect(t.spec).toEqual({ domain: w.domain });
    }
    for (const l of losers) expect(await stores[0].tenants.domainOwner(l.domain)).toBeUndefined();
    const all = await stores[0].db.selectFrom("tenant_domains").select("domain").where("tenant_name", "like", `${run}-%`).execute();
    expect(all).toHaveLength(40);
  });

  test("names racing for one domain: one winner per domain, the losers' names are not reserved", async () => {
    const stores = [await backend.open(), await backend.open()] as const;
    const either = (i: number): Store => (i % 2 === 0 ? stores[0] : stores[1]);
    const run = unique("dom");
    const requests = Array.from({ length: 20 }, (_, i) => ({
      name: `${run}-${i}`,
      domains: [`${run}-${i}.example.com`, `shared-${i % 10}.${run}.example.com`],
    }));
    const results = await Promise.allSettled(
      requests.map((r, i) => either(i).tenants.reserve({ name: r.name, spec: {}, domains: r.domains, now: T0 })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(10);
    for (const [i, r] of results.entries()) {
      const req = requests[i];
      if (!req) throw new Error("unreachable");
      if (r.status === "fulfilled") {
        expect(await domainCount(stores[0], req.name)).toBe(2);
      } else {
        expect(r.reason).toBeInstanceOf(ConflictError);
        expect((r.reason as Error).message).toContain(`shared-${i % 10}.${run}.example.com`);
        expect(await stores[0].tenants.get(req.name)).toBeUndefined();
        expect(await domainCount(stores[0], req.name)).toBe(0);
      }
    }
  });

  test("updateSpec bumps the generation only when the spec changes, and moves domains", async () => {
    const store = await backend.open();
    const name = unique("upd");
    await store.tenants.reserve({ name, spec: { tier: "small", x: 1 }, domains: [`a.${name}.com`, `b.${name}.com`], now: T0 });

    const same = await store.tenants.updateSpec({ name, spec: { x: 1, tier: "small" }, domains: [`a.${name}.com`, `b.${name}.com`], now: later(1) });
    expect(same.changed).toBe(false);
    expect(same.tenant.generation).toBe(1);

    const moved = await store.tenants.updateSpec({ name, spec: { tier: "medium", x: 1 }, domains: [`b.${name}.com`, `c.${name}.com`], now: later(2) });
    expect(moved.changed).toBe(true);
    expect(moved.tenant).toMatchObject({ generation: 2, spec: { tier: "medium", x: 1 }, domains: [`b.${name}.com`, `c.${name}.com`] });
    expect(moved.tenant.updatedAt).toEqual(later(2));
    expect(await store.tenants.domainOwner(`a.${name}.com`)).toBeUndefined();

    const stale = await rejection(
      store.tenants.updateSpec({ name, spec: { tier: "large" }, domains: [], now: later(3), expectedGeneration: 1 }),
    );
    expect(stale).toBeInstanceOf(ConflictError);
    expect((stale as Error).message).toContain("generation 2, not 1");
    const ok = await store.tenants.updateSpec({ name, spec: { tier: "large" }, domains: [`c.${name}.com`], now: later(4), expectedGeneration: 2 });
    expect(ok.tenant.generation).toBe(3);
  });

  test("updateSpec refuses a domain of another tenant and rolls the spec back", async () => {
    const store = await backend.open();
    const [a, b] = [unique("a"), unique("b")];
    await store.tenants.reserve({ name: a, spec: { v: 1 }, domains: [`${a}.com`], now: T0 });
    await store.tenants.reserve({ name: b, spec: { v: 1 }, domains: [`${b}.com`], now: T0 });
    const err = await rejection(store.tenants.updateSpec({ name: a, spec: { v: 2 }, domains: [`${a}.com`, `${b}.com`], now: later(1) }));
    expect(err).toBeInstanceOf(ConflictError);
    expect(await store.tenants.require(a)).toMatchObject({ generation: 1, spec: { v: 1 }, domains: [`${a}.com`] });
    await expect(store.tenants.updateSpec({ name: unique("ghost"), spec: {}, domains: [], now: T0 })).rejects.toBeInstanceOf(NotFoundError);
  });

  test("phases move only from the allowed ones", async () => {
    const store = await backend.open();
    const name = unique("phase");
    await store.tenants.reserve({ name, spec: {}, domains: [], now: T0 });
    expect((await store.tenants.setPhase(name, "Provisioning", later(1), ["Pending"])).phase).toBe("Provisioning");
    await expect(store.tenants.setPhase(name, "Updating", later(2), ["Ready"])).rejects.toBeInstanceOf(ConflictError);
    expect((await store.tenants.setPhase(name, "Ready", later(3))).phase).toBe("Ready");
    const placed = await store.tenants.setPlacement(name, { cluster: "aks-weu-1", region: "westeurope" }, later(4));
    expect(placed.placement).toEqual({ cluster: "aks-weu-1", region: "westeurope" });
    expect((await store.tenants.list({ phases: ["Ready"] })).map((t) => t.name)).toContain(name);
    expect((await store.tenants.list({ phases: ["Failed"] })).map((t) => t.name)).not.toContain(name);
    await expect(store.tenants.setPhase(unique("nobody"), "Ready", T0)).rejects.toBeInstanceOf(NotFoundError);
  });

  test("release frees the domains; the name can then be reserved again, with a later generation", async () => {
    const store = await backend.open();
    const [name, other] = [unique("gone"), unique("other")];
    await store.tenants.reserve({ name, spec: { v: 1 }, domains: [`${name}.com`], now: T0 });
    await store.tenants.setPhase(name, "Offboarding", later(1));
    await expect(store.tenants.reserve({ name, spec: {}, domains: [], now: later(2) })).rejects.toThrow(/Offboarding/);
    await expect(store.tenants.updateSpec({ name, spec: { v: 2 }, domains: [], now: later(2) })).rejects.toBeInstanceOf(ConflictError);

    const released = await store.tenants.release(name, { now: later(3), retainUntil: later(1000) });
    expect(released).toMatchObject({ phase: "Offboarded", domains: [], offboardedAt: later(3), retainUntil: later(1000) });
    expect(await store.tenants.release(name, { now: later(4) })).toEqual(released);

    // The freed domain is anyone's now.
    await store.tenants.reserve({ name: other, spec: {}, domains: [`${name}.com`], now: later(5) });
    // Inside the retention window the name is refused unless the caller says to reuse it (a new incarnation).
    await expect(store.tenants.reserve({ name, spec: { v: 3 }, domains: [`new-${name}.com`], now: later(6) })).rejects.toThrow(/is retained until/);
    const again = await store.tenants.reserve({ name, spec: { v: 3 }, domains: [`new-${name}.com`], now: later(6), reuseRetained: true });
    expect(again).toMatchObject({ phase: "Pending", generation: 2, spec: { v: 3 }, domains: [`new-${name}.com`], offboardedAt: null, retainUntil: null });
    expect(again.incarnation).toMatch(/^[a-z0-9]{10}$/);
    await expect(store.tenants.reserve({ name, spec: {}, domains: [], now: later(7) })).rejects.toBeInstanceOf(ConflictError);
  });

  test("repo calls in store.transaction commit or roll back together", async () => {
    const store = await backend.open();
    const name = unique("tx");
    await expect(
      store.transaction(async (tx) => {
        await tx.tenants.reserve({ name, spec: {}, domains: [`${name}.com`], now: T0 });
        await tx.audit.append({ at: T0, actor: "test", action: "tenant.reserve", tenantName: name });
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await store.tenants.get(name)).toBeUndefined();
    expect(await store.audit.list({ tenantName: name })).toEqual([]);

    await store.transaction(async (tx) => {
      await tx.tenants.reserve({ name, spec: {}, domains: [`${name}.com`], now: T0 });
      await tx.audit.append({ at: T0, actor: "test", action: "tenant.reserve", tenantName: name });
    });
    expect((await store.tenants.require(name)).domains).toEqual([`${name}.com`]);
    expect(await store.audit.list({ tenantName: name })).toHaveLength(1);
  });

  test("the driver's unique violation is recognised", async () => {
    const store = await backend.open();
    const domain = `${unique("dupe")}.com`;
    const name = unique("dupe");
    await store.tenants.reserve({ name, spec: {}, domains: [domain], now: T0 });
    const err = await rejection(store.db.insertInto("tenant_domains").values({ domain, tenant_name: name, claimed_at: T0.toISOString() }).execute());
    expect(isUniqueViolation(err)).toBe(true);
    expect(isUniqueViolation(new Error("x"))).toBe(false);
  });
});
