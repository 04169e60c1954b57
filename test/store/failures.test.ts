/**
 * Store failures that say what they are (issue 11, items 3, 4 and 5), on both backends:
 * DATABASE_URL is checked instead of becoming a SQLite file; a closed port, an unknown
 * database or role, a full disk are named with the host or path and the fix; an up-to-date
 * store opens without the migration lock, so a stopped process cannot block readers.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import pg from "pg";
import { describe, expect, test } from "vitest";
import { InputError, StoreError } from "../../src/errors.js";
import { checkDatabaseUrl, openStore } from "../../src/store/store.js";
import { storeFailure } from "../../src/store/failures.js";
import { BACKENDS, PG_ADMIN_URL, unique, useBackend } from "./support/backends.js";

const BETTER_SQLITE3 = fileURLToPath(new URL("../../node_modules/better-sqlite3", import.meta.url));

function refusal(value: string): string {
  try {
    checkDatabaseUrl(value);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const problem = (err as InputError).problems[0];
    expect(problem?.path).toBe("DATABASE_URL");
    expect(problem?.fix).toMatch(/postgres:\/\/USER@HOST:5432\/DATABASE.*unset it/);
    return problem?.message ?? "";
  }
  throw new Error(`'${value}' was accepted`);
}

describe("DATABASE_URL", () => {
  test("only a well-formed postgres URL is accepted; anything else is refused with the reason, password hidden", () => {
    expect(checkDatabaseUrl("postgres://u@127.0.0.1:5432/db")).toBe("postgres://u@127.0.0.1:5432/db");
    expect(checkDatabaseUrl("postgresql://u:pw@db.internal/landlord?sslmode=require")).toContain("db.internal");
    expect(checkDatabaseUrl("postgres:///landlord?host=/var/run/postgresql")).toContain("host=");
    expect(refusal("postgres//u@h/db")).toMatch(/lacks the ':' after the scheme/);
    expect(refusal("not a url")).toMatch(/is not a URL/);
    expect(refusal("mysql://root:secret@db/landlord")).toMatch(/scheme 'mysql' is not supported/);
    expect(refusal("postgres:u@h/db")).toMatch(/lacks the '\/\/'/);
    expect(refusal("postgres://")).toMatch(/names no host/);
    expect(refusal("")).toMatch(/empty/);
    expect(refusal(".landlord/other.db")).toMatch(/is not a URL/);
    expect(refusal("postgres//admin:hunter2@h/db")).not.toContain("hunter2");
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((r) => server.close(() => { r(); }));
  return port;
}

async function storeError(url: string): Promise<StoreError> {
  try {
    const s = await openStore({ url, baseDir: "/tmp" });
    await s.close();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error("opened");
}

describe("PostgreSQL that cannot be used", () => {
  const admin = new URL(PG_ADMIN_URL);

  test("a closed port names the host and port and says what to do, not 'migrating failed'", async () => {
    const port = await closedPort();
    const err = await storeError(`postgres://landlord:pw@127.0.0.1:${port}/landlord`);
    expect(err.message).toContain(`nothing listens at 127.0.0.1:${port}/landlord (connection refused)`);
    expect(err.target).toBe(`127.0.0.1:${port}/landlord`);
    expect(err.fix).toMatch(/start PostgreSQL there, or correct host and port in DATABASE_URL/);
    expect((err.cause as { code?: string }).code).toBe("ECONNREFUSED");
    expect(`${err.message} ${err.target} ${err.fix}`).not.toContain("pw");
  });

  test("an unknown database and an unknown role are named", async () => {
    const db = new URL(admin);
    db.pathname = `/${unique("nodb").replace(/-/g, "_")}`;
    const missingDb = await storeError(db.toString());
    expect(missingDb.message).toMatch(new RegExp(`database ${db.pathname.slice(1)} does not exist on 127\\.0\\.0\\.1:5432`));
    expect(missingDb.fix).toMatch(/createdb/);

    const role = new URL(admin);
    role.username = "nobody_here";
    const missingRole = await storeError(role.toString());
    expect(missingRole.message).toMatch(/role nobody_here does not exist/);
    expect(missingRole.fix).toMatch(/createuser/);
  });
});

describe.each(BACKENDS)("store failures on $name", (factory) => {
  const backend = useBackend(factory);

  test("a full disk is reported as a full disk with the path and a fix, never as 'cannot rollback'", async () => {
    const store = await backend.open();
    await store.tenants.reserve({ name: unique("before"), spec: {}, domains: [], now: new Date() });
    // The database may not grow: what a full file system does to the next write.
    if (store.backend === "sqlite") {
      const pages = await sql<{ page_count: number }>`pragma page_count`.execute(store.db);
      await sql.raw(`pragma max_page_count = ${String(pages.rows[0]?.page_count ?? 1)}`).execute(store.db);
    }
    const big = { blob: "x".repeat(400_000) };
    const write = store.transaction(async (tx) => {
      await tx.tenants.reserve({ name: unique("big"), spec: big, domains: [], now: new Date() });
      await tx.audit.append({ at: new Date(), actor: "t", action: "a", tenantName: null, details: big });
    });
    if (store.backend === "postgres") {
      // A real full disk cannot be made here; its error code is classified like this.
      await write;
      const err = storeFailure(Object.assign(new Error("could not extend file"), { code: "53100" }), store.location, "writing");
      expect(err?.message).toBe("writing: the database server's disk is full");
      expect(err?.fix).toMatch(/free disk space/);
      return;
    }
    const failure = await write.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failure as { code?: string }).code).toBe("SQLITE_FULL");
    expect((failure as Error).message).not.toMatch(/cannot rollback/);
    const err = storeFailure(failure, store.location, "onboarding");
    expect(err?.message).toBe("onboarding: the disk holding the store is full");
    expect(err?.target).toBe(store.location.target);
    expect(err?.fix).toMatch(/free space on the file system of .*landlord\.db/);
    // Nothing half-written: the transaction's first insert is gone too.
    expect((await store.tenants.list()).map((t) => t.name).filter((n) => n.startsWith("big-"))).toEqual([]);
  });

  test("a commit that cannot be written (the file may not grow) keeps its real error, not 'cannot rollback', and nothing of it", async () => {
    if (factory.name !== "sqlite") return; // PostgreSQL's server writes; its disk-full code is classified above.
    const store = await backend.open();
    const before = (await store.audit.list({})).length;
    await store.close();
    // 1,200 blocks of 512 bytes: the store (~300 KiB) fits, a 5 MB transaction does not.
    const child = spawn("bash", ["-c", `ulimit -f 1200; exec "${process.execPath}" --import tsx test/store/support/file-limit-child.ts '${JSON.stringify({ path: backend.url })}'`], {
      cwd: fileURLToPath(new URL("../../", import.meta.url)),
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise((r) => child.once("exit", r));
    const result = JSON.parse(out.trim()) as { ok?: boolean; code?: string; message?: string; classified?: string; fix?: string; target?: string };
    expect(result.ok).toBeUndefined();
    expect(result.message).not.toMatch(/cannot rollback/);
    expect(result.code).toMatch(/^SQLITE_(FULL|IOERR)/);
    expect(result.classified).toMatch(/^writing: (the disk holding the store is full|an I\/O error reading or writing the store)/);
    expect(result.target).toBe(backend.url);
    const after = await backend.open();
    expect((await after.audit.list({})).length).toBe(before);
  });

  test("an up-to-date store opens without the migration lock: a process holding it blocks no reader", async () => {
    const first = await backend.open();
    await first.tenants.reserve({ name: "visible", spec: {}, domains: [], now: new Date() });
    const again = await backend.open();
    expect(again.migrated).toEqual([]);

    let release: () => Promise<void>;
    if (factory.name === "sqlite") {
      // Another process sits in a write transaction (say, stopped with Ctrl-Z).
      const holder = spawn(process.execPath, ["-e", `const B = require(${JSON.stringify(BETTER_SQLITE3)}); const d = new B(${JSON.stringify(backend.url)}); d.exec("begin immediate"); d.exec("insert into audit_log (at, actor, action, details) values ('x', 'x', 'x', '{}')"); console.log("locked"); setInterval(() => {}, 1000);`], { stdio: ["ignore", "pipe", "inherit"] });
      await new Promise<void>((r) => holder.stdout.once("data", () => { r(); }));
      release = async () => {
        holder.kill("SIGKILL");
        await new Promise((r) => holder.once("exit", r));
      };
    } else {
      // Another process holds the migration lock (it would make the old open wait an hour).
      const client = new pg.Client({ connectionString: backend.url });
      await client.connect();
      await client.query("select pg_advisory_lock(3853314791062309107)");
      release = () => client.end();
    }
    try {
      const started = Date.now();
      const reader = await openStore({ url: backend.url, baseDir: backend.baseDir, readOnly: true });
      expect((await reader.tenants.list()).map((t) => t.name)).toContain("visible");
      await reader.close();
      const writerOpen = await openStore({ url: backend.url, baseDir: backend.baseDir });
      expect(writerOpen.migrated).toEqual([]);
      await writerOpen.close();
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await release();
    }
  });

  test("a read-only open of a missing SQLite file creates nothing and reads an empty store", async () => {
    if (factory.name !== "sqlite") return;
    const path = `${backend.baseDir}/absent/landlord.db`;
    const store = await openStore({ url: path, baseDir: backend.baseDir, readOnly: true });
    expect(store.existed).toBe(false);
    expect(await store.tenants.list()).toEqual([]);
    await store.close();
    const { existsSync } = await import("node:fs");
    expect(existsSync(path)).toBe(false);
  });
});
