import { sql } from "kysely";
import { describe, expect, test } from "vitest";
import { BACKENDS, unique, useBackend } from "./support/backends.js";

const T0 = new Date("2026-11-27T10:00:00.000Z");

describe.each(BACKENDS)("audit log on $name", (factory) => {
  const backend = useBackend(factory);

  test("append and list, in order, filtered", async () => {
    const store = await backend.open();
    const tenant = unique("acme");
    const first = await store.audit.append({
      at: T0,
      actor: "alice@example.com",
      action: "tenant.update",
      tenantName: tenant,
      details: { diff: [{ path: "spec.tier", from: "small", to: "medium" }] },
    });
    const second = await store.audit.append({ at: new Date(T0.getTime() + 1), actor: "bob", action: "tenant.offboard", tenantName: tenant });
    await store.audit.append({ at: T0, actor: "carol", action: "platform.change" });

    expect(second.id).toBeGreaterThan(first.id);
    expect(first).toEqual({
      id: first.id,
      at: T0,
      actor: "alice@example.com",
      action: "tenant.update",
      tenantName: tenant,
      details: { diff: [{ from: "small", path: "spec.tier", to: "medium" }] },
    });
    expect(second.details).toEqual({});
    expect(await store.audit.list({ tenantName: tenant })).toEqual([first, second]);
    expect(await store.audit.list({ tenantName: tenant, action: "tenant.offboard" })).toEqual([second]);
    expect(await store.audit.list({ tenantName: tenant, afterId: first.id })).toEqual([second]);
    expect(await store.audit.list({ tenantName: tenant, limit: 1 })).toEqual([first]);
  });

  test("is append-only: the API has no update or delete, and the database refuses them", async () => {
    const store = await backend.open();
    expect(Object.keys(store.audit).sort()).toEqual(["append", "list"]);
    const tenant = unique("acme");
    const entry = await store.audit.append({ at: T0, actor: "alice", action: "tenant.reserve", tenantName: tenant });

    await expect(store.db.updateTable("audit_log").set({ actor: "mallory" }).where("id", "=", entry.id).execute()).rejects.toThrow(
      /append-only/,
    );
    await expect(store.db.deleteFrom("audit_log").where("id", "=", entry.id).execute()).rejects.toThrow(/append-only/);
    if (factory.name === "postgres") await expect(sql`truncate audit_log`.execute(store.db)).rejects.toThrow(/append-only/);
    expect(await store.audit.list({ tenantName: tenant })).toEqual([entry]);
  });
});
