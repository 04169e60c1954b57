/**
 * Versioned schema migrations, kept in code (not scanned from a folder) so the compiled
 * CLI carries them and the order is explicit. Names sort in application order; a released
 * migration is never edited, a change is a new entry.
 */
import { createCapacityTotals } from "./capacity-totals.js";
import { createDomainChallengeTable } from "./domain-challenges-repo.js";
import { createCloudOutputsTable } from "./cloud-outputs-repo.js";
import { sql } from "kysely";
import type { Kysely, Migration, MigrationProvider, RawBuilder } from "kysely";
import type { Backend } from "./schema.js";
import { createInvoiceTables } from "./invoices-repo.js";
import { createReleaseTables } from "./releases-repo.js";
import { createRolloutTables } from "./rollouts-repo.js";

/** What differs between the backends' DDL; everything else is shared. */
interface Dialect {
  /** Timestamps are compared as text (lease expiry), so PostgreSQL must compare bytes, not locale order. */
  readonly time: RawBuilder<unknown>;
  readonly backend: Backend;
}

function dialectOf(backend: Backend): Dialect {
  return { backend, time: backend === "postgres" ? sql`text collate "C"` : sql`text` };
}

async function initial(db: Kysely<unknown>, d: Dialect): Promise<void> {
  await db.schema
    .createTable("tenants")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("spec", "text", (c) => c.notNull())
    .addColumn("generation", "integer", (c) => c.notNull())
    .addColumn("phase", "text", (c) => c.notNull())
    .addColumn("placement", "text")
    .addColumn("created_at", d.time, (c) => c.notNull())
    .addColumn("updated_at", d.time, (c) => c.notNull())
    .addColumn("offboarded_at", d.time)
    .addColumn("retain_until", d.time)
    .execute();

  await db.schema
    .createTable("tenant_domains")
    .addColumn("domain", "text", (c) => c.primaryKey())
    .addColumn("tenant_name", "text", (c) => c.notNull().references("tenants.name").onDelete("cascade"))
    .execute();
  await db.schema.createIndex("tenant_domains_tenant_name").on("tenant_domains").column("tenant_name").execute();

  // No foreign key to tenants: a workflow's history outlives a purged tenant row.
  await db.schema
    .createTable("workflows")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("tenant_name", "text", (c) => c.notNull())
    .addColumn("input", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("created_at", d.time, (c) => c.notNull())
    .addColumn("started_at", d.time)
    .addColumn("finished_at", d.time)
    .addColumn("lease_owner", "text")
    .addColumn("lease_expires_at", d.time)
    .addColumn("cancel_requested", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("attempt", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex("workflows_status").on("workflows").column("status").execute();
  await db.schema.createIndex("workflows_tenant_name").on("workflows").columns(["tenant_name", "created_at"]).execute();

  await db.schema
    .createTable("workflow_steps")
    .addColumn("workflow_id", "text", (c) => c.notNull().references("workflows.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("output", "text")
    .addColumn("error", "text")
    .addColumn("started_at", d.time)
    .addColumn("finished_at", d.time)
    .addColumn("duration_ms", "integer")
    .addPrimaryKeyConstraint("workflow_steps_pk", ["workflow_id", "name"])
    .addUniqueConstraint("workflow_steps_position", ["workflow_id", "position"])
    .execute();

  await db.schema
    .createTable("audit_log")
    .addColumn("id", "integer", (c) =>
      d.backend === "postgres" ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    )
    .addColumn("at", d.time, (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("tenant_name", "text")
    .addColumn("details", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("audit_log_tenant_name").on("audit_log").columns(["tenant_name", "id"]).execute();
  await auditAppendOnly(db, d.backend);
}

/** The repo has no update/delete; the triggers make that hold for any other client too. */
async function auditAppendOnly(db: Kysely<unknown>, backend: Backend): Promise<void> {
  if (backend === "sqlite") {
    await sql`create trigger audit_log_no_update before update on audit_log
      begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
    await sql`create trigger audit_log_no_delete before delete on audit_log
      begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
    return;
  }
  await sql`create function landlord_audit_log_append_only() returns trigger language plpgsql as $$
      begin raise exception 'audit_log is append-only'; end $$`.execute(db);
  await sql`create trigger audit_log_no_update_delete before update or delete on audit_log
      for each row execute function landlord_audit_log_append_only()`.execute(db);
  await sql`create trigger audit_log_no_truncate before truncate on audit_log
      for each statement execute function landlord_audit_log_append_only()`.execute(db);
}

/** Tenant API tokens: only a sha256 of each token is kept; the token itself is shown once. */
async function apiTokens(db: Kysely<unknown>, d: Dialect): Promise<void> {
  await db.schema
    .createTable("api_tokens")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_name", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("token_sha256", "text", (c) => c.notNull().unique())
    .addColumn("created_at", d.time, (c) => c.notNull())
    .addColumn("revoked_at", d.time)
    .execute();
  await db.schema.createIndex("api_tokens_tenant_name").on("api_tokens").column("tenant_name").execute();
}

/**
 * The cluster and shared CPU of each tenant's placement as columns, so free capacity is
 * summed in SQL per cluster instead of reading and parsing every tenant (onboarding time
 * stays flat as the fleet grows). The JSON placement stays the full record.
 */
async function placementColumns(db: Kysely<unknown>, d: Dialect): Promise<void> {
  await db.schema.alterTable("tenants").addColumn("placement_cluster", "text").execute();
  await db.schema.alterTable("tenants").addColumn("shared_cpu_millis", d.backend === "postgres" ? "bigint" : "integer").execute();
  const rows = await sql<{ name: string; placement: string | null }>`select name, placement from tenants where placement is not null`.execute(db);
  for (const row of rows.rows) {
    const p = JSON.parse(row.placement ?? "null") as { cluster?: unknown; sharedCpuMillis?: unknown } | null;
    if (typeof p?.cluster !== "string") continue;
    const cpu = typeof p.sharedCpuMillis === "string" && /^\d+$/.test(p.sharedCpuMillis) ? p.sharedCpuMillis : "0";
    await sql`update tenants set placement_cluster = ${p.cluster}, shared_cpu_millis = ${cpu} where name = ${row.name}`.execute(db);
  }
  await db.schema.createIndex("tenants_phase_cluster").on("tenants").columns(["phase", "placement_cluster"]).execute();
}

/**
 * Claims made before this migration count from the moment it runs, not from their
 * tenant's creation: a customer still publishing its record gets the full period after the
 * upgrade instead of losing the name to the next claimant at once.
 */
async function domainClaimTimes(db: Kysely<unknown>, d: Dialect): Promise<void> {
  await db.schema.alterTable("tenant_domains").addColumn("claimed_at", d.time, (c) => c.notNull().defaultTo(new Date().toISOString())).execute();
  await db.schema.alterTable("tenant_domains").addColumn("expired_at", d.time).execute();
}

export function migrations(backend: Backend): Record<string, Migration> {
  const d = dialectOf(backend);
  return {
    "0001_initial": { up: (db: Kysely<unknown>) => initial(db, d) },
    "0002_api_tokens": { up: (db: Kysely<unknown>) => apiTokens(db, d) },
    "0010_invoices": { up: (db: Kysely<unknown>) => createInvoiceTables(db, backend) },
    "0014_tenant_placement_columns": { up: (db: Kysely<unknown>) => placementColumns(db, d) },
    // Releases and progressive rollouts (docs/adr/0012).
    "0015_releases_and_rollouts": {
      up: async (db: Kysely<unknown>) => {
        await createReleaseTables(db, backend);
        await createRolloutTables(db, backend);
      },
    },
    // Custom domains held until a DNS TXT challenge proves the tenant controls them (docs/adr/0017).
    "0016_domain_challenges": { up: (db: Kysely<unknown>) => createDomainChallengeTable(db, backend) },
    // Named leases of `landlord serve` replicas: the holder of "workers" runs the workflow
    // runner and the reconcile loop (src/server/leader.ts, docs/adr/0018).
    "0018_server_leases": {
      up: async (db: Kysely<unknown>) => {
        await db.schema
          .createTable("server_leases")
          .addColumn("name", "text", (c) => c.primaryKey())
          .addColumn("owner", "text", (c) => c.notNull())
          .addColumn("expires_at", d.time, (c) => c.notNull())
          .execute();
      },
    },
    // A name onboarded again gets new cloud names and Terraform state (docs/adr/0017).
    "0019_tenant_incarnations": { up: async (db: Kysely<unknown>) => db.schema.alterTable("tenants").addColumn("incarnation", "text").execute() },
    // Browser sessions shared by every `serve` replica, and OIDC logins between the redirect
    // to the identity provider and its callback (src/server/session-store.ts, docs/adr/0018).
    "0020_server_sessions": {
      up: async (db: Kysely<unknown>) => {
        await db.schema
          .createTable("server_sessions")
          .addColumn("key", "text", (c) => c.primaryKey())
          .addColumn("principal", "text", (c) => c.notNull())
          .addColumn("csrf_hash", "text", (c) => c.notNull())
          .addColumn("expires_at", d.time, (c) => c.notNull())
          .addColumn("created_at", d.time, (c) => c.notNull())
          .execute();
        await db.schema.createIndex("server_sessions_expires_at").on("server_sessions").column("expires_at").execute();
        await db.schema
          .createTable("server_oidc_logins")
          .addColumn("key", "text", (c) => c.primaryKey())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("nonce", "text", (c) => c.notNull())
          .addColumn("code_verifier", "text", (c) => c.notNull())
          .addColumn("expires_at", d.time, (c) => c.notNull())
          .execute();
      },
    },
    // Shared CPU per cluster as a running total kept by triggers (src/store/capacity-totals.ts).
    "0021_cluster_capacity_totals": { up: (db: Kysely<unknown>) => createCapacityTotals(db, backend) },
    // Terraform's outputs per tenant incarnation, for every later render (src/store/cloud-outputs-repo.ts).
    "0022_cloud_outputs": { up: (db: Kysely<unknown>) => createCloudOutputsTable(db, backend) },
    // When each domain was claimed, so an unproven custom domain's claim can lapse (src/store/domain-claims.ts).
    "0023_domain_claim_expiry": { up: (db: Kysely<unknown>) => domainClaimTimes(db, d) },
    // Cloud resources an offboarding kept, per incarnation, and their purge (src/store/cloud-retention-repo.ts).
    // The DDL is written here, not in the repo, so editing the repo cannot change a past migration.
    "0024_cloud_retention": {
      up: async (db: Kysely<unknown>) => {
        await db.schema
          .createTable("cloud_retention")
          .addColumn("tenant_name", "text", (c) => c.notNull().references("tenants.name").onDelete("cascade"))
          .addColumn("incarnation", "text", (c) => c.notNull())
          .addColumn("variables", "text", (c) => c.notNull())
          .addColumn("purge_after", d.time, (c) => c.notNull())
          .addColumn("recorded_at", d.time, (c) => c.notNull())
          .addColumn("purged_at", d.time)
          .addColumn("last_error", "text")
          .addColumn("attempted_at", d.time)
          .addPrimaryKeyConstraint("cloud_retention_pk", ["tenant_name", "incarnation"])
          .execute();
        await db.schema.createIndex("cloud_retention_due").on("cloud_retention").columns(["purged_at", "purge_after"]).execute();
      },
    },
    // What customers are to be told, per channel, until it is sent (src/store/notices-repo.ts, docs/adr/0036).
    "0025_notices": {
      up: async (db: Kysely<unknown>) => {
        await db.schema
          .createTable("notices")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("dedupe_key", "text", (c) => c.notNull())
          .addColumn("tenant_name", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("channel", "text", (c) => c.notNull())
          .addColumn("recipient", "text", (c) => c.notNull())
          .addColumn("subject", "text", (c) => c.notNull())
          .addColumn("body", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("attempts", "integer", (c) => c.notNull())
          .addColumn("next_attempt_at", d.time, (c) => c.notNull())
          .addColumn("last_error", "text")
          .addColumn("created_at", d.time, (c) => c.notNull())
          .addColumn("sent_at", d.time)
          .addUniqueConstraint("notices_dedupe", ["tenant_name", "dedupe_key", "channel"])
          .execute();
        await db.schema.createIndex("notices_due").on("notices").columns(["state", "next_attempt_at"]).execute();
        await db.schema.createIndex("notices_tenant").on("notices").columns(["tenant_name", "created_at"]).execute();
      },
    },
  };
}

export class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly backend: Backend) {}
  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(migrations(this.backend));
  }
}
