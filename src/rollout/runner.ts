/**
 * Drives one rollout from the state in the store: wave by wave, each tenant changed,
 * delivered, watched until its Deployment rolled out, then held against the wave's health
 * gates for the bake time. A failed gate halts the rollout and applies the failure policy.
 * Every step is recorded before it is taken, so a runner killed anywhere is resumed by the
 * next one where it stopped: a tenant whose change was recorded is re-applied (a no-op on
 * the cluster when the first apply landed) and watched and baked again, never trusted on a
 * health reading taken before the crash.
 */
import { canonicalJson } from "../store/json.js";
import type { Kysely } from "kysely";
import type { Store } from "../store/index.js";
import type { Database } from "../store/schema.js";
import { tenantsRepo } from "../store/tenants-repo.js";
import { releasesRepo, type ReleaseRecord } from "../store/releases-repo.js";
import { rolloutsRepo, type Fence, type RolloutRecord, type RolloutsRepo, type TargetRecord, type TargetUpdate } from "../store/rollouts-repo.js";
import type { PlatformContext } from "../spec/platform.js";
import type { Tenant } from "../spec/tenant-schema.js";
import { timeZoneProblem } from "../spec/time-zones.js";
import { rolloutSchema, type GateConfig, type RolloutConfig } from "../spec/rollout-config-schema.js";
import { bakeSchedule, gatesOfWave, judge, type GateVerdict } from "./gates.js";
import { prometheusProbe, type GateProbe } from "./adapters/prometheus-gates.js";
import { gatePrometheus } from "./prometheus-config.js";
import type { TargetDelivery } from "./adapters/target-delivery.js";
import { specWithRelease } from "./release.js";
import { renderTenant } from "./render-tenant.js";
import { currentWave, rollbackOrder } from "./state.js";
import type { RolloutState } from "../spec/rollout-states.js";
import { windowState, type MaintenanceWindow } from "./window.js";
import type { RolloutNotices } from "../notices/queue.js";

export interface RolloutEventLine {
  readonly at: Date;
  readonly wave: string | null;
  readonly tenant: string | null;
  readonly message: string;
}

export interface RunnerDeps {
  readonly store: Store;
  readonly platform: PlatformContext;
  readonly target: TargetDelivery;
  /** Where gate readings come from; default: the Prometheus of the rollout's settings. */
  readonly probe?: GateProbe;
  readonly now?: () => Date;
  /** Live lines for the CLI (the same lines go to the store's event log). */
  readonly onEvent?: (e: RolloutEventLine) => void;
  /** How often a running wave looks for pause/abort requests. */
  readonly controlPollMs?: number;
  /** Where the customers' notices go (before a tenant is changed, after, on rollback); none: nobody is told. */
  readonly notices?: RolloutNotices;
}


/** The runner's lease went to someone else: stop without writing anything more. */
export class RunnerFenced extends Error {
  override readonly name = "RunnerFenced";
  constructor() {
    super("this runner no longer holds the rollout's lease; another runner continues it");
  }
}

type Outcome = "done" | "failed" | "skipped" | "halted";
type Halt = { readonly why: "gate"; readonly reason: string } | { readonly why: "abort" } | { readonly why: "pause" };

const FINAL: readonly RolloutState[] = ["Succeeded", "RolledBack", "Failed", "Aborted"];
const OPEN = ["pending", "waiting-window", "applying", "verifying"];

function abortable(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error("stopped"));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error("stopped"));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Read through a call: a signal flips while we await, which narrowing cannot see. */
function aborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function rolloutSettings(rollout: RolloutRecord): RolloutConfig {
  return rolloutSchema.parse(rollout.settings);
}

function maintenanceWindowOf(spec: Tenant): MaintenanceWindow | undefined {
  return spec.spec.maintenanceWindow;
}

export async function driveRollout(deps: RunnerDeps, rolloutId: string, fence: Fence, signal: AbortSignal): Promise<RolloutState> {
  const repo = rolloutsRepo(deps.store.db, deps.store.backend);
  const now = deps.now ?? (() => new Date());
  const rollout = await repo.require(rolloutId);
  if (FINAL.includes(rollout.state) || rollout.state === "Paused") return rollout.state;
  const release = await releasesRepo(deps.store.db).require(rollout.releaseVersion);
  const settings = rolloutSettings(rollout);
  const prom = deps.probe ? undefined : gatePrometheus(deps.platform, settings);
  const probe = deps.probe ?? (prom ? prometheusProbe(prom) : undefined);
  const run = new Run({ ...deps, ...(probe ? { probe } : {}) }, repo, rollout, settings, release, fence, signal, now);
  return run.drive();
}

class Run {
  private waveNames: string[] = [];

  constructor(
    private readonly deps: RunnerDeps,
    private readonly repo: RolloutsRepo,
    private readonly rollout: RolloutRecord,
    private readonly settings: RolloutConfig,
    private readonly release: ReleaseRecord,
    private readonly fence: Fence,
    private readonly signal: AbortSignal,
    private readonly now: () => Date,
  ) {
    this.waveNames = settings.waves.map((w) => w.name);
  }

  private get id(): string {
    return this.rollout.id;
  }

  private async log(wave: number | null, tenant: string | null, text: string): Promise<void> {
    const w = wave === null ? null : (this.waveNames[wave] ?? String(wave));
    const at = this.now();
    if (!(await this.repo.log(this.fence, this.id, { wave: w, tenant, message: text }, at))) throw new RunnerFenced();
    this.deps.onEvent?.({ at, wave: w, tenant, message: text });
  }

  private async setTarget(tenant: string, u: TargetUpdate, alsoWithin?: (db: Kysely<Database>) => Promise<unknown>): Promise<void> {
    const at = this.now();
    if (!(await this.repo.updateTarget(this.fence, this.id, tenant, u, at, alsoWithin))) throw new RunnerFenced();
    for (const e of u.events ?? []) this.deps.onEvent?.({ at, ...e });
  }

  /** A wave-log line that goes with a target's state change (one transaction for both). */
  private line(wave: number, tenant: string, message: string): { wave: string; tenant: string; message: string } {
    return { wave: this.waveNames[wave] ?? String(wave), tenant, message };
  }

  private async setState(state: RolloutState, reason: string | null, requested?: "pause" | "abort" | null): Promise<RolloutState> {
    if (!(await this.repo.setState(this.fence, this.id, state, reason, this.now(), requested))) throw new RunnerFenced();
    this.deps.onEvent?.({ at: this.now(), wave: null, tenant: null, message: `rollout ${state}${reason ? `: ${reason}` : ""}` });
    return state;
  }

  async drive(): Promise<RolloutState> {
    const r = await this.repo.require(this.id);
    if (r.state === "RollingBack") return this.rollBack(r.reason ?? "rollback resumed", r.requested === "abort" ? "abort" : this.settings.onFailure);
    if (r.requested === "abort") {
      await this.setState("RollingBack", "aborted on request", "abort");
      return this.rollBack("aborted on request", "abort");
    }
    const failedBefore = (await this.repo.targets(this.id)).find((t) => t.state === "failed");
    // A failure recorded by a runner that died before acting on it is acted on now.
    if (failedBefore) return this.onFailure(failedBefore.reason ?? `tenant ${failedBefore.tenant} failed`);
    for (;;) {
      const targets = await this.repo.targets(this.id);
      const wave = currentWave(targets);
      if (wave === undefined) break;
      const control = await this.repo.require(this.id);
      if (control.requested === "pause") return this.setState("Paused", "paused on request", null);
      if (control.requested === "abort") {
        await this.setState("RollingBack", "aborted on request", "abort");
        return this.rollBack("aborted on request", "abort");
      }
      const halt = await this.runWave(wave, targets.filter((t) => t.wave === wave && OPEN.includes(t.state)));
      if (halt?.why === "gate") return this.onFailure(halt.reason);
      if (halt?.why === "pause") return this.setState("Paused", "paused on request", null);
      if (halt?.why === "abort") {
        await this.setState("RollingBack", "aborted on request", "abort");
        return this.rollBack("aborted on request", "abort");
      }
    }
    const all = await this.repo.targets(this.id);
    const done = all.filter((t) => t.state === "done").length;
    const skipped = all.filter((t) => t.state === "skipped").length;
    return this.setState("Succeeded", `${String(done)} tenants on ${this.release.version}${skipped > 0 ? `, ${String(skipped)} skipped` : ""}`);
  }

  /** One wave, at most maxParallel tenants at a time; stops launching on a failure or a request. */
  private async runWave(wave: number, targets: readonly TargetRecord[]): Promise<Halt | undefined> {
    const cfg = this.settings.waves[wave];
    const parallel = cfg?.maxParallel ?? this.settings.maxParallel;
    const started = Date.now();
    const pendingCount = targets.length;
    await this.log(wave, null, `wave ${this.waveNames[wave] ?? ""} started: ${String(pendingCount)} tenants (${targets.map((t) => t.tenant).join(", ")}), ${String(parallel)} at a time`);
    const halt = new AbortController();
    let reason: Halt | undefined;
    let pauseAfterInflight = false;
    const stop = (h: Halt) => {
      if (reason?.why === "gate" || reason?.why === "abort") return;
      reason = h;
      if (h.why !== "pause") halt.abort(new Error(h.why === "gate" ? h.reason : "aborted on request"));
    };
    const onOuter = () => {
      halt.abort(this.signal.reason instanceof Error ? this.signal.reason : new Error("interrupted"));
    };
    this.signal.addEventListener("abort", onOuter, { once: true });
    // Pause and abort requests are read from the store while tenants bake.
    const poll = setInterval(() => {
      void this.repo.get(this.id).then((r) => {
        if (r?.requested === "abort") stop({ why: "abort" });
        if (r?.requested === "pause") {
          pauseAfterInflight = true;
          stop({ why: "pause" });
        }
      }, () => undefined);
    }, this.deps.controlPollMs ?? 1000);
    poll.unref();
    const queue = [...targets];
    const worker = async () => {
      for (;;) {
        if (halt.signal.aborted || pauseAfterInflight) return;
        const t = queue.shift();
        if (!t) return;
        const out = await this.changeTenant(wave, t, halt.signal);
        if (out === "failed") {
          const latest = (await this.repo.targets(this.id)).find((x) => x.tenant === t.tenant);
          stop({ why: "gate", reason: latest?.reason ?? `tenant ${t.tenant} failed` });
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(parallel, Math.max(1, queue.length)) }, worker));
    } finally {
      clearInterval(poll);
      this.signal.removeEventListener("abort", onOuter);
    }
    if (this.signal.aborted) throw this.signal.reason instanceof Error ? this.signal.reason : new Error("interrupted");
    if (reason) return reason;
    await this.log(wave, null, `wave ${this.waveNames[wave] ?? ""} healthy: ${String(pendingCount)} tenants in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return undefined;
  }

  /**
   * Queues one notice for the tenant and pushes it out before the runner goes on, so a
   * customer hears of a change before it is made. Never fails the rollout: a notice that
   * could not go now stays queued and the courier retries it.
   */
  private async notify(spec: Tenant, kind: "rollout-starting" | "rollout-finished" | "rollout-cancelled" | "rollout-rolled-back", wave: number, extra: { reason?: string; previousVersion?: string | undefined }): Promise<void> {
    const n = this.deps.notices;
    if (!n) return;
    const window = this.settings.maintenance.honour ? maintenanceWindowOf(spec) : undefined;
    const stage = kind.slice("rollout-".length);
    try {
      await n.queue(spec, {
        kind,
        dedupeKey: `rollout:${this.id}:${spec.metadata.name}:${stage}`,
        values: {
          version: this.release.version,
          wave: this.waveNames[wave],
          ...(window ? { window: `${window.days.join(", ")} ${window.start} ${window.timezone}, ${String(window.durationMinutes)} min` } : {}),
          ...extra,
        },
      });
      await n.flush();
    } catch (err) {
      await this.log(wave, spec.metadata.name, `notice ${kind} not queued: ${message(err)}`);
    }
  }

  private async notifyDone(tenant: string, wave: number): Promise<void> {
    if (!this.deps.notices) return;
    const record = await this.deps.store.tenants.get(tenant);
    if (record) await this.notify(record.spec, "rollout-finished", wave, {});
  }

  private gatesFor(wave: number): GateConfig[] {
    return gatesOfWave(this.settings.gates, this.settings.waves[wave]?.gates);
  }

  private namespaceOf(tenant: string): string {
    return `${this.deps.platform.config.platform.namespacePrefix}${tenant}`;
  }

  /** Reads every gate once at `at`; all verdicts. */
  private async readGates(gates: readonly GateConfig[], tenant: string, at: Date, signal: AbortSignal): Promise<GateVerdict[]> {
    const probe = this.deps.probe;
    if (!probe) return [];
    return Promise.all(gates.map(async (g) => judge(g, await probe.read(g, this.namespaceOf(tenant), at, signal), this.settings)));
  }

  /** Waits for the maintenance window; returns an outcome when the tenant must not be changed now. */
  private async awaitWindow(wave: number, t: TargetRecord, spec: Tenant, signal: AbortSignal): Promise<Outcome | undefined> {
    const m = this.settings.maintenance;
    const window = maintenanceWindowOf(spec);
    if (!m.honour || !window) return undefined;
    // A stored spec may predate the time zone rule: fail this tenant with the fix instead of
    // letting Intl throw out of the whole wave (or read 'europe/paris' that Alertmanager refuses).
    const zone = timeZoneProblem(window.timezone);
    if (zone) {
      const why = `spec.maintenanceWindow.timezone: ${zone.message} (fix: ${zone.fix})`;
      await this.setTarget(t.tenant, { state: "failed", reason: why });
      await this.log(wave, t.tenant, `failed: ${why}`);
      return "failed";
    }
    const since = (t.detail as { waitingSince?: string } | null)?.waitingSince;
    const waitingSince = since !== undefined ? new Date(since) : this.now();
    const deadline = waitingSince.getTime() + m.maxWaitMinutes * 60_000;
    for (;;) {
      const ws = windowState(window, this.now());
      if (ws.open) return undefined;
      if (ws.opensAt === undefined || ws.opensAt.getTime() > deadline) {
        const why = `maintenance window (${window.days.join(",")} ${window.start} ${window.timezone}) does not open within ${String(m.maxWaitMinutes)} min${ws.opensAt ? ` (next: ${ws.opensAt.toISOString()})` : ""}`;
        if (m.onMissed === "proceed") {
          await this.log(wave, t.tenant, `${why}; changing it anyway (maintenance.onMissed: proceed)`);
          return undefined;
        }
        if (m.onMissed === "skip") {
          await this.setTarget(t.tenant, { state: "skipped", reason: why });
          await this.log(wave, t.tenant, `skipped: ${why}`);
          return "skipped";
        }
        await this.setTarget(t.tenant, { state: "failed", reason: why });
        await this.log(wave, t.tenant, `failed: ${why}`);
        return "failed";
      }
      await this.setTarget(t.tenant, { state: "waiting-window", detail: { waitingSince: waitingSince.toISOString(), opensAt: ws.opensAt.toISOString() } });
      await this.log(wave, t.tenant, `waiting for its maintenance window, opens ${ws.opensAt.toISOString()}`);
      try {
        await abortable(ws.opensAt.getTime() - this.now().getTime(), signal);
      } catch {
        return "halted";
      }
    }
  }

  private async changeTenant(wave: number, t: TargetRecord, halt: AbortSignal): Promise<Outcome> {
    const record = await this.deps.store.tenants.get(t.tenant);
    const resumed = t.state === "applying" || t.state === "verifying";
    if (!record || (!resumed && record.phase !== "Ready")) {
      const why = record ? `tenant is ${record.phase}, not Ready` : "tenant no longer exists";
      await this.setTarget(t.tenant, { state: "skipped", reason: why });
      await this.log(wave, t.tenant, `skipped: ${why}`);
      return "skipped";
    }
    const previous = resumed ? t.previousSpec : record.spec;
    const spec = specWithRelease(previous, this.release);
    const domains = (spec as { spec?: { domains?: string[] } }).spec?.domains ?? record.domains;
    const writeSpec = (db: Kysely<Database>) => tenantsRepo(db, this.deps.store.backend).updateSpec({ name: t.tenant, spec, domains, now: this.now() });
    if (!resumed) {
      await this.notify(record.spec, "rollout-starting", wave, {});
      const waited = await this.awaitWindow(wave, t, record.spec, halt);
      if (waited === "skipped" || waited === "failed") {
        // Announced, then never made: the customer hears that too, with why.
        const reason = (await this.repo.targets(this.id)).find((x) => x.tenant === t.tenant)?.reason ?? undefined;
        // A stored spec that no longer renders (the reason it failed) still gets its notice, without the version.
        const running = await renderTenant(this.deps.platform, this.deps.store, record, record.spec).then((r) => r.version, () => undefined);
        await this.notify(record.spec, "rollout-cancelled", wave, { ...(reason ? { reason } : {}), previousVersion: running });
      }
      if (waited !== undefined) return waited;
    }
    const deadline = AbortSignal.any([halt, AbortSignal.timeout(this.settings.tenantTimeoutSeconds * 1000)]);
    try {
      // The previous spec and the change are recorded in one transaction. After a restart
      // both are there already, and writing the same spec again changes nothing.
      if (!resumed) await this.setTarget(t.tenant, { state: "applying", previousSpec: record.spec, markChanged: true }, writeSpec);
      else await writeSpec(this.deps.store.db);
      const rendered = await renderTenant(this.deps.platform, this.deps.store, record, spec);
      const delivered = await this.deps.target.deliver(rendered.bundle, rendered.specYaml, rendered.wave, deadline);
      await this.log(wave, t.tenant, `${resumed ? "re-applied after a restart" : "applied"} ${rendered.image}: ${delivered.detail}`);
      const out = await this.deps.target.waitRolledOut(rendered.bundle, rendered.image, deadline);
      await this.setTarget(t.tenant, { state: "verifying", detail: { readyAt: out.readyAt.toISOString(), rollout: out.detail }, events: [this.line(wave, t.tenant, `rolled out: ${out.detail}`)] });
      return await this.bake(wave, t.tenant, out.readyAt, halt);
    } catch (err) {
      if (err instanceof RunnerFenced) throw err;
      if (halt.aborted) return "halted";
      const why = deadline.aborted ? `not rolled out within ${String(this.settings.tenantTimeoutSeconds)} s: ${message(err)}` : message(err);
      await this.setTarget(t.tenant, { state: "failed", reason: `delivery: ${why}` });
      await this.log(wave, t.tenant, `failed: ${why}`);
      return "failed";
    }
  }

  /** Holds the tenant against the wave's gates: every reading over the bake must pass. */
  private async bake(wave: number, tenant: string, readyAt: Date, halt: AbortSignal): Promise<Outcome> {
    const gates = this.gatesFor(wave);
    if (gates.length === 0 || !this.deps.probe) {
      await this.setTarget(tenant, { state: "done", detail: { readyAt: readyAt.toISOString(), gates: "none configured" } });
      await this.notifyDone(tenant, wave);
      return "done";
    }
    const bake = this.settings.waves[wave]?.bakeSeconds ?? this.settings.bakeSeconds;
    let last: GateVerdict[] = [];
    for (const at of bakeSchedule(readyAt, bake, this.settings.intervalSeconds)) {
      try {
        await abortable(at.getTime() - this.now().getTime(), halt);
      } catch {
        return "halted";
      }
      last = await this.readGates(gates, tenant, at, halt);
      if (halt.aborted) return "halted";
      const failed = last.find((v) => !v.pass);
      if (failed) {
        const why = `gate ${failed.gate} failed for ${tenant} at ${at.toISOString()}: ${failed.detail}`;
        await this.setTarget(tenant, { state: "failed", reason: why, detail: { readyAt: readyAt.toISOString(), verdicts: last }, events: [this.line(wave, tenant, why)] });
        return "failed";
      }
    }
    await this.setTarget(tenant, { state: "done", detail: { readyAt: readyAt.toISOString(), verdicts: last }, events: [this.line(wave, tenant, `healthy after ${String(bake)} s bake: ${last.map((v) => `${v.gate} ${v.detail}`).join("; ")}`)] });
    await this.notifyDone(tenant, wave);
    return "done";
  }

  private async onFailure(reason: string): Promise<RolloutState> {
    const policy = this.settings.onFailure;
    if (policy === "pause") return this.setState("Paused", `halted, waiting for a person (onFailure: pause): ${reason}`, null);
    await this.setState("RollingBack", reason);
    return this.rollBack(reason, policy);
  }

  /**
   * Every chosen tenant back to its spec from before the change, last changed first; then
   * their health is read again after one bake. The reason is recorded per tenant.
   */
  private async rollBack(reason: string, policy: "abort" | "rollback-all" | "rollback-failed" | "pause"): Promise<RolloutState> {
    const targets = await this.repo.targets(this.id);
    const order = rollbackOrder(targets, policy === "rollback-failed" ? "rollback-failed" : "all");
    await this.log(null, null, `rolling back ${String(order.length)} tenants in reverse order (${order.map((t) => t.tenant).join(", ")}): ${reason}`);
    const byName = new Map(targets.map((t) => [t.tenant, t]));
    const verify: { tenant: string; wave: number; readyAt: Date; version: string }[] = [];
    let failures = 0;
    for (const view of order) {
      if (this.signal.aborted) throw this.signal.reason instanceof Error ? this.signal.reason : new Error("interrupted");
      const t = byName.get(view.tenant);
      if (!t) continue;
      await this.setTarget(t.tenant, { state: "rolling-back" });
      const deadline = AbortSignal.any([this.signal, AbortSignal.timeout(this.settings.tenantTimeoutSeconds * 1000)]);
      try {
        const record = await this.deps.store.tenants.require(t.tenant);
        const spec = t.previousSpec;
        if (spec === null) throw new Error("no previous spec was recorded");
        const domains = spec.spec.domains;
        await this.deps.store.tenants.updateSpec({ name: t.tenant, spec, domains, now: this.now() });
        const rendered = await renderTenant(this.deps.platform, this.deps.store, record, spec);
        const delivered = await this.deps.target.deliver(rendered.bundle, rendered.specYaml, rendered.wave, deadline);
        const out = await this.deps.target.waitRolledOut(rendered.bundle, rendered.image, deadline);
        await this.log(t.wave, t.tenant, `rolled back to ${rendered.image}: ${delivered.detail}; ${out.detail}`);
        verify.push({ tenant: t.tenant, wave: t.wave, readyAt: out.readyAt, version: rendered.version });
      } catch (err) {
        if (err instanceof RunnerFenced || aborted(this.signal)) throw err;
        failures++;
        await this.setTarget(t.tenant, { state: "rollback-failed", reason: `rollback failed: ${message(err)} (rollout halted because: ${reason})` });
        await this.log(t.wave, t.tenant, `rollback failed: ${message(err)}`);
      }
    }
    // One bake for all of them, from the last one back: their health is read after it.
    const lastReady = Math.max(0, ...verify.map((v) => v.readyAt.getTime()));
    const at = new Date(lastReady + this.settings.bakeSeconds * 1000);
    if (verify.length > 0 && this.deps.probe && this.settings.gates.length > 0) {
      await abortable(at.getTime() - this.now().getTime(), this.signal);
    }
    for (const v of verify) {
      const verdicts = await this.readGates(this.gatesFor(v.wave), v.tenant, at, this.signal);
      const bad = verdicts.find((x) => !x.pass);
      if (bad) {
        failures++;
        await this.setTarget(v.tenant, { state: "rollback-failed", reason: `back on the previous version but unhealthy: gate ${bad.gate}: ${bad.detail} (rollout halted because: ${reason})`, detail: { verdicts } });
        await this.log(v.wave, v.tenant, `unhealthy after rollback: ${bad.gate} ${bad.detail}`);
      } else {
        await this.setTarget(v.tenant, { state: "rolled-back", reason: `rolled back: ${reason}`, detail: { verdicts } });
        const back = byName.get(v.tenant)?.previousSpec;
        if (back) await this.notify(back, "rollout-rolled-back", v.wave, { reason, previousVersion: v.version });
        await this.log(v.wave, v.tenant, `healthy after rollback${verdicts.length > 0 ? `: ${verdicts.map((x) => `${x.gate} ${x.detail}`).join("; ")}` : ""}`);
      }
    }
    const final: RolloutState = policy === "abort" ? "Aborted" : policy === "rollback-all" && failures === 0 ? "RolledBack" : "Failed";
    return this.setState(final, failures > 0 ? `${reason}; ${String(failures)} tenants could not be rolled back healthy (see rollout status)` : reason, null);
  }
}

/** For status displays: a canonical text of a spec (tests compare specs with it). */
export function specText(spec: unknown): string {
  return canonicalJson(spec);
}
