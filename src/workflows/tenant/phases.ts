/**
 * The tenant phase machine: every phase a tenant can be in, every event that moves it, and
 * the way forward from each phase. Every phase change in Landlord goes through
 * `transition`, which hands the store's guarded update the phases the event may start
 * from; so a check-then-set race cannot slip a tenant into a phase the table does not
 * allow, and the lifecycle is readable here, in one place (docs/adr/0014).
 *
 *   event             from                                                  to
 *   reserve           (no row), Offboarded                                  Pending       landlord onboard
 *   retry-onboard     Failed (never Ready)                                  Pending       landlord onboard, again
 *   start-onboard     Pending, Provisioning                                 Provisioning  onboard workflow, step reserve
 *   onboarded         Provisioning                                          Ready         onboard workflow, step done
 *   request-update    Ready, Failed (was Ready)                             Updating      landlord update
 *   updated           Updating                                              Ready         update workflow, step done
 *   request-move      Ready, Failed (was Ready)                             Updating      landlord update, when the spec moves it to another cluster
 *   moved             Updating                                              Ready         move workflow, step done
 *   request-restore   Ready, Failed (was Ready)                             Updating      landlord restore, in place
 *   restored          Updating                                              Ready         restore workflow, step done
 *   workflow-stopped  Pending, Provisioning, Updating                       Failed        onboard/update/move/restore workflow failed or cancelled
 *   request-offboard  Pending, Provisioning, Ready, Updating, Failed,       Offboarding   landlord offboard
 *                     Offboarding
 *   offboarded        Offboarding                                           Offboarded    offboard workflow, step release
 *
 * An offboarding that fails or is cancelled stays Offboarding: deleting is never half
 * undone, only finished (`landlord offboard NAME` again, or `landlord workflows resume`).
 * A tenant left in Pending, Provisioning or Updating with no unfinished workflow (its
 * runner was killed and the workflow cancelled before the phase was settled) is settled to
 * Failed by `settleStalled` before any command decides what it may do.
 *
 * A move (docs/adr/0020) is Updating: the tenant still serves from its recorded placement
 * until the move's cut-over step records the target. A move that fails before cut-over
 * leaves it Failed where it was, and `landlord update NAME` starts the move again; after
 * cut-over the recorded placement is the target, so the same command is a plain update there.
 */
import { ConflictError, ProgrammingError } from "../../errors.js";
import type { Repos } from "../../store/store.js";
import type { TenantPhase } from "../../store/schema.js";
import type { TenantRecord } from "../../store/tenants-repo.js";
import type { WorkflowRecord } from "../../store/workflows-repo.js";
import { isFinished } from "../../store/workflows-repo.js";

export type PhaseEvent =
  | "reserve"
  | "retry-onboard"
  | "start-onboard"
  | "onboarded"
  | "request-update"
  | "updated"
  | "request-move"
  | "moved"
  | "request-restore"
  | "restored"
  | "workflow-stopped"
  | "request-offboard"
  | "offboarded";

export interface Transition {
  readonly from: readonly TenantPhase[];
  readonly to: TenantPhase;
  /** Arriving again in `to` is a no-op: the event is sent by a step that may run twice. */
  readonly repeatable: boolean;
  /** Who sends it, for the documentation and error messages. */
  readonly by: string;
}

export const TRANSITIONS: Readonly<Record<PhaseEvent, Transition>> = {
  reserve: { from: ["Offboarded"], to: "Pending", repeatable: false, by: "landlord onboard (a new name is inserted as Pending)" },
  "retry-onboard": { from: ["Failed"], to: "Pending", repeatable: false, by: "landlord onboard, again after a failed onboarding" },
  "start-onboard": { from: ["Pending", "Provisioning"], to: "Provisioning", repeatable: true, by: "onboard workflow, step reserve" },
  onboarded: { from: ["Provisioning"], to: "Ready", repeatable: true, by: "onboard workflow, step done" },
  "request-update": { from: ["Ready", "Failed"], to: "Updating", repeatable: false, by: "landlord update" },
  updated: { from: ["Updating"], to: "Ready", repeatable: true, by: "update workflow, step done" },
  "request-move": { from: ["Ready", "Failed"], to: "Updating", repeatable: false, by: "landlord update, when the new spec places the tenant on another cluster" },
  moved: { from: ["Updating"], to: "Ready", repeatable: true, by: "move workflow, step done" },
  "request-restore": { from: ["Ready", "Failed"], to: "Updating", repeatable: false, by: "landlord restore, in place" },
  restored: { from: ["Updating"], to: "Ready", repeatable: true, by: "restore workflow, step done" },
  "workflow-stopped": { from: ["Pending", "Provisioning", "Updating"], to: "Failed", repeatable: true, by: "an onboard, update, move or in-place restore workflow failed or was cancelled" },
  "request-offboard": {
    from: ["Pending", "Provisioning", "Ready", "Updating", "Failed", "Offboarding"],
    to: "Offboarding",
    repeatable: true,
    by: "landlord offboard",
  },
  offboarded: { from: ["Offboarding"], to: "Offboarded", repeatable: true, by: "offboard workflow, step release" },
};

/** Phases in which a workflow is expected to be running for the tenant. */
export const BUSY_PHASES: readonly TenantPhase[] = ["Pending", "Provisioning", "Updating", "Offboarding"];

/** Moves the tenant for `event`, guarded by the table; a refusal names the commands that work from where it is. */
export async function transition(repos: Repos, name: string, event: PhaseEvent, now: Date): Promise<TenantRecord> {
  const t = TRANSITIONS[event];
  const from = t.repeatable ? [...t.from, t.to] : t.from;
  try {
    return await repos.tenants.setPhase(name, t.to, now, from);
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    const current = await repos.tenants.require(name);
    const advice = await wayForward(repos, current);
    throw new ConflictError(
      `tenant '${name}' is ${current.phase}; ${event} needs it ${t.from.join(" or ")}.\n${formatAdvice(advice)}`,
      { cause: err },
    );
  }
}

/** The newest unfinished workflow of the tenant, if any. */
export async function liveWorkflow(repos: Repos, name: string): Promise<WorkflowRecord | undefined> {
  const list = await repos.workflows.list({ tenantName: name, statuses: ["Pending", "Running"] });
  return list.at(-1);
}

/** True once an onboarding of the tenant's current life succeeded (Failed then means a failed update). */
export async function wasReady(repos: Repos, t: TenantRecord): Promise<boolean> {
  const history = await repos.workflows.list({ tenantName: t.name, kinds: ["onboard", "adopt"], statuses: ["Succeeded"] });
  return history.some((w) => w.createdAt.getTime() >= t.createdAt.getTime());
}

/**
 * A tenant in a busy phase with no unfinished workflow lost its runner before the phase was
 * settled (killed, then cancelled): it is Failed, and the ways out of Failed apply.
 */
export async function settleStalled(repos: Repos, name: string, now: Date): Promise<TenantRecord | undefined> {
  const t = await repos.tenants.get(name);
  if (!t || !TRANSITIONS["workflow-stopped"].from.includes(t.phase)) return t;
  if (await liveWorkflow(repos, name)) return t;
  return transition(repos, name, "workflow-stopped", now);
}

/** The phase a finished workflow leaves its tenant in (called for every finished tenant workflow). */
export async function settleAfterWorkflow(repos: Repos, wf: WorkflowRecord, now: Date): Promise<void> {
  if (!isFinished(wf.status)) throw new ProgrammingError(`workflow ${wf.id} is ${wf.status}: only a finished workflow settles its tenant`);
  if (wf.status === "Succeeded" || wf.kind === "offboard") return;
  const t = await repos.tenants.get(wf.tenantName);
  // Only the workflow's own phases are settled: a later workflow of the tenant may own it now.
  if (!t || !TRANSITIONS["workflow-stopped"].from.includes(t.phase)) return;
  if (await liveWorkflow(repos, wf.tenantName)) return;
  await transition(repos, wf.tenantName, "workflow-stopped", now);
}

export interface Advice {
  /** One line on where the tenant is. */
  readonly state: string;
  /** Commands that work from here, each with what it does. */
  readonly commands: readonly string[];
}

/** The documented way forward from the tenant's phase: commands that work from here. */
export async function wayForward(repos: Repos, t: TenantRecord): Promise<Advice> {
  const live = await liveWorkflow(repos, t.name);
  if (live) {
    const holder =
      live.leaseOwner !== null && live.leaseExpiresAt !== null
        ? `run by ${live.leaseOwner} (lease until ${live.leaseExpiresAt.toISOString()})`
        : "not running (no process holds it)";
    return {
      state: `its ${live.kind} workflow ${live.id} is ${live.status.toLowerCase()}, ${holder}${live.cancelRequested ? ", cancel requested" : ""}`,
      commands: [
        `landlord workflows resume ${live.id}   # continue it (takes over when its process is gone)`,
        ...(live.kind === "offboard" ? [] : [`landlord workflows cancel ${live.id}   # stop it; then the ways out of Failed apply`]),
        `landlord workflows describe ${live.id}   # its steps and errors`,
      ],
    };
  }
  switch (t.phase) {
    case "Ready":
      return { state: "it is live", commands: [`landlord update -f FILE   # change it`, `landlord offboard ${t.name}`] };
    case "Failed": {
      if (await wasReady(repos, t)) {
        const last = (await repos.workflows.list({ tenantName: t.name })).filter((w) => w.kind !== "backup-verify").at(-1);
        if (last?.kind === "restore") {
          // Its database may be gone by now: an update would start an empty one, which the archive check refuses.
          return {
            state: "its in-place restore failed; it was live before",
            commands: [`landlord restore ${t.name} --to TIME --yes   # restore again (from the same archive; the tenant's data there is unchanged)`, `landlord workflows describe ${last.id}   # which step failed and why`, `landlord offboard ${t.name}`],
          };
        }
        return {
          state: "its last update failed; it was live before",
          commands: [`landlord update -f FILE   # retry, or deliver a corrected spec`, `landlord update ${t.name}   # retry with the stored spec`, `landlord offboard ${t.name}`],
        };
      }
      const adoption = (await repos.workflows.list({ tenantName: t.name, kinds: ["adopt"] })).at(-1);
      const input = adoption?.input as { source?: { namespace?: string }; imports?: { to: string }[] } | undefined;
      const from = input?.source?.namespace;
      if (adoption !== undefined && from !== undefined) {
        // Offboarding destroys the tenant's Terraform state, and imported resources are in it.
        const imported = (input?.imports ?? []).map((i) => `'${i.to}'`);
        return {
          state: `its adoption of ${from} failed or was cancelled; ${from} still serves unless the switch step ran (landlord workflows describe ${adoption.id})`,
          commands: [
            `landlord adopt ${from} --name ${t.name} ...   # adopt again; steps that succeeded are redone idempotently`,
            ...(imported.length > 0 ? [`terraform state rm ${imported.join(" ")}   # in its workspace, before giving up: offboarding would destroy the imported resources`] : []),
            `landlord offboard ${t.name}   # give up and release the name (${from} itself is not touched)`,
          ],
        };
      }
      return {
        state: "its onboarding failed or was cancelled",
        commands: [`landlord onboard ${t.name} ... (or -f FILE)   # onboard again; steps that succeeded are redone idempotently`, `landlord offboard ${t.name}   # give up and release the name`],
      };
    }
    case "Offboarding":
      return { state: "its offboarding stopped", commands: [`landlord offboard ${t.name}   # run the offboarding again`] };
    case "Offboarded":
      return { state: "it was offboarded; its name and domains are free", commands: [`landlord onboard ${t.name} ...   # onboard it anew`] };
    default:
      // Pending, Provisioning, Updating with no unfinished workflow: settled to Failed by the next command.
      return {
        state: `its workflow ended without settling the phase`,
        commands: [
          t.phase === "Updating" ? `landlord update ${t.name}   # retry the update` : `landlord onboard ${t.name} ...   # onboard again`,
          `landlord offboard ${t.name}`,
        ],
      };
  }
}

export function formatAdvice(a: Advice): string {
  return `  state: ${a.state}\n  next:\n${a.commands.map((c) => `    ${c}`).join("\n")}`;
}

/** The transition table as rows, for `landlord describe` and the docs. */
export function transitionRows(): { event: PhaseEvent; from: string; to: TenantPhase; by: string }[] {
  return (Object.entries(TRANSITIONS) as [PhaseEvent, Transition][]).map(([event, t]) => ({ event, from: t.from.join(", "), to: t.to, by: t.by }));
}
