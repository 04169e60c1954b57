/**
 * `landlord rollout start|status|pause|resume|abort|retry|history`: one command moves the
 * fleet to a release wave by wave, behind health gates, and undoes its own damage.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { parse } from "yaml";
import { InputError } from "../../errors.js";
import { toJson, toYaml } from "../../render/serialize.js";
import { rolloutSchema, type RolloutConfig } from "../../spec/rollout-config-schema.js";
import type { RolloutEventLine } from "../../rollout/runner.js";
import { controlRollout, findRollout, planRollout, rolloutRun, runRollout, startRollout, type RolloutContext } from "../../rollout/service.js";
import type { Command } from "../../rollout/state.js";
import { rolloutContext } from "../../rollout/wiring.js";
import { issuesToProblems } from "../../spec/problems.js";
import { rolloutsRepo, type RolloutRecord, type TargetRecord } from "../../store/rollouts-repo.js";
import type { CliIo } from "../io.js";
import type { Runtime } from "../../app/runtime.js";
import type { GlobalOptions } from "../../app/load-files.js";
import { actor, table, withRuntime } from "./tenants.js";

export interface RolloutStartOptions {
  readonly plan?: string;
  readonly dryRun?: boolean;
  readonly detach?: boolean;
  readonly output?: string;
}

function eventLine(e: RolloutEventLine): string {
  const where = [e.wave, e.tenant].filter((x) => x !== null).join(" ");
  return `${e.at.toISOString().slice(11, 19)} ${where === "" ? "" : `[${where}] `}${e.message}\n`;
}

function withRollouts<T>(io: CliIo, global: GlobalOptions, fn: (ctx: RolloutContext, rt: Runtime) => Promise<T>, live = true): Promise<T> {
  return withRuntime(io, global, (rt) => fn(rolloutContext({ store: rt.store, platform: rt.services.platform, delivery: rt.services.delivery, ...(live ? { onEvent: (e) => {
    io.stdout(eventLine(e));
  } } : {}) }), rt));
}

async function planSettings(io: CliIo, base: RolloutConfig, file: string | undefined): Promise<RolloutConfig> {
  if (file === undefined) return base;
  const path = isAbsolute(file) ? file : resolve(io.cwd, file);
  const text = await readFile(path, "utf8").catch(() => {
    throw new InputError([{ file, path: "", message: "plan file not found", fix: "pass a YAML file holding rollout settings (waves, gates, bakeSeconds, ...)" }]);
  });
  const raw = (parse(text) ?? {}) as Record<string, unknown>;
  const doc = (raw.rollout ?? raw) as Record<string, unknown>;
  const parsed = rolloutSchema.safeParse({ ...base, ...doc });
  if (!parsed.success) throw new InputError(issuesToProblems(rolloutSchema, parsed.error.issues, { file }));
  return parsed.data;
}

/** Runs until the rollout ends, pauses or Ctrl-C; returns the exit code (0 only for Succeeded or Paused on request). */
async function drive(io: CliIo, ctx: RolloutContext, id: string): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => {
    controller.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const r = await runRollout(ctx, id, controller.signal);
    if (controller.signal.aborted) {
      io.stderr(`interrupted: rollout ${id} stays ${r.state}; continue it with \`landlord rollout resume ${id}\`\n`);
      return 1;
    }
    io.stdout(await statusText(ctx, r));
    return r.state === "Succeeded" || (r.state === "Paused" && r.reason === "paused on request") ? 0 : 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/**
 * --detach: the rollout's workflow is recorded, so the leader of `landlord serve` runs it
 * (a rollout without one would wait for a person to resume it).
 */
async function detached(io: CliIo, ctx: RolloutContext, id: string): Promise<number> {
  await rolloutRun(ctx, id);
  io.stdout(`queued for the leader of \`landlord serve\`; follow it with \`landlord rollout status ${id} -w\` (no server running? run it here with \`landlord rollout resume ${id}\`)\n`);
  return 0;
}

export async function rolloutStartCommand(io: CliIo, global: GlobalOptions, version: string, opts: RolloutStartOptions): Promise<number> {
  return withRollouts(io, global, async (ctx) => {
    const settings = await planSettings(io, ctx.platform.config.rollout, opts.plan);
    if (opts.dryRun === true) {
      const { plan } = await planRollout(ctx.store, ctx.platform, settings, version);
      if (opts.output === "json" || opts.output === "yaml") io.stdout((opts.output === "json" ? toJson : toYaml)(plan));
      else io.stdout(planText(plan.waves, plan.skipped));
      return 0;
    }
    const { rollout, plan } = await startRollout(ctx, version, settings, actor(io), new Date());
    io.stdout(`rollout ${rollout.id} of ${version} started\n${planText(plan.waves, plan.skipped)}`);
    if (opts.detach === true) {
      return detached(io, ctx, rollout.id);
    }
    return drive(io, ctx, rollout.id);
  });
}

function planText(waves: readonly { name: string; tenants: readonly string[] }[], skipped: readonly { tenant: string; reason: string }[]): string {
  const lines = waves.map((w) => `  ${w.name}: ${String(w.tenants.length)} tenants${w.tenants.length > 0 ? ` (${w.tenants.slice(0, 12).join(", ")}${w.tenants.length > 12 ? ", ..." : ""})` : ""}\n`);
  const skip = skipped.map((s) => `  skipped ${s.tenant}: ${s.reason}\n`);
  return `plan:\n${lines.join("")}${skip.join("")}`;
}

const COUNTED = ["done", "in progress", "failed", "rolled-back", "skipped", "pending"] as const;

function bucket(t: TargetRecord): (typeof COUNTED)[number] {
  if (t.state === "done") return "done";
  if (t.state === "failed" || t.state === "rollback-failed") return "failed";
  if (t.state === "rolled-back") return "rolled-back";
  if (t.state === "skipped") return "skipped";
  if (t.state === "pending") return "pending";
  return "in progress";
}

export async function statusText(ctx: RolloutContext, r: RolloutRecord): Promise<string> {
  const targets = await rolloutsRepo(ctx.store.db).targets(r.id);
  const waves = [...new Set(targets.map((t) => `${String(t.wave).padStart(3, "0")}|${t.waveName}`))].sort();
  const rows = waves.map((key) => {
    const name = key.split("|")[1] ?? "";
    const ts = targets.filter((t) => t.waveName === name);
    const counts = Object.fromEntries(COUNTED.map((c) => [c.toUpperCase(), String(ts.filter((t) => bucket(t) === c).length)]));
    return { WAVE: name, TENANTS: String(ts.length), ...counts };
  });
  const notable = targets.filter((t) => t.state !== "done" && t.state !== "pending");
  const head = `rollout ${r.id} of ${r.releaseVersion}: ${r.state}${r.requested ? ` (${r.requested} requested)` : ""}${r.reason ? ` — ${r.reason}` : ""}\n`;
  const tenantRows = notable.map((t) => ({ TENANT: t.tenant, WAVE: t.waveName, STATE: t.state, REASON: t.reason ?? "" }));
  const skipped = r.skipped.map((s) => `  ${s.tenant}: ${s.reason}\n`).join("");
  return `${head}${table(rows, ["WAVE", "TENANTS", ...COUNTED.map((c) => c.toUpperCase())])}${tenantRows.length > 0 ? `\n${table(tenantRows, ["TENANT", "WAVE", "STATE", "REASON"])}` : ""}${skipped ? `not in the rollout:\n${skipped}` : ""}`;
}

/** With --watch, the exit code says how it ended (0: Succeeded), so a pipeline can gate on it. */
export async function rolloutStatusCommand(io: CliIo, global: GlobalOptions, id: string | undefined, opts: { watch?: boolean; output?: string }): Promise<number> {
  let code = 0;
  await withRollouts(
    io,
    global,
    async (ctx) => {
      let r = await findRollout(ctx, id);
      const repo = rolloutsRepo(ctx.store.db);
      if (opts.watch === true) {
        let last = 0;
        for (;;) {
          for (const e of await repo.events(r.id, last)) {
            io.stdout(eventLine(e));
            last = e.id;
          }
          r = await repo.require(r.id);
          if (r.state !== "Running" && r.state !== "RollingBack") break;
          await new Promise((res) => setTimeout(res, 1000));
        }
        if (r.state !== "Succeeded") {
          code = 1;
          io.stderr(`rollout ${r.id} ended ${r.state}${r.reason ? `: ${r.reason}` : ""}\n`);
        }
      }
      if (opts.output === "json" || opts.output === "yaml") {
        const doc = { ...r, targets: await repo.targets(r.id), events: await repo.events(r.id) };
        io.stdout(opts.output === "json" ? toJson(doc) : toYaml(doc));
        return;
      }
      io.stdout(await statusText(ctx, r));
    },
    false,
  );
  return code;
}

export async function rolloutControlCommand(io: CliIo, global: GlobalOptions, cmd: Command, id: string | undefined, opts: { detach?: boolean } = {}): Promise<number> {
  return withRollouts(io, global, async (ctx) => {
    const { rollout, needsRun } = await controlRollout(ctx, id, cmd, actor(io), new Date());
    const what = { pause: "pause", resume: "resume", abort: "abort", retry: "retry" }[cmd];
    io.stdout(`rollout ${rollout.id}: ${what} → ${rollout.state}${rollout.requested ? ` (${rollout.requested} requested; the running runner acts on it at once)` : ""}\n`);
    if (!needsRun) return 0;
    if (opts.detach === true) {
      return detached(io, ctx, rollout.id);
    }
    const code = await drive(io, ctx, rollout.id);
    const after = await rolloutsRepo(ctx.store.db).require(rollout.id);
    // An abort that rolled everything back did what was asked.
    return cmd === "abort" && after.state === "Aborted" ? 0 : code;
  });
}

export async function rolloutHistoryCommand(io: CliIo, global: GlobalOptions, opts: { output?: string }): Promise<void> {
  await withRollouts(
    io,
    global,
    async (ctx) => {
      const list = await rolloutsRepo(ctx.store.db).list(ctx.platform.config.platform.name);
      if (opts.output === "json") {
        io.stdout(toJson(list));
        return;
      }
      const rows = list.map((r) => ({ ID: r.id, VERSION: r.releaseVersion, STATE: r.state, STARTED: r.createdAt.toISOString(), FINISHED: r.finishedAt?.toISOString() ?? "", BY: r.actor, REASON: (r.reason ?? "").slice(0, 100) }));
      io.stdout(rows.length === 0 ? "No rollouts.\n" : table(rows, ["ID", "VERSION", "STATE", "STARTED", "FINISHED", "BY", "REASON"]));
    },
    false,
  );
}
