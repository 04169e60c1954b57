/**
 * Tenants and the domains they claim. A tenant name and its domains are reserved in one
 * transaction; of two racing reservers exactly one wins and the other gets a
 * ConflictError naming what was taken. Inserts use ON CONFLICT DO NOTHING followed by a
 * read, rather than catching the unique violation, because on PostgreSQL a violation
 * aborts the transaction (and a caller's enclosing one) before we could say who holds it.
 */
import { randomBytes } from "node:crypto";
import { sql, type Kysely, type Selectable } from "kysely";
import { ConflictError, NotFoundError } from "../errors.js";
import type { PlacementRecord } from "../spec/placement-record.js";
import type { Tenant } from "../spec/tenant-schema.js";
import type { ClaimPolicy } from "../spec/custom-domains.js";
import { placedCapacity, type PlacedCapacity } from "./capacity-totals.js";
import { claimConflict, readClaims, releaseLapsed } from "./domain-claims.js";
import { canonicalJson } from "./json.js";
import type { Backend, Database, TenantPhase, TenantsTable } from "./schema.js";
import { fromIso, fromIsoOrNull, toIso } from "./time.js";
import { parsePlacementColumn, parseSpecColumn } from "./stored-documents.js";
import { inTransaction } from "./transaction.js";

export interface TenantRecord {
  readonly name: string;
  /** Parsed once, here; see stored-documents.ts for how far it is checked. */
  readonly spec: Tenant;
  /** Starts at 1, +1 on every spec change; never reused for a name, even after re-reservation. */
  readonly generation: number;
  readonly phase: TenantPhase;
  /** Null until the tenant is placed. */
  readonly placement: PlacementRecord | null;
  /** Sorted; lower-cased. */
  readonly domains: readonly string[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly offboardedAt: Date | null;
  readonly retainUntil: Date | null;
  /**
   * Which life of the name: null for the first, a fresh id each time the name is onboarded
   * again. Cloud resource names and the Terraform state key derive from it, so a new customer
   * never inherits an earlier one's vault, backups or state.
   */
  readonly incarnation: string | null;
}

export interface ReserveTenant {
  readonly name: string;
  readonly spec: unknown;
  readonly domains: readonly string[];
  readonly now: Date;
  /**
   * Onboarding a name again while its previous life is still retained (backups and cloud
   * resources kept until retainUntil) is refused unless this is set: the new tenant then
   * gets its own cloud resources beside the retained ones.
   */
  readonly reuseRetained?: boolean;
  /** The id for a re-onboarded name; default: a fresh random one. */
  readonly newIncarnation?: string;
  /** See UpdateTenantSpec.claims. */
  readonly claims?: ClaimPolicy;
}

export interface UpdateTenantSpec {
  readonly name: string;
  readonly spec: unknown;
  /** The full new set of domains; domains no longer listed are freed. */
  readonly domains: readonly string[];
  readonly now: Date;
  /** Optimistic concurrency: refuse (ConflictError) unless the stored generation is this. */
  readonly expectedGeneration?: number;
  /**
   * landlord.yaml's rule for unproven custom domains (domain-claims.ts). With it, another
   * tenant's lapsed claim gives way, and a refusal says when a pending one lapses. Without
   * it (callers that never add domains, tests) every claim holds.
   */
  readonly claims?: ClaimPolicy;
}

/** The submit path writes a whole PlacementRecord; a cluster name is what reading it back requires. */
export type PlacementWrite = Pick<PlacementRecord, "cluster"> & Partial<PlacementRecord>;

export interface TenantsRepo {
  /** Claims the name and domains (phase Pending, or back to Pending for an Offboarded name). */
  reserve(r: ReserveTenant): Promise<TenantRecord>;
  get(name: string): Promise<TenantRecord | undefined>;
  /** Like get, but a missing tenant is a NotFoundError. */
  require(name: string): Promise<TenantRecord>;
  list(filter?: { readonly phases?: readonly TenantPhase[] }): Promise<TenantRecord[]>;
  /**
   * Stores a new spec; bumps the generation only when the canonical spec text changed.
   * Domains come from the spec, so with an unchanged spec they are left as they are.
   */
  updateSpec(u: UpdateTenantSpec): Promise<{ readonly tenant: TenantRecord; readonly changed: boolean }>;
  /** Moves to `phase`; with `from`, only from one of those phases (else ConflictError). */
  setPhase(name: string, phase: TenantPhase, now: Date, from?: readonly TenantPhase[]): Promise<TenantRecord>;
  setPlacement(name: string, placement: PlacementWrite | null, now: Date): Promise<TenantRecord>;
  /** Ends offboarding (only from Offboarding; again is a no-op): frees the domains, marks Offboarded. The name can then be reserved again. */
  release(name: string, opts: { readonly now: Date; readonly retainUntil?: Date | null }): Promise<TenantRecord>;
  /**
   * CPU held on the shared pools per cluster, by every placed tenant not leaving (all but
   * `except`): a running total kept by triggers (capacity-totals.ts), so placement reads one
   * row per cluster however large the fleet.
   */
  placedCapacity(except?: string): Promise<PlacedCapacity[]>;
  /** Which tenant holds a domain, if any. */
  domainOwner(domain: string): Promise<string | undefined>;
  /**
   * Call first inside a transaction that reads free capacity and records a placement: it
   * waits for, and holds until the transaction ends, the right to place tenants, so two
   * submissions cannot both take the last room on a cluster. PostgreSQL: a transaction-scoped
   * advisory lock; SQLite: nothing to do, its transactions hold the write lock from BEGIN.
   */
  lockPlacement(): Promise<void>;
}

const OFFBOARD_PHASES: readonly TenantPhase[] = ["Offboarding", "Offboarded"];

export function normalizeDomains(domains: readonly string[]): string[] {
  return [...new Set(domains.map((d) => d.trim().toLowerCase()))].sort();
}

export function tenantsRepo(db: Kysely<Database>, backend: Backend): TenantsRepo {
  async function find(q: Kysely<Database>, name: string): Promise<TenantRecord | undefined> {
    const row = await q.selectFrom("tenants").selectAll().where("name", "=", name).executeTakeFirst();
    if (!row) return undefined;
    return tenantRecordFromRow(row, await domainsOf(q, name));
  }

  async function mustFind(q: Kysely<Database>, name: string): Promise<TenantRecord> {
    const t = await find(q, name);
    if (!t) throw new NotFoundError(`tenant '${name}' does not exist`);
    return t;
  }

  /**
   * Inserts the domains this tenant lacks (claimed at `now`; those it holds keep their claim
   * time); throws ConflictError if any belongs to another tenant whose claim still holds.
   */
  async function claimDomains(q: Kysely<Database>, name: string, domains: readonly string[], now: Date, claims: ClaimPolicy | undefined): Promise<void> {
    if (domains.length === 0) return;
    // Sorted insert order: two transactions never wait on each other's domains in a cycle.
    const insert = () =>
      q
        .insertInto("tenant_domains")
        .values(domains.map((domain) => ({ domain, tenant_name: name, claimed_at: toIso(now) })))
        .onConflict((oc) => oc.column("domain").doNothing())
        .execute();
    const heldByOthers = () =>
      q.selectFrom("tenant_domains").select(["domain", "tenant_name"]).where("domain", "in", domains).where("tenant_name", "<>", name).orderBy("domain").execute();
    await insert();
    const taken = await heldByOthers();
    if (taken.length === 0) return;
    if (!claims) throw claimConflict(taken.map((t) => ({ domain: t.domain, tenantName: t.tenant_name })));
    const judged = (await readClaims(q, { domains: taken.map((t) => t.domain) }, claims, now)).filter((c) => c.tenantName !== name);
    const lapsed = judged.filter((c) => c.status === "Expired");
    if (lapsed.length > 0) {
      await releaseLapsed(q, lapsed, name, now);
      await insert();
    }
    // Read again: a racing claimant may have taken a released name first, and then it holds.
    const still = lapsed.length === 0 ? judged : (await readClaims(q, { domains: taken.map((t) => t.domain) }, claims, now)).filter((c) => c.tenantName !== name);
    if (still.length > 0) throw claimConflict(still);
  }

  return {
    async reserve(r) {
      const domains = normalizeDomains(r.domains);
      const now = toIso(r.now);
      const spec = canonicalJson(r.spec);
      return inTransaction(db, async (q) => {
        const previous = await q.selectFrom("tenants").select(["phase", "retain_until"]).where("name", "=", r.name).executeTakeFirst();
        if (previous?.phase === "Offboarded" && previous.retain_until !== null && previous.retain_until > now && r.reuseRetained !== true) {
          throw new ConflictError(
            `tenant name '${r.name}' is retained until ${previous.retain_until}: the previous customer's backups and cloud resources are kept until then; choose another name, wait, or onboard with --reuse-retained-name (a new tenant beside the retained resources, with its own cloud names)`,
          );
        }
        if (previous?.phase === "Offboarded") {
          // Proofs of the previous customer's domains prove nothing for the next one.
          await sql`delete from domain_challenges where tenant_name = ${r.name}`.execute(q);
        }
        const revived = await q
          .updateTable("tenants")
          .set((eb) => ({
            incarnation: r.newIncarnation ?? randomBytes(8).readBigUInt64BE(0).toString(36).padStart(13, "0").slice(-10),
            spec,
            generation: eb("generation", "+", 1),
            phase: "Pending",
            placement: null,
            placement_cluster: null,
            shared_cpu_millis: null,
            created_at: now,
            updated_at: now,
            offboarded_at: null,
            retain_until: null,
          }))
          .where("name", "=", r.name)
          .where("phase", "=", "Offboarded")
          .returning("name")
          .executeTakeFirst();
        if (!revived) {
          const inserted = await q
            .insertInto("tenants")
            .values({ name: r.name, spec, generation: 1, phase: "Pending", placement: null, created_at: now, updated_at: now })
            .onConflict((oc) => oc.column("name").doNothing())
            .returning("name")
            .executeTakeFirst();
          if (!inserted) {
            const holder = await q.selectFrom("tenants").select("phase").where("name", "=", r.name).executeTakeFirst();
            throw new ConflictError(
              `tenant name '${r.name}' is already taken${holder ? ` (tenant is ${holder.phase})` : ""}`,
            );
          }
        }
        await claimDomains(q, r.name, domains, r.now, r.claims);
        return mustFind(q, r.name);
      });
    },

    get: (name) => find(db, name),
    require: (name) => mustFind(db, name),

    async list(filter) {
      let query = db.selectFrom("tenants").selectAll().orderBy("name");
      if (filter?.phases) {
        if (filter.phases.length === 0) return [];
        query = query.where("phase", "in", filter.phases);
      }
      let domainQuery = db
        .selectFrom("tenant_domains")
        .innerJoin("tenants", "tenants.name", "tenant_domains.tenant_name")
        .select(["tenant_domains.domain", "tenant_domains.tenant_name"])
        .orderBy("tenant_domains.domain");
      if (filter?.phases) domainQuery = domainQuery.where("tenants.phase", "in", filter.phases);
      const rows = await query.execute();
      const domains = groupDomains(await domainQuery.execute());
      return rows.map((r) => tenantRecordFromRow(r, domains));
    },

    async updateSpec(u) {
      const domains = normalizeDomains(u.domains);
      const spec = canonicalJson(u.spec);
      return inTransaction(db, async (q) => {
        let update = q
          .updateTable("tenants")
          .set((eb) => ({ spec, generation: eb("generation", "+", 1), updated_at: toIso(u.now) }))
          .where("name", "=", u.name)
          .where("phase", "not in", OFFBOARD_PHASES)
          .where("spec", "<>", spec);
        if (u.expectedGeneration !== undefined) update = update.where("generation", "=", u.expectedGeneration);
        const updated = await update.returning("name").executeTakeFirst();
        if (!updated) {
          // Nothing written: find out why, in the order a caller would want to hear it.
          const current = await mustFind(q, u.name);
          if (OFFBOARD_PHASES.includes(current.phase)) {
            throw new ConflictError(`tenant '${u.name}' is ${current.phase}; its spec can no longer change`);
          }
          if (u.expectedGeneration !== undefined && current.generation !== u.expectedGeneration) {
            throw new ConflictError(
              `tenant '${u.name}' is at generation ${current.generation}, not ${u.expectedGeneration}: it changed meanwhile; reload and retry`,
            );
          }
          return { tenant: current, changed: false };
        }
        let release = q.deleteFrom("tenant_domains").where("tenant_name", "=", u.name);
        if (domains.length > 0) release = release.where("domain", "not in", domains);
        await release.execute();
        await claimDomains(q, u.name, domains, u.now, u.claims);
        return { tenant: await mustFind(q, u.name), changed: true };
      });
    },

    async setPhase(name, phase, now, from) {
      return inTransaction(db, async (q) => {
        let update = q.updateTable("tenants").set({ phase, updated_at: toIso(now) }).where("name", "=", name);
        if (from) {
          if (from.length === 0) throw new ConflictError(`tenant '${name}' cannot move to ${phase} from no phase`);
          update = update.where("phase", "in", from);
        }
        const done = await update.returning("name").executeTakeFirst();
        const current = await mustFind(q, name);
        if (!done) {
          throw new ConflictError(
            `tenant '${name}' is ${current.phase}; it can move to ${phase} only from ${(from ?? []).join(" or ")}`,
          );
        }
        return current;
      });
    },

    async setPlacement(name, placement, now) {
      const cluster = placement?.cluster ?? null;
      const cpu = placement?.sharedCpuMillis !== undefined && /^\d+$/.test(placement.sharedCpuMillis) ? placement.sharedCpuMillis : "0";
      return inTransaction(db, async (q) => {
        await q
          .updateTable("tenants")
          .set({
            placement: placement === null ? null : canonicalJson(placement),
            placement_cluster: cluster,
            shared_cpu_millis: cluster === null ? null : cpu,
            updated_at: toIso(now),
          })
          .where("name", "=", name)
          .execute();
        return mustFind(q, name);
      });
    },

    async release(name, opts) {
      const now = toIso(opts.now);
      return inTransaction(db, async (q) => {
        const done = await q
          .updateTable("tenants")
          .set({
            phase: "Offboarded",
            updated_at: now,
            offboarded_at: now,
            retain_until: opts.retainUntil ? toIso(opts.retainUntil) : null,
          })
          .where("name", "=", name)
          .where("phase", "=", "Offboarding")
          .returning("name")
          .executeTakeFirst();
        // Releasing twice is a no-op: offboarding workflows retry their last step.
        if (done) await q.deleteFrom("tenant_domains").where("tenant_name", "=", name).execute();
        const current = await mustFind(q, name);
        if (!done && current.phase !== "Offboarded") {
          throw new ConflictError(`tenant '${name}' is ${current.phase}; only an Offboarding tenant is released`);
        }
        return current;
      });
    },

    placedCapacity(except) {
      return placedCapacity(db, except);
    },

    async domainOwner(domain) {
      const row = await db
        .selectFrom("tenant_domains")
        .select("tenant_name")
        .where("domain", "=", domain.trim().toLowerCase())
        .executeTakeFirst();
      return row?.tenant_name;
    },

    async lockPlacement() {
      if (backend === "postgres") await sql`select pg_advisory_xact_lock(hashtext('landlord.placement'))`.execute(db);
    },
  };
}

async function domainsOf(q: Kysely<Database>, name: string): Promise<Map<string, string[]>> {
  const rows = await q
    .selectFrom("tenant_domains")
    .select(["domain", "tenant_name"])
    .where("tenant_name", "=", name)
    .orderBy("domain")
    .execute();
  return groupDomains(rows);
}

function groupDomains(rows: readonly { domain: string; tenant_name: string }[]): Map<string, string[]> {
  const byTenant = new Map<string, string[]>();
  for (const r of rows) {
    const list = byTenant.get(r.tenant_name) ?? [];
    list.push(r.domain);
    byTenant.set(r.tenant_name, list);
  }
  return byTenant;
}

/**
 * A tenants row (with its domains, by tenant name) as a record: the one place its JSON
 * columns are parsed. Exported for queries that select tenants rows themselves (paged API lists).
 */
export function tenantRecordFromRow(row: Selectable<TenantsTable>, domains: ReadonlyMap<string, readonly string[]>): TenantRecord {
  return {
    name: row.name,
    spec: parseSpecColumn(row.spec, { table: "tenants", column: "spec", tenant: row.name }),
    generation: row.generation,
    phase: row.phase,
    placement: parsePlacementColumn(row.placement, { table: "tenants", column: "placement", tenant: row.name }),
    domains: domains.get(row.name) ?? [],
    createdAt: fromIso(row.created_at),
    updatedAt: fromIso(row.updated_at),
    offboardedAt: fromIsoOrNull(row.offboarded_at),
    retainUntil: fromIsoOrNull(row.retain_until),
    incarnation: row.incarnation,
  };
}
