/**
 * Releases: versions of the app a rollout can move the fleet to. A release is written once;
 * a different image or config is a new version.
 */
import { sql, type Kysely } from "kysely";
import { ConflictError, NotFoundError } from "../errors.js";
import type { Backend, Database, IsoTime, JsonText } from "./schema.js";
import { canonicalJson, parseJsonOrNull } from "./json.js";
import { fromIso, toIso } from "./time.js";

export interface ReleasesTable {
  version: string;
  image: string | null;
  config: JsonText | null;
  notes: string | null;
  created_at: IsoTime;
  created_by: string;
}

export type ReleaseTables = { releases: ReleasesTable };

export interface ReleaseRecord {
  readonly version: string;
  readonly image?: string;
  readonly config?: { readonly env?: Record<string, string>; readonly featureFlags?: Record<string, boolean | string | number> };
  readonly notes?: string;
  readonly createdAt: Date;
  readonly createdBy: string;
}

export interface ReleasesRepo {
  /** A second release of the same version is a ConflictError (releases never change). */
  create(r: Omit<ReleaseRecord, "createdAt"> & { readonly now: Date }): Promise<ReleaseRecord>;
  get(version: string): Promise<ReleaseRecord | undefined>;
  require(version: string): Promise<ReleaseRecord>;
  /** Newest first. */
  list(): Promise<ReleaseRecord[]>;
}

export async function createReleaseTables(db: Kysely<unknown>, backend: Backend): Promise<void> {
  const time = backend === "postgres" ? sql`text collate "C"` : sql`text`;
  await db.schema
    .createTable("releases")
    .addColumn("version", "text", (c) => c.primaryKey())
    .addColumn("image", "text")
    .addColumn("config", "text")
    .addColumn("notes", "text")
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .execute();
}

type ReleaseDb = Kysely<Database & ReleaseTables>;

function toRecord(row: ReleasesTable): ReleaseRecord {
  const config = parseJsonOrNull(row.config) as ReleaseRecord["config"] | null;
  return {
    version: row.version,
    ...(row.image !== null ? { image: row.image } : {}),
    ...(config ? { config } : {}),
    ...(row.notes !== null ? { notes: row.notes } : {}),
    createdAt: fromIso(row.created_at),
    createdBy: row.created_by,
  };
}

export function releasesRepo(base: Kysely<Database>): ReleasesRepo {
  const db: ReleaseDb = base.withTables<ReleaseTables>();
  const find = async (version: string) => {
    const row = await db.selectFrom("releases").selectAll().where("version", "=", version).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  };
  return {
    async create(r) {
      const row: ReleasesTable = {
        version: r.version,
        image: r.image ?? null,
        config: r.config ? canonicalJson(r.config) : null,
        notes: r.notes ?? null,
        created_at: toIso(r.now),
        created_by: r.createdBy,
      };
      const inserted = await db.insertInto("releases").values(row).onConflict((oc) => oc.column("version").doNothing()).executeTakeFirst();
      if (inserted.numInsertedOrUpdatedRows !== 1n) throw new ConflictError(`release ${r.version} already exists; releases never change, create a new version`);
      return toRecord(row);
    },
    get: find,
    async require(version) {
      const r = await find(version);
      if (!r) throw new NotFoundError(`release ${version} does not exist; create it with \`landlord release create ${version}\``);
      return r;
    },
    async list() {
      const rows = await db.selectFrom("releases").selectAll().orderBy("created_at", "desc").orderBy("version").execute();
      return rows.map(toRecord);
    },
  };
}
