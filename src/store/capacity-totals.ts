/**
 * Shared CPU placed per cluster, kept as a running total by database triggers on `tenants`
 * (issue 12: onboarding time stays flat as the fleet grows). Summing the tenants at every
 * placement is linear in the fleet (about 6 ms at 5,000 tenants on SQLite, twice per
 * onboarding); the total is one row per cluster.
 *
 * Triggers, not application code, keep it: every write to a tenant's phase or placement
 * goes through them, including ones made by hand or by a later migration, and they run in
 * the writer's transaction, so the total can never disagree with the rows it sums.
 *
 * A tenant holds capacity while it is placed and not leaving: every phase but Offboarding
 * and Offboarded. A phase added later therefore holds capacity until it is listed here.
 * The PostgreSQL trigger leaves the total untouched when a write does not change what the
 * tenant holds (Ready to Updating and back), so phase changes of tenants on one cluster do
 * not queue behind each other on its row.
 */
import { sql, type Kysely } from "kysely";
import type { Backend, Database } from "./schema.js";

/** Phases in which a placed tenant no longer holds capacity. */
export const RELEASING_PHASES = ["Offboarding", "Offboarded"] as const;

export interface CapacityTotalsTable {
  cluster: string;
  shared_cpu_millis: string | number | bigint;
  /** Tenants holding capacity on the cluster: a row at 0 is a cluster nobody holds. */
  tenants: number;
}

export interface PlacedCapacity {
  readonly cluster: string;
  readonly sharedCpuMillis: bigint;
}

const RELEASING_SQL = RELEASING_PHASES.map((p) => `'${p}'`).join(", ");

function sqliteTriggers(): string[] {
  const holdsNew = `NEW.placement_cluster IS NOT NULL AND NEW.phase NOT IN (${RELEASING_SQL})`;
  const add = `INSERT INTO cluster_capacity (cluster, shared_cpu_millis, tenants)
      SELECT NEW.placement_cluster, COALESCE(NEW.shared_cpu_millis, 0), 1 WHERE ${holdsNew}
      ON CONFLICT (cluster) DO UPDATE SET shared_cpu_millis = shared_cpu_millis + excluded.shared_cpu_millis, tenants = tenants + 1;`;
  const remove = `UPDATE cluster_capacity SET shared_cpu_millis = shared_cpu_millis - COALESCE(OLD.shared_cpu_millis, 0), tenants = tenants - 1
      WHERE cluster = OLD.placement_cluster AND OLD.phase NOT IN (${RELEASING_SQL});`;
  const changed = `OLD.placement_cluster IS NOT NEW.placement_cluster
      OR COALESCE(OLD.shared_cpu_millis, 0) <> COALESCE(NEW.shared_cpu_millis, 0)
      OR (OLD.phase IN (${RELEASING_SQL})) <> (NEW.phase IN (${RELEASING_SQL}))`;
  return [
    `CREATE TRIGGER tenants_capacity_insert AFTER INSERT ON tenants BEGIN ${add} END`,
    `CREATE TRIGGER tenants_capacity_delete AFTER DELETE ON tenants BEGIN ${remove} END`,
    `CREATE TRIGGER tenants_capacity_update AFTER UPDATE OF phase, placement_cluster, shared_cpu_millis ON tenants WHEN ${changed} BEGIN ${remove} ${add} END`,
  ];
}

function postgresTriggers(): string[] {
  return [
    `CREATE FUNCTION landlord_cluster_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_holds boolean := TG_OP <> 'INSERT' AND OLD.placement_cluster IS NOT NULL AND OLD.phase NOT IN (${RELEASING_SQL});
  new_holds boolean := TG_OP <> 'DELETE' AND NEW.placement_cluster IS NOT NULL AND NEW.phase NOT IN (${RELEASING_SQL});
BEGIN
  IF TG_OP = 'UPDATE' AND old_holds = new_holds AND OLD.placement_cluster IS NOT DISTINCT FROM NEW.placement_cluster
     AND COALESCE(OLD.shared_cpu_millis, 0) = COALESCE(NEW.shared_cpu_millis, 0) THEN
    RETURN NULL;
  END IF;
  IF old_holds THEN
    UPDATE cluster_capacity SET shared_cpu_millis = shared_cpu_millis - COALESCE(OLD.shared_cpu_millis, 0), tenants = tenants - 1
      WHERE cluster = OLD.placement_cluster;
  END IF;
  IF new_holds THEN
    INSERT INTO cluster_capacity AS c (cluster, shared_cpu_millis, tenants) VALUES (NEW.placement_cluster, COALESCE(NEW.shared_cpu_millis, 0), 1)
      ON CONFLICT (cluster) DO UPDATE SET shared_cpu_millis = c.shared_cpu_millis + excluded.shared_cpu_millis, tenants = c.tenants + 1;
  END IF;
  RETURN NULL;
END $$`,
    `CREATE TRIGGER tenants_capacity AFTER INSERT OR DELETE OR UPDATE OF phase, placement_cluster, shared_cpu_millis ON tenants
      FOR EACH ROW EXECUTE FUNCTION landlord_cluster_capacity()`,
  ];
}

/** Migration: the totals table, its triggers, and the totals of the tenants already placed. */
export async function createCapacityTotals(db: Kysely<unknown>, backend: Backend): Promise<void> {
  await db.schema
    .createTable("cluster_capacity")
    .addColumn("cluster", "text", (c) => c.primaryKey())
    .addColumn("shared_cpu_millis", backend === "postgres" ? "bigint" : "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("tenants", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  for (const statement of backend === "postgres" ? postgresTriggers() : sqliteTriggers()) await sql.raw(statement).execute(db);
  await sql
    .raw(
      `INSERT INTO cluster_capacity (cluster, shared_cpu_millis, tenants)
       SELECT placement_cluster, COALESCE(SUM(shared_cpu_millis), 0), COUNT(*) FROM tenants
       WHERE placement_cluster IS NOT NULL AND phase NOT IN (${RELEASING_SQL}) GROUP BY placement_cluster`,
    )
    .execute(db);
}

/**
 * Shared CPU held per cluster, sorted by cluster; `except` leaves one tenant's own share
 * out (its re-placement). Reads one row per cluster and, with `except`, one tenant.
 */
export async function placedCapacity(db: Kysely<Database>, except?: string): Promise<PlacedCapacity[]> {
  const rows = await db
    .withTables<{ cluster_capacity: CapacityTotalsTable }>()
    .selectFrom("cluster_capacity").select(["cluster", "shared_cpu_millis", "tenants"]).where("tenants", ">", 0).orderBy("cluster").execute();
  const own =
    except === undefined ? undefined : await db.selectFrom("tenants").select(["phase", "placement_cluster", "shared_cpu_millis"]).where("name", "=", except).executeTakeFirst();
  const ownCluster = own && own.placement_cluster !== null && !(RELEASING_PHASES as readonly string[]).includes(own.phase) ? own.placement_cluster : undefined;
  const result: PlacedCapacity[] = [];
  for (const r of rows) {
    let cpu = BigInt(String(r.shared_cpu_millis));
    let tenants = r.tenants;
    if (r.cluster === ownCluster) {
      cpu -= BigInt(String(own?.shared_cpu_millis ?? 0));
      tenants -= 1;
    }
    if (tenants > 0) result.push({ cluster: r.cluster, sharedCpuMillis: cpu });
  }
  return result;
}
