/**
 * Every store and engine test runs on both backends. Each test file gets its own SQLite
 * directory and its own PostgreSQL database (created here, dropped afterwards), so files
 * can run in parallel without seeing each other's rows.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll } from "vitest";
import { openStore } from "../../../src/store/store.js";
import type { OpenStoreOptions, Store } from "../../../src/store/store.js";
import type { Backend } from "../../../src/store/schema.js";

export const PG_ADMIN_URL = process.env["LANDLORD_TEST_PG_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestBackend {
  readonly name: Backend;
  /** What openStore gets as `url` (a SQLite file path or a PostgreSQL URL). */
  readonly url: string;
  readonly baseDir: string;
  /** Opens another connection to this test file's database; closed after each test. */
  open(options?: Partial<OpenStoreOptions>): Promise<Store>;
}

interface Fixture {
  readonly url: string;
  readonly baseDir: string;
  dispose(): Promise<void>;
}

export interface BackendFactory {
  readonly name: Backend;
  create(): Promise<Fixture>;
}

const sqlite: BackendFactory = {
  name: "sqlite",
  async create() {
    const baseDir = await mkdtemp(join(tmpdir(), "landlord-store-"));
    return {
      url: join(baseDir, ".landlord", "landlord.db"),
      baseDir,
      dispose: () => rm(baseDir, { recursive: true, force: true }),
    };
  },
};

const postgres: BackendFactory = {
  name: "postgres",
  async create() {
    const database = `landlord_test_${randomBytes(6).toString("hex")}`;
    await admin(`create database ${database}`);
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${database}`;
    const baseDir = await mkdtemp(join(tmpdir(), "landlord-store-"));
    return {
      url: url.toString(),
      baseDir,
      async dispose() {
        await admin(`drop database if exists ${database} with (force)`);
        await rm(baseDir, { recursive: true, force: true });
      },
    };
  },
};

export const BACKENDS: readonly BackendFactory[] = [sqlite, postgres];

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Call inside a describe: sets up this file's database for the backend and tears it down. */
export function useBackend(factory: BackendFactory): TestBackend {
  let fixture: Fixture | undefined;
  const opened: Store[] = [];
  beforeAll(async () => {
    fixture = await factory.create();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await fixture?.dispose();
  });
  const current = (): Fixture => {
    if (!fixture) throw new Error("backend used outside a test");
    return fixture;
  };
  return {
    name: factory.name,
    get url() {
      return current().url;
    },
    get baseDir() {
      return current().baseDir;
    },
    async open(options) {
      const store = await openStore({ url: current().url, baseDir: current().baseDir, ...options });
      opened.push(store);
      return store;
    },
  };
}

/** A name no other test in the file uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}
