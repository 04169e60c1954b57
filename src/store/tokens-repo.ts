/**
 * Tenant API tokens. The store keeps only a sha256 of each token, so a leaked database
 * does not leak credentials; the token is shown (or written to a 0600 file) once.
 */
import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";
import { fromIso, fromIsoOrNull, toIso } from "./time.js";

export interface ApiTokenRecord {
  readonly id: string;
  readonly tenantName: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

export interface TokensRepo {
  /** Records a token's hash under a caller-chosen id; the same id again is a no-op (idempotent steps). */
  record(t: { id: string; tenantName: string; name: string; token: string; now: Date }): Promise<ApiTokenRecord>;
  /** The record of a token, live or revoked, whoever holds it. */
  find(token: string): Promise<ApiTokenRecord | undefined>;
  /** The tenant a live token belongs to, or undefined. */
  verify(token: string): Promise<ApiTokenRecord | undefined>;
  list(tenantName: string): Promise<ApiTokenRecord[]>;
  revokeAll(tenantName: string, now: Date): Promise<number>;
}

export function sha256(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function toRecord(row: { id: string; tenant_name: string; name: string; created_at: string; revoked_at: string | null }): ApiTokenRecord {
  return { id: row.id, tenantName: row.tenant_name, name: row.name, createdAt: fromIso(row.created_at), revokedAt: fromIsoOrNull(row.revoked_at) };
}

const COLUMNS = ["id", "tenant_name", "name", "created_at", "revoked_at"] as const;

export function tokensRepo(db: Kysely<Database>): TokensRepo {
  return {
    async record(t) {
      const existing = await db.selectFrom("api_tokens").select(COLUMNS).where("id", "=", t.id).executeTakeFirst();
      if (existing) return toRecord(existing);
      await db
        .insertInto("api_tokens")
        .values({ id: t.id, tenant_name: t.tenantName, name: t.name, token_sha256: sha256(t.token), created_at: toIso(t.now), revoked_at: null })
        .execute();
      return { id: t.id, tenantName: t.tenantName, name: t.name, createdAt: t.now, revokedAt: null };
    },
    async find(token) {
      const row = await db.selectFrom("api_tokens").select(COLUMNS).where("token_sha256", "=", sha256(token)).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },
    async verify(token) {
      const row = await db
        .selectFrom("api_tokens")
        .select(COLUMNS)
        .where("token_sha256", "=", sha256(token))
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },
    async list(tenantName) {
      const rows = await db.selectFrom("api_tokens").select(COLUMNS).where("tenant_name", "=", tenantName).orderBy("created_at").execute();
      return rows.map(toRecord);
    },
    async revokeAll(tenantName, now) {
      const r = await db
        .updateTable("api_tokens")
        .set({ revoked_at: toIso(now) })
        .where("tenant_name", "=", tenantName)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
  };
}
