/**
 * What the CLI (and an API) do with releases and rollouts: plan and start, run, and the
 * control commands. Each command changes the rollout record in one guarded update, so two
 * operators cannot both move it; where work remains and nobody runs it, the caller gets a
 * run to drive.
 */
import { randomBytes } from "node:crypto";
import { InputError, NotFoundError } from "../errors.js";
import { gatePrometheus } from "./prometheus-config.js";
import type { PlatformContext } from "../spec/platform.js";
import { canonicalJson } from "../store/json.js";
import type { Store } from "../store/index.js";
import { releasesRepo, type ReleaseRecord } from "../store/releases-repo.js";
import { rolloutsRepo, type RolloutRecord } from "../store/rollouts-repo.js";
import { ownerIsDead, type WorkflowEngine } from "../workflows/engine/index.js";
import { isFinished } from "../store/workflows-repo.js";
import type { RolloutConfig } from "../spec/rollout-config-schema.js";
import { planWaves, type Candidate, type Plan } from "./plan.js";
import { releaseSchema, specWithRelease, type ReleaseInput } from "./release.js";
import { applyCommand, isActive, retryReset, type Command } from "./state.js";

export async function createRelease(store: Store, input: unknown, actor: string, now: Date): Promise<ReleaseRecord> {
  const parsed = releaseSchema.safeParse(input);
  if (!parsed.success) {
    throw new InputError(parsed.error.issues.map((i) => {
      const [message, fix] = i.message.split(" || ");
      return { path: i.path.join("."), message: message ?? i.message, fix: fix ?? "see landlord release create --help" };
    }));
  }
  return releasesRepo(store.db).create({ ...parsed.data, createdBy: actor, now });
}

export interface PlannedRollout {
  readonly plan: Plan;
  readonly release: ReleaseRecord;
}

export async function planRollout(store: Store, platform: PlatformContext, settings: RolloutConfig, version: string): Promise<PlannedRollout> {
  const release = await releasesRepo(store.db).require(version);
  const all = await store.tenants.list();
  const extraSkipped: { tenant: string; reason: string }[] = [];
  const candidates: Candidate[] = [];
  for (const t of all) {
    if (t.phase === "Offboarded" || t.phase === "Offboarding") continue;
    if (t.phase !== "Ready") {
      extraSkipped.push({ tenant: t.name, reason: `phase ${t.phase}, not Ready` });
      continue;
    }
    const s = t.spec;
    const next = specWithRelease(s, releaseInputOf(release));
    candidates.push({
      name: t.name,
      tier: s.spec.tier,
      labels: s.metadata.labels,
      ...(s.spec.rollout?.ring !== undefined ? { ring: s.spec.rollout.ring } : {}),
      pinned: s.spec.rollout?.pinned === true,
      upToDate: canonicalJson(next) === canonicalJson(s),
      cluster: t.placement?.cluster ?? "",
    });
  }
  const plan = planWaves(candidates, settings.waves, Object.keys(platform.config.tiers));
  return { release, plan: { waves: plan.waves, skipped: [...plan.skipped, ...extraSkipped] } };
}

export function releaseInputOf(r: ReleaseRecord): ReleaseInput {
  return { version: r.version, ...(r.image !== undefined ? { image: r.image } : {}), ...(r.config ? { config: r.config } : {}) };
}

function newRolloutId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `ro-${stamp}-${randomBytes(2).toString("hex")}`;
}

export interface RolloutContext {
  readonly store: Store;
  readonly platform: PlatformContext;
  readonly engine: WorkflowEngine;
}

export async function startRollout(ctx: RolloutContext, version: string, settings: RolloutConfig, actor: string, now: Date): Promise<{ rollout: RolloutRecord; plan: Plan }> {
  gatePrometheus(ctx.platform, settings);
  const { plan } = await planRollout(ctx.store, ctx.platform, settings, version);
  const targets = plan.waves.flatMap((w, wave) => w.tenants.map((tenant, position) => ({ tenant, wave, waveName: w.name, position })));
  const rollout = await rolloutsRepo(ctx.store.db).create({
    id: newRolloutId(now),
    app: ctx.platform.config.platform.name,
    releaseVersion: version,
    settings,
    skipped: plan.skipped,
    actor,
    targets,
    now,
  });
  await ctx.store.audit.append({ at: now, actor, action: "rollout.started", tenantName: null, details: { rolloutId: rollout.id, version, waves: plan.waves.map((w) => ({ name: w.name, tenants: w.tenants.length })), skipped: plan.skipped } });
  return { rollout, plan };
}

/** The rollout a command means: the id given, else the app's active one, else its latest. */
export async function findRollout(ctx: RolloutContext, id: string | undefined): Promise<RolloutRecord> {
  const repo = rolloutsRepo(ctx.store.db);
  if (id !== undefined) return repo.require(id);
  const app = ctx.platform.config.platform.name;
  const r = (await repo.active(app)) ?? (await repo.list(app))[0];
  if (!r) throw new NotFoundError("no rollout yet; start one with `landlord rollout start VERSION`");
  return r;
}

/** True while some runner holds a live lease on the rollout's current run. */
export async function runnerAlive(ctx: RolloutContext, r: RolloutRecord, now: Date): Promise<boolean> {
  if (r.workflowId === null) return false;
  const wf = await ctx.store.workflows.get(r.workflowId);
  // A runner on this host whose process is gone holds nothing, whatever its lease says.
  return wf !== undefined && !isFinished(wf.status) && wf.leaseOwner !== null && wf.leaseExpiresAt !== null && wf.leaseExpiresAt > now && !ownerIsDead(wf.leaseOwner);
}

export interface CommandResult {
  readonly rollout: RolloutRecord;
  /** Work remains and nobody runs it: the caller should run it (runRollout). */
  readonly needsRun: boolean;
}

export async function controlRollout(ctx: RolloutContext, id: string | undefined, cmd: Command, actor: string, now: Date): Promise<CommandResult> {
  const repo = rolloutsRepo(ctx.store.db);
  const r = await findRollout(ctx, id);
  const alive = await runnerAlive(ctx, r, now);
  const next = applyCommand({ state: r.state, requested: r.requested }, cmd, alive);
  if (cmd === "retry" || cmd === "resume") {
    const targets = await repo.targets(r.id);
    if (cmd === "retry") await repo.resetTargets(r.id, targets.filter(retryReset).map((t) => t.tenant), now);
    // After a pause for a person, a resume re-checks the tenants that failed their gates.
    if (cmd === "resume") await repo.reverify(r.id, targets.filter((t) => t.state === "failed").map((t) => t.tenant), now);
  }
  if (!(await repo.setControl(r.id, { state: r.state, requested: r.requested }, { ...next, reason: reasonAfter(cmd, next.state, r.reason) }, now))) {
    throw new InputError([{ path: "rollout", message: `rollout ${r.id} changed while the command ran`, fix: "look at `landlord rollout status` and run the command again" }]);
  }
  await ctx.store.audit.append({ at: now, actor, action: `rollout.${cmd}`, tenantName: null, details: { rolloutId: r.id, from: r.state, to: next.state, requested: next.requested } });
  const after = await repo.require(r.id);
  return { rollout: after, needsRun: !alive && (after.state === "Running" || after.state === "RollingBack") };
}

/**
 * The workflow that carries the rollout on: its unfinished run (a runner that died left
 * it), else a new one. Undefined once the rollout is not active. `landlord serve` stops
 * here and lets its leader run it; the CLI runs it at once (runRollout).
 */
export async function rolloutRun(ctx: RolloutContext, id: string): Promise<string | undefined> {
  const repo = rolloutsRepo(ctx.store.db);
  const r = await repo.require(id);
  if (!isActive(r.state)) return undefined;
  const current = r.workflowId === null ? undefined : await ctx.store.workflows.get(r.workflowId);
  if (current && !isFinished(current.status)) return current.id;
  const wf = await ctx.engine.createWorkflow("rollout", `rollout/${id}`, { rolloutId: id });
  await repo.setWorkflow(id, wf.id, new Date());
  return wf.id;
}

/** Runs the rollout until it ends, pauses or is interrupted. */
export async function runRollout(ctx: RolloutContext, id: string, signal?: AbortSignal): Promise<RolloutRecord> {
  const repo = rolloutsRepo(ctx.store.db);
  const workflowId = await rolloutRun(ctx, id);
  if (workflowId === undefined) return repo.require(id);
  const result = await ctx.engine.runWorkflow(workflowId, signal ? { signal } : {});
  if (result.outcome === "busy") throw new InputError([{ path: "rollout", message: `rollout ${id} is being run by another runner`, fix: "watch it with `landlord rollout status -w`" }]);
  return repo.require(id);
}

function reasonAfter(cmd: Command, state: RolloutRecord["state"], current: string | null): string | null {
  if (cmd === "retry" || cmd === "resume") return null;
  if (cmd === "abort" && state === "RollingBack") return "aborted on request";
  if (cmd === "pause" && state === "Paused") return "paused on request";
  return current;
}

export function isRolloutActive(r: RolloutRecord): boolean {
  return isActive(r.state);
}
