/**
 * The background work of `landlord serve`, run by the leader replica only: the workflow
 * runner (every unfinished workflow whose lease is free, a few at a time) and the
 * reconcile loop. Shutdown lets each running workflow finish the step it is in, then stops
 * it at that step boundary; it stays resumable and the next leader continues it.
 */
import type { Runtime } from "../app/runtime.js";
import type { RolloutContext } from "../rollout/service.js";
import type { WorkflowRecord } from "../store/index.js";
import type { Clock } from "../workflows/engine/clock.js";
import type { ProgressEvent, RunResult } from "../workflows/engine/index.js";
import { runTenantWorkflow } from "../workflows/tenant/run-tenant-workflow.js";
import { LeaderLease } from "./leader.js";
import type { Metrics } from "./metrics.js";
import { reconcilePass } from "./reconcile.js";
import { purgeDue } from "../workflows/tenant/purge.js";
import { startDueDrill } from "../workflows/tenant/drills.js";
import { systemClock } from "../workflows/engine/clock.js";
import { deliverDueNotices } from "../notices/courier.js";
import { noticeTransports } from "../notices/transports.js";

export interface WorkerOptions {
  /** Leader lease TTL; renewed every third of it. */
  readonly leaseTtlMs: number;
  /** How often the leader looks for workflows to run (a local submission wakes it at once). */
  readonly pollMs: number;
  readonly concurrency: number;
  /** 0 turns the reconcile loop off. */
  readonly reconcileIntervalMs: number;
  /** How often the leader destroys offboarded tenants' cloud resources whose retention ended; 0 turns it off. */
  readonly purgeIntervalMs?: number;
  /** How often the leader looks for a tenant due a restore drill (database.backup.verifyEveryDays); 0 turns it off. */
  readonly drillIntervalMs?: number;
  /** How often the leader sends queued customer notices (and retries failed ones); 0 turns it off. */
  readonly noticesIntervalMs?: number;
  /** At shutdown, how long a step may take to finish before it is interrupted. */
  readonly graceMs: number;
  /** What the reconcile loop takes as now (claims lapse by it); the system clock unless a test sets one. */
  readonly clock?: Clock;
}

interface Run {
  /** Interrupts a step mid-way; only once the grace time has run out. */
  readonly controller: AbortController;
  /** Stops the run at its next step boundary. */
  readonly drain: AbortController;
  readonly done: Promise<void>;
}

export class Workers {
  private leader = false;
  private stopping = false;
  private readonly runs = new Map<string, Run>();
  private readonly kinds = new Map<string, string>();
  private leaseTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;
  private purging: Promise<void> | undefined;
  private drillTimer: NodeJS.Timeout | undefined;
  private drilling: Promise<void> | undefined;
  private noticesTimer: NodeJS.Timeout | undefined;
  private noticing: Promise<void> | undefined;
  private scanning = false;
  private rescan = false;
  private reconciling: Promise<void> | undefined;
  private readonly reconcileAbort = new AbortController();
  private readonly lease: LeaderLease;
  private readonly unsubscribe: () => void;
  /** Each engine whose workflows the leader runs: tenants' (settled after each run) and rollouts'. */
  private readonly sources: readonly { readonly resumable: () => Promise<WorkflowRecord[]>; readonly run: (id: string, signals: { signal: AbortSignal; drain: AbortSignal }) => Promise<RunResult> }[];

  constructor(
    private readonly rt: Runtime,
    rollouts: RolloutContext,
    private readonly metrics: Metrics,
    private readonly log: (line: string) => void,
    private readonly options: WorkerOptions,
  ) {
    this.lease = new LeaderLease(rt.store, "workers", rt.engine.owner, options.leaseTtlMs);
    const unsubscribe = [rt.engine, rollouts.engine].map((engine) =>
      engine.subscribe((e) => {
        this.onProgress(e);
      }),
    );
    this.unsubscribe = () => {
      for (const u of unsubscribe) u();
    };
    this.sources = [
      { resumable: () => rt.engine.resumable(), run: (id, signals) => runTenantWorkflow(rt.services, rt.engine, id, undefined, signals) },
      { resumable: () => rollouts.engine.resumable(), run: (id, signals) => rollouts.engine.runWorkflow(id, signals) },
    ];
    metrics.set("landlord_leader", {}, 0);
    metrics.set("landlord_workflows_running", {}, 0);
  }

  private isStopping(): boolean {
    return this.stopping;
  }

  /** Set by poke() while a scan was under way. */
  private rescanRequested(): boolean {
    return this.rescan;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  get owner(): string {
    return this.lease.owner;
  }

  start(): void {
    void this.heartbeat();
  }

  /** A workflow was submitted here: look now instead of at the next poll. */
  poke(): void {
    if (this.leader && !this.stopping) void this.scan();
  }

  private async heartbeat(): Promise<void> {
    if (this.stopping) return;
    let holds = false;
    try {
      holds = await this.lease.tryAcquire();
    } catch (err) {
      this.log(`leader lease: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (holds !== this.leader) {
      this.leader = holds;
      this.metrics.set("landlord_leader", {}, holds ? 1 : 0);
      this.log(holds ? `this replica (${this.owner}) now runs the workers` : `this replica lost the workers' lease; running workflows finish here, new ones go to the leader`);
      if (holds) {
        void this.scan();
        this.scheduleReconcile(0);
        this.schedulePurge(0);
        this.scheduleDrill(this.options.drillIntervalMs ?? 0);
        this.scheduleNotices(0);
      }
    }
    // Read through a method: the awaits above may have seen stop() begin.
    // The leader renews every third of the TTL; the others ask at least every second, so a
    // lease handed back at shutdown is taken within a second, not at the next renewal.
    const every = Math.max(50, Math.floor(this.options.leaseTtlMs / 3));
    if (!this.isStopping()) this.leaseTimer = setTimeout(() => void this.heartbeat(), this.leader ? every : Math.min(every, 1000));
    if (!this.isStopping() && this.leader && this.pollTimer === undefined) this.schedulePoll();
  }

  private schedulePoll(): void {
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      if (this.leader && !this.stopping) void this.scan().finally(() => {
        if (this.leader && !this.stopping) this.schedulePoll();
      });
    }, this.options.pollMs);
  }

  /** Starts every resumable workflow not running here yet, up to the concurrency limit. */
  private async scan(): Promise<void> {
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = true;
    try {
      do {
        this.rescan = false;
        for (const source of this.sources) {
          for (const wf of await source.resumable()) {
            if (this.stopping || !this.leader || this.runs.size >= this.options.concurrency) break;
            if (this.runs.has(wf.id)) continue;
            this.startRun(wf.id, source.run);
          }
        }
      } while (this.rescanRequested() && !this.isStopping());
    } catch (err) {
      this.log(`workflow runner: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.scanning = false;
    }
  }

  private startRun(id: string, runner: (id: string, signals: { signal: AbortSignal; drain: AbortSignal }) => Promise<RunResult>): void {
    const controller = new AbortController();
    const drain = new AbortController();
    const run: Run = {
      controller,
      drain,
      done: runner(id, { signal: controller.signal, drain: drain.signal })
        .then((r) => {
          if (r.outcome === "finished") this.metrics.inc("landlord_workflows_finished_total", { kind: r.workflow.kind, status: r.workflow.status });
        })
        .catch((err: unknown) => {
          this.log(`workflow ${id}: ${err instanceof Error ? err.message : String(err)}`);
        })
        .finally(() => {
          this.runs.delete(id);
          this.kinds.delete(id);
          this.metrics.set("landlord_workflows_running", {}, this.runs.size);
          // A slot is free: there may be more waiting.
          this.poke();
        }),
    };
    this.runs.set(id, run);
    this.metrics.set("landlord_workflows_running", {}, this.runs.size);
  }

  private onProgress(e: ProgressEvent): void {
    if (e.type === "workflow-started") this.kinds.set(e.workflowId, e.kind);
    if (e.type === "step-succeeded" || e.type === "step-failed" || e.type === "step-retrying") {
      this.metrics.inc("landlord_workflow_steps_total", { outcome: e.type.slice("step-".length) });
    }
  }

  private scheduleReconcile(delayMs: number): void {
    if (this.options.reconcileIntervalMs <= 0 || this.stopping) return;
    clearTimeout(this.reconcileTimer);
    this.reconcileTimer = setTimeout(() => {
      if (!this.leader || this.stopping) return;
      this.reconciling = this.reconcileOnce().finally(() => {
        this.reconciling = undefined;
        this.scheduleReconcile(this.options.reconcileIntervalMs);
      });
    }, delayMs);
  }

  /** One pass, with its metrics; exposed for `serve` tests and an operator's "reconcile now". */
  async reconcileOnce(): Promise<void> {
    const started = performance.now();
    try {
      const r = await reconcilePass(this.rt, this.reconcileAbort.signal, this.options.clock);
      for (const c of r.expiredClaims) {
        this.log(`reconcile: tenant ${c.tenantName}'s claim on ${c.domain} expired unproven at ${c.expiresAt?.toISOString() ?? "?"}; another tenant may claim the name`);
      }
      this.metrics.inc("landlord_domain_claims_expired_total", {}, r.expiredClaims.length);
      if (r.skipped !== undefined) {
        this.metrics.inc("landlord_reconcile_passes_total", { result: "skipped" });
        return;
      }
      this.metrics.inc("landlord_reconcile_passes_total", { result: r.failures.length > 0 ? "failed" : "ok" });
      this.metrics.inc("landlord_reconcile_drift_objects_total", {}, r.drifted);
      this.metrics.inc("landlord_reconcile_writes_total", {}, r.writes);
      for (const f of r.failures) this.log(`reconcile ${f.tenant}: ${f.error}`);
      if (r.drifted > 0) this.log(`reconcile: ${r.drifted} object(s) repaired over ${r.tenants} tenant(s), ${r.writes} writes`);
    } catch (err) {
      this.metrics.inc("landlord_reconcile_passes_total", { result: "failed" });
      this.log(`reconcile: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.metrics.set("landlord_reconcile_last_pass_duration_seconds", {}, (performance.now() - started) / 1000);
    }
  }

  private schedulePurge(delayMs: number): void {
    const every = this.options.purgeIntervalMs ?? 0;
    if (every <= 0 || this.stopping) return;
    clearTimeout(this.purgeTimer);
    this.purgeTimer = setTimeout(() => {
      if (!this.leader || this.stopping) return;
      this.purging = this.purgeOnce().finally(() => {
        this.purging = undefined;
        this.schedulePurge(every);
      });
    }, delayMs);
  }

  /** One purge pass (src/workflows/tenant/purge.ts), with its metrics and log lines. */
  async purgeOnce(): Promise<void> {
    try {
      const outcomes = await purgeDue(this.rt.services, (this.options.clock ?? systemClock).now(), this.reconcileAbort.signal);
      for (const o of outcomes) {
        this.metrics.inc("landlord_cloud_purges_total", { result: o.result });
        this.log(`purge ${o.tenant}: ${o.result}: ${o.detail}`);
      }
    } catch (err) {
      this.metrics.inc("landlord_cloud_purges_total", { result: "failed" });
      this.log(`purge: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private scheduleDrill(delayMs: number): void {
    const every = this.options.drillIntervalMs ?? 0;
    if (every <= 0 || this.stopping) return;
    clearTimeout(this.drillTimer);
    this.drillTimer = setTimeout(() => {
      if (!this.leader || this.stopping) return;
      this.drilling = this.drillOnce().finally(() => {
        this.drilling = undefined;
        this.scheduleDrill(every);
      });
    }, delayMs);
  }

  /** Starts the most overdue tenant's restore drill, if any (src/workflows/tenant/drills.ts); the runner then runs it. */
  async drillOnce(): Promise<void> {
    try {
      const o = await startDueDrill(this.rt.services, this.rt.engine, (this.options.clock ?? systemClock).now(), this.reconcileAbort.signal);
      if (o === undefined) return;
      this.metrics.inc("landlord_restore_drills_total", { result: o.result });
      if (o.result !== "running") this.log(`restore drill ${o.tenant}: ${o.result}: ${o.detail}`);
      if (o.result === "started") this.poke();
    } catch (err) {
      this.metrics.inc("landlord_restore_drills_total", { result: "failed" });
      this.log(`restore drill: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private scheduleNotices(delayMs: number): void {
    const every = this.options.noticesIntervalMs ?? 0;
    if (every <= 0 || this.stopping) return;
    clearTimeout(this.noticesTimer);
    this.noticesTimer = setTimeout(() => {
      if (!this.leader || this.stopping) return;
      this.noticing = this.noticesOnce().finally(() => {
        this.noticing = undefined;
        this.scheduleNotices(every);
      });
    }, delayMs);
  }

  /** One pass of the notices courier (src/notices/courier.ts), with its metrics. */
  async noticesOnce(): Promise<void> {
    const config = this.rt.services.platform.config.notices;
    if (!config.enabled) return;
    try {
      const { sent, failed } = await deliverDueNotices({ store: this.rt.store, config, transports: noticeTransports(config), log: this.log });
      if (sent > 0) this.metrics.inc("landlord_notices_total", { result: "sent" }, sent);
      if (failed > 0) this.metrics.inc("landlord_notices_total", { result: "failed" }, failed);
    } catch (err) {
      this.log(`notices: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Stops taking work, lets running steps finish (up to graceMs), then hands the lease back. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.leaseTimer);
    clearTimeout(this.pollTimer);
    clearTimeout(this.reconcileTimer);
    clearTimeout(this.purgeTimer);
    clearTimeout(this.drillTimer);
    clearTimeout(this.noticesTimer);
    this.reconcileAbort.abort();
    // A soft stop: a step under way is never cut (its end is always recorded); the run ends
    // at its next boundary. Only past the grace time are steps themselves interrupted.
    for (const run of this.runs.values()) run.drain.abort();
    const all = Promise.all([...this.runs.values()].map((r) => r.done));
    const grace = setTimeout(() => {
      for (const run of this.runs.values()) run.controller.abort();
    }, this.options.graceMs);
    await all;
    clearTimeout(grace);
    await this.reconciling;
    await this.purging;
    await this.drilling;
    await this.noticing;
    this.unsubscribe();
    if (this.leader) await this.lease.release().catch(() => undefined);
    this.leader = false;
    this.metrics.set("landlord_leader", {}, 0);
  }
}
