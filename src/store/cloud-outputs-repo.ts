/**
 * What a tenant's cloud resources are once Terraform has made them (its public outputs), kept
 * per incarnation: every later render of the tenant (updates, reconciles, drift checks, the
 * rollout) needs them, not only the workflow run that made them, and a name onboarded again
 * must never be handed the first incarnation's identity.
 */
import type { Kysely } from "kysely";
import { sql } from "kysely";
import type { CloudOutputs } from "../render/cloud.js";
import type { Backend, Database, IsoTime } from "./schema.js";
import { toIso } from "./time.js";

export interface CloudOutputsTable {
  tenant_name: string;
  incarnation: string;
  outputs: string;
  recorded_at: IsoTime;
}

type CloudOutputsTables = {
  cloud_outputs: CloudOutputsTable;
};

export async function createCloudOutputsTable(db: Kysely<unknown>, backend: Backend): Promise<void> {
  const time = backend === "postgres" ? sql`text collate "C"` : sql`text`;
  await db.schema
    .createTable("cloud_outputs")
    .addColumn("tenant_name", "text", (c) => c.notNull().references("tenants.name").onDelete("cascade"))
    .addColumn("incarnation", "text", (c) => c.notNull())
    .addColumn("outputs", "text", (c) => c.notNull())
    .addColumn("recorded_at", time, (c) => c.notNull())
    .addPrimaryKeyConstraint("cloud_outputs_pk", ["tenant_name", "incarnation"])
    .execute();
}

/** The outputs rendering uses, from Terraform's public outputs (sensitive ones never reach here). */
export function cloudOutputsOf(terraform: Readonly<Record<string, unknown>>): CloudOutputs {
  return parseOutputs({
    appIdentityClientId: terraform.app_identity_client_id,
    databaseIdentityClientId: terraform.database_identity_client_id,
    // A workspace still on the single-identity module (its outputs before the split).
    identityClientId: terraform.identity_client_id,
    resourceGroupName: terraform.resource_group_name,
  });
}

const FIELDS = ["appIdentityClientId", "databaseIdentityClientId", "identityClientId", "resourceGroupName"] as const;

/** Only non-empty strings of the known fields: rows are written by older and newer versions alike. */
function parseOutputs(raw: Readonly<Record<string, unknown>>): CloudOutputs {
  const out: { -readonly [K in (typeof FIELDS)[number]]?: string } = {};
  for (const k of FIELDS) {
    const v = raw[k];
    if (typeof v === "string" && v !== "") out[k] = v;
  }
  return out;
}

/** A name's first life has no incarnation id (null); its row is keyed by the empty string. */
export interface CloudOutputsRepo {
  record(r: { tenantName: string; incarnation: string | null; outputs: CloudOutputs; now: Date }): Promise<void>;
  /** Undefined when the incarnation's cloud resources never reported outputs. */
  get(tenantName: string, incarnation: string | null): Promise<CloudOutputs | undefined>;
}

export function cloudOutputsRepo(base: Kysely<Database>): CloudOutputsRepo {
  const db = base.withTables<CloudOutputsTables>();
  return {
    async record({ tenantName, incarnation, outputs, now }) {
      const row = { tenant_name: tenantName, incarnation: incarnation ?? "", outputs: JSON.stringify(outputs), recorded_at: toIso(now) };
      await db
        .insertInto("cloud_outputs")
        .values(row)
        .onConflict((oc) => oc.columns(["tenant_name", "incarnation"]).doUpdateSet({ outputs: row.outputs, recorded_at: row.recorded_at }))
        .execute();
    },
    async get(tenantName, incarnation) {
      const row = await db.selectFrom("cloud_outputs").select("outputs").where("tenant_name", "=", tenantName).where("incarnation", "=", incarnation ?? "").executeTakeFirst();
      if (row === undefined) return undefined;
      return parseOutputs(JSON.parse(row.outputs) as Record<string, unknown>);
    },
  };
}
