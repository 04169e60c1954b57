/**
 * The audit log: who did what to which tenant, and the details (e.g. the spec diff).
 * Append-only by construction: this API has no update or delete, and triggers refuse
 * them from any other client (see migrations.ts).
 */
import type { Kysely, Selectable } from "kysely";
import { InputError } from "../errors.js";
import { canonicalJson, parseJson } from "./json.js";
import type { AuditLogTable, Database } from "./schema.js";
import { fromIso, toIso } from "./time.js";

export interface AuditEntry {
  /** Increases with every append; use it to page (afterId). */
  readonly id: number;
  readonly at: Date;
  readonly actor: string;
  readonly action: string;
  readonly tenantName: string | null;
  readonly details: unknown;
}

export interface AppendAudit {
  readonly at: Date;
  readonly actor: string;
  readonly action: string;
  readonly tenantName?: string | null;
  /** JSON-serialisable. */
  readonly details?: unknown;
}

export interface AuditFilter {
  readonly tenantName?: string;
  readonly action?: string;
  /** Only entries with a greater id. */
  readonly afterId?: number;
  readonly limit?: number;
}

export interface AuditRepo {
  append(entry: AppendAudit): Promise<AuditEntry>;
  /** In append order. */
  list(filter?: AuditFilter): Promise<AuditEntry[]>;
}

export function auditRepo(db: Kysely<Database>): AuditRepo {
  return {
    async append(e) {
      const row = await db
        .insertInto("audit_log")
        .values({
          at: toIso(e.at),
          actor: e.actor,
          action: e.action,
          tenant_name: e.tenantName ?? null,
          details: canonicalJson(e.details ?? {}),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toEntry(row);
    },

    async list(filter) {
      let query = db.selectFrom("audit_log").selectAll().orderBy("id");
      if (filter?.tenantName !== undefined) query = query.where("tenant_name", "=", filter.tenantName);
      if (filter?.action !== undefined) query = query.where("action", "=", filter.action);
      if (filter?.afterId !== undefined) query = query.where("id", ">", filter.afterId);
      if (filter?.limit !== undefined) {
        if (!Number.isInteger(filter.limit) || filter.limit < 0) {
          throw new InputError([{ path: "limit", message: `limit must be a whole number ≥ 0, got ${filter.limit}`, fix: "pass e.g. 100" }]);
        }
        query = query.limit(filter.limit);
      }
      return (await query.execute()).map(toEntry);
    },
  };
}

function toEntry(row: Selectable<AuditLogTable>): AuditEntry {
  return {
    id: row.id,
    at: fromIso(row.at),
    actor: row.actor,
    action: row.action,
    tenantName: row.tenant_name,
    details: parseJson(row.details),
  };
}
