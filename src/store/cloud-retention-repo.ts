/**
 * Cloud resources an offboarding kept (the data: vault, backups) and when they are purged.
 * Kept per incarnation, with the Terraform inputs the purge destroys with: a name onboarded
 * again replaces the tenant's spec, and the earlier incarnation must still be purgeable.
 */
import type { Kysely } from "kysely";
import type { CustomerInstanceVars } from "../render/terraform/tfvars.js";
import type { Database, IsoTime } from "./schema.js";
import { fromIsoOrNull, toIso } from "./time.js";

export interface CloudRetentionTable {
  tenant_name: string;
  /** "" for a name's first life, which has no incarnation id. */
  incarnation: string;
  variables: string;
  purge_after: IsoTime;
  recorded_at: IsoTime;
  purged_at: IsoTime | null;
  /** Why the last purge attempt did not finish; null once purged or before any attempt. */
  last_error: string | null;
  attempted_at: IsoTime | null;
}

type Tables = { cloud_retention: CloudRetentionTable };

export interface RetainedCloud {
  readonly tenantName: string;
  readonly incarnation: string | null;
  readonly variables: CustomerInstanceVars;
  readonly purgeAfter: Date;
  readonly recordedAt: Date;
  readonly purgedAt: Date | null;
  readonly lastError: string | null;
  readonly attemptedAt: Date | null;
}

export interface CloudRetentionRepo {
  /** Records (or, for a re-run offboarding, replaces) what the incarnation keeps and until when. */
  retain(r: { tenantName: string; incarnation: string | null; variables: CustomerInstanceVars; purgeAfter: Date; now: Date }): Promise<void>;
  /** Unpurged incarnations whose retention has ended by `now`, oldest first. */
  due(now: Date): Promise<RetainedCloud[]>;
  purged(tenantName: string, incarnation: string | null, now: Date): Promise<void>;
  failed(tenantName: string, incarnation: string | null, error: string, now: Date): Promise<void>;
  /** Every incarnation of the name that kept cloud resources, purged or not, newest first. */
  list(tenantName: string): Promise<RetainedCloud[]>;
}

function fromRow(row: CloudRetentionTable): RetainedCloud {
  return {
    tenantName: row.tenant_name,
    incarnation: row.incarnation === "" ? null : row.incarnation,
    variables: JSON.parse(row.variables) as CustomerInstanceVars,
    purgeAfter: new Date(row.purge_after),
    recordedAt: new Date(row.recorded_at),
    purgedAt: fromIsoOrNull(row.purged_at),
    lastError: row.last_error,
    attemptedAt: fromIsoOrNull(row.attempted_at),
  };
}

export function cloudRetentionRepo(base: Kysely<Database>): CloudRetentionRepo {
  const db = base.withTables<Tables>();
  const key = (tenantName: string, incarnation: string | null) => ({ tenant_name: tenantName, incarnation: incarnation ?? "" });
  return {
    async retain({ tenantName, incarnation, variables, purgeAfter, now }) {
      const row = { ...key(tenantName, incarnation), variables: JSON.stringify(variables), purge_after: toIso(purgeAfter), recorded_at: toIso(now), purged_at: null, last_error: null, attempted_at: null };
      await db
        .insertInto("cloud_retention")
        .values(row)
        .onConflict((oc) =>
          oc.columns(["tenant_name", "incarnation"]).doUpdateSet({ variables: row.variables, purge_after: row.purge_after, recorded_at: row.recorded_at, purged_at: null, last_error: null, attempted_at: null }),
        )
        .execute();
    },
    async due(now) {
      const rows = await db.selectFrom("cloud_retention").selectAll().where("purged_at", "is", null).where("purge_after", "<=", toIso(now)).orderBy("purge_after").execute();
      return rows.map(fromRow);
    },
    async purged(tenantName, incarnation, now) {
      const k = key(tenantName, incarnation);
      await db.updateTable("cloud_retention").set({ purged_at: toIso(now), last_error: null, attempted_at: toIso(now) }).where("tenant_name", "=", k.tenant_name).where("incarnation", "=", k.incarnation).execute();
    },
    async failed(tenantName, incarnation, error, now) {
      const k = key(tenantName, incarnation);
      await db.updateTable("cloud_retention").set({ last_error: error, attempted_at: toIso(now) }).where("tenant_name", "=", k.tenant_name).where("incarnation", "=", k.incarnation).execute();
    },
    async list(tenantName) {
      const rows = await db.selectFrom("cloud_retention").selectAll().where("tenant_name", "=", tenantName).orderBy("recorded_at", "desc").execute();
      return rows.map(fromRow);
    },
  };
}
