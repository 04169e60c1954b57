/**
 * Rollouts, their per-tenant targets and their event log (the wave log). The runner's
 * writes are fenced by the lease of the rollout's workflow run: a runner that lost its
 * lease (and so its right to drive the rollout) has its writes refused and stops.
 * One active rollout per app is held by a unique partial index, not only by a check.
 */
import { sql, type Kysely } from "kysely";
import { ConflictError, NotFoundError } from "../errors.js";
// From src/spec, below the store: the rollout domain above it moves between these states, the store only keeps them.
import type { RolloutState, TargetState, Requested } from "../spec/rollout-states.js";
import { holdsLease } from "./lease.js";
import type { Tenant } from "../spec/tenant-schema.js";
import { canonicalJson, parseJson, parseJsonOrNull } from "./json.js";
import { parseSpecColumnOrNull } from "./stored-documents.js";
import type { Backend, Database, IsoTime, JsonText } from "./schema.js";
import { fromIso, fromIsoOrNull, toIso } from "./time.js";
import { isUniqueViolation } from "./unique-violation.js";

export interface RolloutsTable {
  id: string;
  app: string;
  release_version: string;
  state: RolloutState;
  requested: string | null;
  reason: string | null;
  /** The rollout settings in force (landlord.yaml `rollout` when it started). */
  settings: JsonText;
  /** Tenants skipped at planning (pinned, already on the release), with why. */
  skipped: JsonText;
  workflow_id: string | null;
  actor: string;
  created_at: IsoTime;
  updated_at: IsoTime;
  finished_at: IsoTime | null;
}

export interface RolloutTargetsTable {
  rollout_id: string;
  tenant: string;
  wave: number;
  wave_name: string;
  position: number;
  state: TargetState;
  /** The stored spec before the change: what a rollback restores. */
  previous_spec: JsonText | null;
  changed_seq: number | null;
  reason: string | null;
  /** Gate verdicts, readiness, timings. */
  detail: JsonText | null;
  updated_at: IsoTime;
}

export interface RolloutEventsTable {
  id: number;
  rollout_id: string;
  at: IsoTime;
  wave: string | null;
  tenant: string | null;
  message: string;
}

export type RolloutTables = { rollouts: RolloutsTable; rollout_targets: RolloutTargetsTable; rollout_events: RolloutEventsTable };
type RolloutDb = Kysely<Database & RolloutTables>;

export interface RolloutRecord {
  readonly id: string;
  readonly app: string;
  readonly releaseVersion: string;
  readonly state: RolloutState;
  readonly requested: Requested;
  readonly reason: string | null;
  readonly settings: unknown;
  readonly skipped: readonly { readonly tenant: string; readonly reason: string }[];
  readonly workflowId: string | null;
  readonly actor: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly finishedAt: Date | null;
}

export interface TargetRecord {
  readonly rolloutId: string;
  readonly tenant: string;
  readonly wave: number;
  readonly waveName: string;
  readonly position: number;
  readonly state: TargetState;
  /** The spec before the rollout changed it; null until then. */
  readonly previousSpec: Tenant | null;
  readonly changedSeq: number | null;
  readonly reason: string | null;
  readonly detail: unknown;
  readonly updatedAt: Date;
}

export interface RolloutEvent {
  readonly id: number;
  readonly at: Date;
  readonly wave: string | null;
  readonly tenant: string | null;
  readonly message: string;
}

/** The lease a runner holds: its writes go through only while it still does. */
export interface Fence {
  readonly workflowId: string;
  readonly owner: string;
}

export interface CreateRollout {
  readonly id: string;
  readonly app: string;
  readonly releaseVersion: string;
  readonly settings: unknown;
  readonly skipped: readonly { tenant: string; reason: string }[];
  readonly actor: string;
  readonly targets: readonly { tenant: string; wave: number; waveName: string; position: number }[];
  readonly now: Date;
}

export interface TargetUpdate {
  readonly state: TargetState;
  readonly previousSpec?: unknown;
  /** Takes the next change sequence number of the rollout. */
  readonly markChanged?: boolean;
  readonly reason?: string | null;
  readonly detail?: unknown;
  /** Wave-log lines written in the same transaction. */
  readonly events?: readonly { readonly wave: string | null; readonly tenant: string | null; readonly message: string }[];
}

export interface RolloutsRepo {
  /** ConflictError when the app already has an active rollout. */
  create(c: CreateRollout): Promise<RolloutRecord>;
  get(id: string): Promise<RolloutRecord | undefined>;
  require(id: string): Promise<RolloutRecord>;
  /** Newest first. */
  list(app?: string): Promise<RolloutRecord[]>;
  active(app: string): Promise<RolloutRecord | undefined>;
  targets(id: string): Promise<TargetRecord[]>;
  events(id: string, afterId?: number): Promise<RolloutEvent[]>;
  /** Control changes (commands); `expect` guards against a concurrent change. */
  setControl(id: string, expect: { state: RolloutState; requested: Requested }, next: { state: RolloutState; requested: Requested; reason?: string | null }, now: Date): Promise<boolean>;
  setWorkflow(id: string, workflowId: string, now: Date): Promise<void>;
  /** Runner writes, fenced. Return false when the runner no longer holds the lease. */
  updateTarget(fence: Fence, id: string, tenant: string, u: TargetUpdate, now: Date, alsoWithin?: (db: Kysely<Database>) => Promise<unknown>): Promise<boolean>;
  setState(fence: Fence, id: string, state: RolloutState, reason: string | null, now: Date, requested?: Requested): Promise<boolean>;
  log(fence: Fence | undefined, id: string, e: { wave?: string | null; tenant?: string | null; message: string }, now: Date): Promise<boolean>;
  /** Retry: targets not on the release go back to pending. */
  resetTargets(id: string, tenants: readonly string[], now: Date): Promise<void>;
  /** Resume after a pause for a person: failed tenants are watched and gated again (their change stays recorded). */
  reverify(id: string, tenants: readonly string[], now: Date): Promise<void>;
}

export const ACTIVE_ROLLOUT_STATES = ["Running", "Paused", "RollingBack"] as const;

export async function createRolloutTables(db: Kysely<unknown>, backend: Backend): Promise<void> {
  const time = backend === "postgres" ? sql`text collate "C"` : sql`text`;
  await db.schema
    .createTable("rollouts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("app", "text", (c) => c.notNull())
    .addColumn("release_version", "text", (c) => c.notNull().references("releases.version"))
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("requested", "text")
    .addColumn("reason", "text")
    .addColumn("settings", "text", (c) => c.notNull())
    .addColumn("skipped", "text", (c) => c.notNull())
    .addColumn("workflow_id", "text")
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("created_at", time, (c) => c.notNull())
    .addColumn("updated_at", time, (c) => c.notNull())
    .addColumn("finished_at", time)
    .execute();
  await sql`create unique index rollouts_one_active on rollouts (app) where state in ('Running', 'Paused', 'RollingBack')`.execute(db);
  await db.schema.createIndex("rollouts_app_created").on("rollouts").columns(["app", "created_at"]).execute();
  await db.schema
    .createTable("rollout_targets")
    .addColumn("rollout_id", "text", (c) => c.notNull().references("rollouts.id").onDelete("cascade"))
    .addColumn("tenant", "text", (c) => c.notNull())
    .addColumn("wave", "integer", (c) => c.notNull())
    .addColumn("wave_name", "text", (c) => c.notNull())
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("previous_spec", "text")
    .addColumn("changed_seq", "integer")
    .addColumn("reason", "text")
    .addColumn("detail", "text")
    .addColumn("updated_at", time, (c) => c.notNull())
    .addPrimaryKeyConstraint("rollout_targets_pk", ["rollout_id", "tenant"])
    .execute();
  await db.schema
    .createTable("rollout_events")
    .addColumn("id", "integer", (c) => (backend === "postgres" ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn("rollout_id", "text", (c) => c.notNull().references("rollouts.id").onDelete("cascade"))
    .addColumn("at", time, (c) => c.notNull())
    .addColumn("wave", "text")
    .addColumn("tenant", "text")
    .addColumn("message", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("rollout_events_rollout").on("rollout_events").columns(["rollout_id", "id"]).execute();
}

function toRollout(row: RolloutsTable): RolloutRecord {
  return {
    id: row.id,
    app: row.app,
    releaseVersion: row.release_version,
    state: row.state,
    requested: (row.requested ?? null) as Requested,
    reason: row.reason,
    settings: parseJson(row.settings),
    skipped: parseJson(row.skipped) as RolloutRecord["skipped"],
    workflowId: row.workflow_id,
    actor: row.actor,
    createdAt: fromIso(row.created_at),
    updatedAt: fromIso(row.updated_at),
    finishedAt: fromIsoOrNull(row.finished_at),
  };
}

function toTarget(row: RolloutTargetsTable): TargetRecord {
  return {
    rolloutId: row.rollout_id,
    tenant: row.tenant,
    wave: row.wave,
    waveName: row.wave_name,
    position: row.position,
    state: row.state,
    previousSpec: parseSpecColumnOrNull(row.previous_spec, { table: "rollout_targets", column: "previous_spec", tenant: row.tenant, row: `rollout ${row.rollout_id}` }),
    changedSeq: row.changed_seq,
    reason: row.reason,
    detail: parseJsonOrNull(row.detail),
    updatedAt: fromIso(row.updated_at),
  };
}

const FINAL_STATES: readonly RolloutState[] = ["Succeeded", "RolledBack", "Failed", "Aborted"];

/** `backend` matters for the runner's fenced writes only (see fenced). */
export function rolloutsRepo(base: Kysely<Database>, backend: Backend = "sqlite"): RolloutsRepo {
  const db: RolloutDb = base.withTables<RolloutTables>();

  function tx<T>(fn: (q: RolloutDb) => Promise<T>): Promise<T> {
    return db.isTransaction ? fn(db) : db.transaction().execute(fn);
  }
  /**
   * Runs `write` only while the fence's owner holds the lease of the run. On PostgreSQL the
   * lease row is read FOR SHARE: a takeover (an UPDATE of that row) waits until this write
   * commits, yet the runner's parallel tenants do not queue behind each other as they would
   * behind the exclusive lock of holdsLease. SQLite transactions hold the write lock anyway.
   */
  function fenced(fence: Fence, write: (q: RolloutDb) => Promise<void>): Promise<boolean> {
    return tx(async (q) => {
      const holds =
        backend === "postgres"
          ? (await q.selectFrom("workflows").select("id").where("id", "=", fence.workflowId).where("lease_owner", "=", fence.owner).forShare().executeTakeFirst()) !== undefined
          : await holdsLease(q as unknown as Kysely<Database>, fence.workflowId, fence.owner);
      if (!holds) return false;
      await write(q);
      return true;
    });
  }
  const find = async (q: RolloutDb, id: string) => {
    const row = await q.selectFrom("rollouts").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toRollout(row) : undefined;
  };
  const appendEvent = (q: RolloutDb, id: string, e: { wave?: string | null; tenant?: string | null; message: string }, now: Date) =>
    q.insertInto("rollout_events").values({ rollout_id: id, at: toIso(now), wave: e.wave ?? null, tenant: e.tenant ?? null, message: e.message } as RolloutEventsTable).execute();

  return {
    async create(c) {
      const now = toIso(c.now);
      try {
        return await tx(async (q) => {
          const active = await q.selectFrom("rollouts").select(["id", "release_version"]).where("app", "=", c.app).where("state", "in", ACTIVE_ROLLOUT_STATES).executeTakeFirst();
          if (active) throw new ConflictError(`rollout ${active.id} of ${active.release_version} is still active; one rollout per app at a time: wait for it, or pause/abort it`);
          await q
            .insertInto("rollouts")
            .values({
              id: c.id,
              app: c.app,
              release_version: c.releaseVersion,
              state: "Running",
              requested: null,
              reason: null,
              settings: canonicalJson(c.settings),
              skipped: canonicalJson(c.skipped),
              workflow_id: null,
              actor: c.actor,
              created_at: now,
              updated_at: now,
              finished_at: null,
            })
            .execute();
          // Chunks keep PostgreSQL under its bind-parameter limit with thousands of tenants.
          for (let i = 0; i < c.targets.length; i += 500) {
            await q
              .insertInto("rollout_targets")
              .values(c.targets.slice(i, i + 500).map((t) => ({ rollout_id: c.id, tenant: t.tenant, wave: t.wave, wave_name: t.waveName, position: t.position, state: "pending" as const, previous_spec: null, changed_seq: null, reason: null, detail: null, updated_at: now })))
              .execute();
          }
          await appendEvent(q, c.id, { message: `rollout of ${c.releaseVersion} planned: ${String(c.targets.length)} tenants, ${String(c.skipped.length)} skipped` }, c.now);
          const created = await find(q, c.id);
          if (!created) throw new Error("rollout vanished inside its own transaction");
          return created;
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError(`app ${c.app} already has an active rollout; one rollout per app at a time`);
        throw err;
      }
    },
    get: (id) => find(db, id),
    async require(id) {
      const r = await find(db, id);
      if (!r) throw new NotFoundError(`rollout ${id} does not exist (landlord rollout history lists them)`);
      return r;
    },
    async list(app) {
      let q = db.selectFrom("rollouts").selectAll().orderBy("created_at", "desc").orderBy("id", "desc");
      if (app !== undefined) q = q.where("app", "=", app);
      return (await q.execute()).map(toRollout);
    },
    async active(app) {
      const row = await db.selectFrom("rollouts").selectAll().where("app", "=", app).where("state", "in", ACTIVE_ROLLOUT_STATES).executeTakeFirst();
      return row ? toRollout(row) : undefined;
    },
    async targets(id) {
      const rows = await db.selectFrom("rollout_targets").selectAll().where("rollout_id", "=", id).orderBy("wave").orderBy("position").execute();
      return rows.map(toTarget);
    },
    async events(id, afterId = 0) {
      const rows = await db.selectFrom("rollout_events").selectAll().where("rollout_id", "=", id).where("id", ">", afterId).orderBy("id").execute();
      return rows.map((r) => ({ id: r.id, at: fromIso(r.at), wave: r.wave, tenant: r.tenant, message: r.message }));
    },
    async setControl(id, expect, next, now) {
      try {
        return await tx(async (q) => {
          let u = q
            .updateTable("rollouts")
            .set({ state: next.state, requested: next.requested, updated_at: toIso(now), ...(next.reason !== undefined ? { reason: next.reason } : {}), finished_at: FINAL_STATES.includes(next.state) ? toIso(now) : null })
            .where("id", "=", id)
            .where("state", "=", expect.state);
          u = expect.requested === null ? u.where("requested", "is", null) : u.where("requested", "=", expect.requested);
          const done = await u.executeTakeFirst();
          if (done.numUpdatedRows !== 1n) return false;
          await appendEvent(q, id, { message: `${expect.state}${expect.requested ? ` (${expect.requested} requested)` : ""} -> ${next.state}${next.requested ? ` (${next.requested} requested)` : ""}${next.reason ? `: ${next.reason}` : ""}` }, now);
          return true;
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new ConflictError("another rollout of this app is active; one rollout per app at a time");
        throw err;
      }
    },
    async setWorkflow(id, workflowId, now) {
      await db.updateTable("rollouts").set({ workflow_id: workflowId, updated_at: toIso(now) }).where("id", "=", id).execute();
    },
    updateTarget(fence, id, tenant, u, now, alsoWithin) {
      return fenced(fence, async (q) => {
        // E.g. the tenant's spec change: recorded together with the previous spec, or not at all.
        if (alsoWithin) await alsoWithin(q as unknown as Kysely<Database>);
        for (const e of u.events ?? []) await appendEvent(q, id, e, now);
        let seq: number | undefined;
        if (u.markChanged === true) {
          const row = await q.selectFrom("rollout_targets").select((eb) => eb.fn.max("changed_seq").as("m")).where("rollout_id", "=", id).executeTakeFirst();
          seq = (row?.m ?? 0) + 1;
        }
        await q
          .updateTable("rollout_targets")
          .set({
            state: u.state,
            updated_at: toIso(now),
            ...(u.previousSpec !== undefined ? { previous_spec: canonicalJson(u.previousSpec) } : {}),
            ...(seq !== undefined ? { changed_seq: seq } : {}),
            ...(u.reason !== undefined ? { reason: u.reason } : {}),
            ...(u.detail !== undefined ? { detail: canonicalJson(u.detail) } : {}),
          })
          .where("rollout_id", "=", id)
          .where("tenant", "=", tenant)
          .execute();
      });
    },
    setState(fence, id, state, reason, now, requested) {
      return fenced(fence, async (q) => {
        await q
          .updateTable("rollouts")
          .set({ state, reason, updated_at: toIso(now), finished_at: FINAL_STATES.includes(state) ? toIso(now) : null, ...(requested !== undefined ? { requested } : {}) })
          .where("id", "=", id)
          .execute();
        await appendEvent(q, id, { message: `rollout ${state}${reason ? `: ${reason}` : ""}` }, now);
      });
    },
    log(fence, id, e, now) {
      if (!fence) return tx(async (q) => {
        await appendEvent(q, id, e, now);
        return true;
      });
      return fenced(fence, (q) => appendEvent(q, id, e, now).then(() => undefined));
    },
    async resetTargets(id, tenants, now) {
      for (let i = 0; i < tenants.length; i += 500) {
        await db
          .updateTable("rollout_targets")
          .set({ state: "pending", reason: null, detail: null, previous_spec: null, changed_seq: null, updated_at: toIso(now) })
          .where("rollout_id", "=", id)
          .where("tenant", "in", tenants.slice(i, i + 500))
          .execute();
      }
    },
    async reverify(id, tenants, now) {
      for (let i = 0; i < tenants.length; i += 500) {
        await db
          .updateTable("rollout_targets")
          .set({ state: "verifying", reason: null, updated_at: toIso(now) })
          .where("rollout_id", "=", id)
          .where("tenant", "in", tenants.slice(i, i + 500))
          .execute();
      }
    },
  };
}
