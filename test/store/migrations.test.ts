import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sql } from "kysely";
import { describe, expect, test } from "vitest";
import { migrations } from "../../src/store/migrations.js";
import { DEFAULT_SQLITE_PATH, locateStore, openStore } from "../../src/store/store.js";
import { BACKENDS, useBackend } from "./support/backends.js";

// The list is append-only (other features add theirs); its order is the application order.
const ALL_MIGRATIONS = Object.keys(migrations("sqlite"));

describe("locateStore", () => {
  test("defaults to a SQLite file under the base directory", () => {
    expect(locateStore(undefined, "/srv/app")).toEqual({ backend: "sqlite", target: join("/srv/app", DEFAULT_SQLITE_PATH) });
    expect(locateStore("", "/srv/app").target).toBe("/srv/app/.landlord/landlord.db");
  });

  test("postgres:// and postgresql:// select PostgreSQL", () => {
    expect(locateStore("postgres://u@h/db", "/x")).toEqual({ backend: "postgres", target: "postgres://u@h/db" });
    expect(locateStore("postgresql://u@h/db", "/x").backend).toBe("postgres");
  });

  test("the default is a SQLite file .landlord/landlord.db under the base directory, in WAL mode", async () => {
    const baseDir = await mkdtemp(join(tmpdir(), "landlord-default-"));
    const store = await openStore({ baseDir });
    try {
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
      expect(mode.rows[0]?.journal_mode).toBe("wal");
      const timeout = await sql<{ timeout: number }>`pragma busy_timeout`.execute(store.db);
      expect(timeout.rows[0]?.timeout).toBeGreaterThan(0);
      const file = await sql<{ file: string }>`select file from pragma_database_list where name = 'main'`.execute(store.db);
      expect(file.rows[0]?.file).toBe(join(baseDir, ".landlord", "landlord.db"));
    } finally {
      await store.close();
      await rm(baseDir, { recursive: true, force: true });
    }
  });

  test("any other URL is a SQLite path, relative to the base directory", () => {
    expect(locateStore("data/l.db", "/srv")).toEqual({ backend: "sqlite", target: resolve("/srv", "data/l.db") });
    expect(locateStore("sqlite:/abs/l.db", "/srv").target).toBe("/abs/l.db");
    expect(locateStore("/abs/l.db", "/srv").target).toBe("/abs/l.db");
  });
});

describe.each(BACKENDS)("migrations on $name", (factory) => {
  const backend = useBackend(factory);

  test("run at open, also when several opens race on a fresh database", async () => {
    const stores = await Promise.all([backend.open(), backend.open(), backend.open()]);
    for (const s of stores) expect(await s.migrations()).toEqual(ALL_MIGRATIONS);
  });

  test("are idempotent: opening again applies nothing new and keeps the data", async () => {
    const first = await backend.open();
    expect(await first.migrations()).toEqual(ALL_MIGRATIONS);
    await first.tenants.reserve({ name: "kept", spec: { tier: "small" }, domains: ["kept.example.com"], now: new Date() });
    await first.close();

    const second = await backend.open();
    expect(second.backend).toBe(factory.name);
    expect(await second.migrations()).toEqual(ALL_MIGRATIONS);
    expect((await second.tenants.require("kept")).domains).toEqual(["kept.example.com"]);
    const third = await backend.open();
    expect(await third.migrations()).toEqual(ALL_MIGRATIONS);
  });
});
