/**
 * Workflows and their steps. Reads are free; every write that records progress is fenced
 * by the lease (see lease.ts) and returns false when the caller no longer holds it, so a
 * runner that lost its lease stops instead of overwriting the new owner's progress.
 */
import type { Kysely, Selectable } from "kysely";
import { NotFoundError } from "../errors.js";
import { canonicalJson, parseJson } from "./json.js";
import { acquireLease, holdsLease, releaseLease, renewLease, takeOverLease } from "./lease.js";
import { FINISHED_WORKFLOW_STATUSES } from "./schema.js";
import type {
  Database,
  StepStatus,
  WorkflowKind,
  WorkflowStatus,
  WorkflowStepsTable,
  WorkflowsTable,
} from "./schema.js";
import { fromIso, fromIsoOrNull, toIso } from "./time.js";
import { inTransaction } from "./transaction.js";
import { conflictOnDuplicate } from "./unique-violation.js";

export interface WorkflowRecord {
  readonly id: string;
  readonly kind: WorkflowKind;
  readonly tenantName: string;
  readonly input: unknown;
  readonly status: WorkflowStatus;
  readonly error: string | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly leaseOwner: string | null;
  readonly leaseExpiresAt: Date | null;
  readonly cancelRequested: boolean;
  /** How many runs have started it (1 after the first run; more after crash recovery). */
  readonly attempt: number;
}

export interface StepRecord {
  readonly workflowId: string;
  readonly name: string;
  readonly position: number;
  readonly status: StepStatus;
  /** Attempts over the workflow's whole life, including ones cut short by a crash. */
  readonly attempts: number;
  /** The step's JSON output; undefined until it succeeded. */
  readonly output: unknown;
  readonly error: string | null;
  /** Start of the latest attempt. */
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  /** Duration of the latest finished attempt. */
  readonly durationMs: number | null;
}

export interface CreateWorkflow {
  readonly kind: WorkflowKind;
  readonly tenantName: string;
  readonly input: unknown;
  /** Step names in run order; recorded now so the plan is visible before it runs. */
  readonly steps: readonly string[];
  readonly now: Date;
}

export interface WorkflowFilter {
  readonly tenantName?: string;
  readonly statuses?: readonly WorkflowStatus[];
  readonly kinds?: readonly WorkflowKind[];
}

export interface FinishStep {
  readonly status: "Succeeded" | "Failed";
  /** JSON-serialisable; only for Succeeded. */
  readonly output?: unknown;
  readonly error?: string | null;
  readonly now: Date;
  readonly durationMs: number;
}

export interface FinishWorkflow {
  readonly status: "Succeeded" | "Failed" | "Cancelled";
  readonly error?: string | null;
  readonly now: Date;
}

export interface WorkflowsRepo {
  create(c: CreateWorkflow): Promise<WorkflowRecord>;
  get(id: string): Promise<WorkflowRecord | undefined>;
  /** Like get, but a missing workflow is a NotFoundError. */
  require(id: string): Promise<WorkflowRecord>;
  /** Oldest first. */
  list(filter?: WorkflowFilter): Promise<WorkflowRecord[]>;
  /** In run order. */
  steps(id: string): Promise<StepRecord[]>;
  /** Unfinished workflows whose lease is free or expired: what crash recovery must pick up. */
  listResumable(now: Date): Promise<WorkflowRecord[]>;
  /** Sets the cancel flag if the workflow is unfinished; returns the workflow either way. */
  requestCancel(id: string): Promise<WorkflowRecord>;

  acquireLease(id: string, owner: string, ttlMs: number, now: Date): Promise<boolean>;
  renewLease(id: string, owner: string, ttlMs: number, now: Date): Promise<boolean>;
  releaseLease(id: string, owner: string): Promise<boolean>;
  /** Takes the lease from a holder known to be dead (see engine/owner.ts), whatever its expiry. */
  takeOverLease(id: string, from: string, owner: string, ttlMs: number, now: Date): Promise<boolean>;

  /** Status Running, one more run counted. Returns the run number, or undefined without the lease. */
  markRunning(id: string, owner: string, now: Date): Promise<number | undefined>;
  /** Status Running, one more attempt counted. Returns the attempt number, or undefined without the lease. */
  startStep(id: string, owner: string, step: string, now: Date): Promise<number | undefined>;
  /** Keeps the last transient error visible while the step waits to retry. */
  noteStepError(id: string, owner: string, step: string, error: string): Promise<boolean>;
  finishStep(id: string, owner: string, step: string, f: FinishStep): Promise<boolean>;
  /** Final status; steps still Pending or Running become Skipped; the lease is released. */
  finishWorkflow(id: string, owner: string, f: FinishWorkflow): Promise<boolean>;
}

const UNFINISHED: readonly WorkflowStatus[] = ["Pending", "Running"];

export function workflowsRepo(db: Kysely<Database>, newId: () => string): WorkflowsRepo {
  async function find(q: Kysely<Database>, id: string): Promise<WorkflowRecord | undefined> {
    const row = await q.selectFrom("workflows").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toWorkflow(row) : undefined;
  }

  async function mustFind(q: Kysely<Database>, id: string): Promise<WorkflowRecord> {
    const w = await find(q, id);
    if (!w) throw new NotFoundError(`workflow '${id}' does not exist`);
    return w;
  }

  /** Runs `write` only while `owner` holds the lease; false otherwise. */
  function fenced(id: string, owner: string, write: (q: Kysely<Database>) => Promise<unknown>): Promise<boolean> {
    return inTransaction(db, async (q) => {
      if (!(await holdsLease(q, id, owner))) return false;
      await write(q);
      return true;
    });
  }

  return {
    async create(c) {
      const id = newId();
      const now = toIso(c.now);
      const input = canonicalJson(c.input);
      return conflictOnDuplicate(`workflow id '${id}' already exists`, () =>
        inTransaction(db, async (q) => {
          await q
            .insertInto("workflows")
            .values({
              id,
              kind: c.kind,
              tenant_name: c.tenantName,
              input,
              status: "Pending",
              error: null,
              created_at: now,
              cancel_requested: 0,
              attempt: 0,
            })
            .execute();
          if (c.steps.length > 0) {
            await q
              .insertInto("workflow_steps")
              .values(c.steps.map((name, position) => ({ workflow_id: id, name, position, status: "Pending" as const, attempts: 0 })))
              .execute();
          }
          return mustFind(q, id);
        }),
      );
    },

    get: (id) => find(db, id),
    require: (id) => mustFind(db, id),

    async list(filter) {
      let query = db.selectFrom("workflows").selectAll().orderBy("created_at").orderBy("id");
      if (filter?.tenantName !== undefined) query = query.where("tenant_name", "=", filter.tenantName);
      if (filter?.statuses) {
        if (filter.statuses.length === 0) return [];
        query = query.where("status", "in", filter.statuses);
      }
      if (filter?.kinds) {
        if (filter.kinds.length === 0) return [];
        query = query.where("kind", "in", filter.kinds);
      }
      return (await query.execute()).map(toWorkflow);
    },

    async steps(id) {
      const rows = await db.selectFrom("workflow_steps").selectAll().where("workflow_id", "=", id).orderBy("position").execute();
      return rows.map(toStep);
    },

    async listResumable(now) {
      const rows = await db
        .selectFrom("workflows")
        .selectAll()
        .where("status", "in", UNFINISHED)
        .where((eb) => eb.or([eb("lease_owner", "is", null), eb("lease_expires_at", "<=", toIso(now))]))
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(toWorkflow);
    },

    async requestCancel(id) {
      return inTransaction(db, async (q) => {
        await q.updateTable("workflows").set({ cancel_requested: 1 }).where("id", "=", id).where("status", "in", UNFINISHED).execute();
        return mustFind(q, id);
      });
    },

    acquireLease: (id, owner, ttlMs, now) => acquireLease(db, id, owner, ttlMs, now),
    renewLease: (id, owner, ttlMs, now) => renewLease(db, id, owner, ttlMs, now),
    releaseLease: (id, owner) => releaseLease(db, id, owner),
    takeOverLease: (id, from, owner, ttlMs, now) => takeOverLease(db, id, from, owner, ttlMs, now),

    async markRunning(id, owner, now) {
      const row = await db
        .updateTable("workflows")
        .set((eb) => ({
          status: "Running",
          started_at: eb.fn.coalesce("started_at", eb.val(toIso(now))),
          attempt: eb("attempt", "+", 1),
        }))
        .where("id", "=", id)
        .where("lease_owner", "=", owner)
        .where("status", "in", UNFINISHED)
        .returning("attempt")
        .executeTakeFirst();
      return row?.attempt;
    },

    async startStep(id, owner, step, now) {
      let attempts: number | undefined;
      await fenced(id, owner, async (q) => {
        const row = await q
          .updateTable("workflow_steps")
          .set((eb) => ({
            status: "Running",
            attempts: eb("attempts", "+", 1),
            error: null,
            started_at: toIso(now),
            finished_at: null,
            duration_ms: null,
          }))
          .where("workflow_id", "=", id)
          .where("name", "=", step)
          .returning("attempts")
          .executeTakeFirst();
        attempts = row?.attempts;
      });
      return attempts;
    },

    noteStepError: (id, owner, step, error) =>
      fenced(id, owner, (q) =>
        q.updateTable("workflow_steps").set({ error }).where("workflow_id", "=", id).where("name", "=", step).execute(),
      ),

    finishStep: (id, owner, step, f) =>
      fenced(id, owner, (q) =>
        q
          .updateTable("workflow_steps")
          .set({
            status: f.status,
            output: f.status === "Succeeded" ? canonicalJson(f.output ?? null) : null,
            error: f.error ?? null,
            finished_at: toIso(f.now),
            duration_ms: f.durationMs,
          })
          .where("workflow_id", "=", id)
          .where("name", "=", step)
          .execute(),
      ),

    finishWorkflow: (id, owner, f) =>
      inTransaction(db, async (q) => {
        const done = await q
          .updateTable("workflows")
          .set({ status: f.status, error: f.error ?? null, finished_at: toIso(f.now), lease_owner: null, lease_expires_at: null })
          .where("id", "=", id)
          .where("lease_owner", "=", owner)
          .executeTakeFirst();
        if (done.numUpdatedRows !== 1n) return false;
        await q
          .updateTable("workflow_steps")
          .set({ status: "Skipped" })
          .where("workflow_id", "=", id)
          .where("status", "in", ["Pending", "Running"])
          .execute();
        return true;
      }),
  };
}

export function isFinished(status: WorkflowStatus): boolean {
  return FINISHED_WORKFLOW_STATUSES.includes(status);
}

function toWorkflow(row: Selectable<WorkflowsTable>): WorkflowRecord {
  return {
    id: row.id,
    kind: row.kind,
    tenantName: row.tenant_name,
    input: parseJson(row.input),
    status: row.status,
    error: row.error,
    createdAt: fromIso(row.created_at),
    startedAt: fromIsoOrNull(row.started_at),
    finishedAt: fromIsoOrNull(row.finished_at),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: fromIsoOrNull(row.lease_expires_at),
    cancelRequested: row.cancel_requested !== 0,
    attempt: row.attempt,
  };
}

function toStep(row: Selectable<WorkflowStepsTable>): StepRecord {
  return {
    workflowId: row.workflow_id,
    name: row.name,
    position: row.position,
    status: row.status,
    attempts: row.attempts,
    output: row.output === null ? undefined : parseJson(row.output),
    error: row.error,
    startedAt: fromIsoOrNull(row.started_at),
    finishedAt: fromIsoOrNull(row.finished_at),
    durationMs: row.duration_ms,
  };
}
