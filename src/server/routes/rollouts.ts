/**
 * Releases and rollouts, as `landlord release list` and `landlord rollout ...` do them,
 * through src/rollout/service.ts. A rollout started or resumed here becomes a workflow that
 * the leader replica runs, like a tenant's: its lease keeps a second runner out, and if the
 * leader stops, the next one carries it on.
 */
import { controlRollout, planRollout, rolloutRun, startRollout } from "../../rollout/service.js";
import type { Command } from "../../rollout/state.js";
import { releasesRepo } from "../../store/releases-repo.js";
import { rolloutsRepo } from "../../store/rollouts-repo.js";
import type { ServerContext } from "../context.js";
import { describePrincipal, requireOperator } from "../principal.js";
import { route, type ApiRoute } from "../route.js";
import * as S from "../schemas.js";
import { releaseView, rolloutView } from "../views.js";

export function rolloutRoutes(ctx: ServerContext): ApiRoute[] {
  const { rt } = ctx;
  const rc = ctx.rollouts;
  const repo = rolloutsRepo(rt.store.db);
  /** Hands the rollout to the leader's runner; true when a run of it is queued or under way. */
  const queue = async (id: string): Promise<boolean> => {
    const wf = await rolloutRun(rc, id);
    if (wf !== undefined) ctx.submitted();
    return wf !== undefined;
  };
  const control = (cmd: Command, summary: string) =>
    route({
      method: "POST",
      url: `/api/v1/rollouts/:id/${cmd}`,
      summary,
      tag: "rollouts",
      access: "operator",
      params: S.rolloutIdParams,
      response: S.rolloutControlView,
      async handler({ principal, params }) {
        requireOperator(principal);
        const { rollout, needsRun } = await controlRollout(rc, params.id, cmd, describePrincipal(principal), new Date());
        const running = needsRun ? await queue(rollout.id) : rollout.state === "Running" || rollout.state === "RollingBack";
        return { body: { rollout: rolloutView(rollout), running } };
      },
    });
  return [
    route({
      method: "GET",
      url: "/api/v1/releases",
      summary: "Releases a rollout can move the fleet to, newest first (landlord release list)",
      tag: "rollouts",
      access: "operator",
      response: S.listOf(S.releaseView),
      async handler({ principal }) {
        requireOperator(principal);
        return { body: { items: (await releasesRepo(rt.store.db).list()).map(releaseView) } };
      },
    }),
    route({
      method: "GET",
      url: "/api/v1/rollouts",
      summary: "Rollouts of this platform's app, newest first (landlord rollout history)",
      tag: "rollouts",
      access: "operator",
      response: S.listOf(S.rolloutView),
      async handler({ principal }) {
        requireOperator(principal);
        return { body: { items: (await repo.list(rt.services.platform.config.platform.name)).map(rolloutView) } };
      },
    }),
    route({
      method: "GET",
      url: "/api/v1/rollouts/:id",
      summary: "A rollout with each tenant's state and the wave log (landlord rollout status ID -o json)",
      tag: "rollouts",
      access: "operator",
      params: S.rolloutIdParams,
      response: S.rolloutDetailView,
      async handler({ principal, params }) {
        requireOperator(principal);
        const r = await repo.require(params.id);
        const targets = await repo.targets(r.id);
        const events = await repo.events(r.id);
        return {
          body: {
            ...rolloutView(r),
            targets: targets.map((t) => ({ tenant: t.tenant, wave: t.waveName, state: t.state, reason: t.reason, updated: t.updatedAt.toISOString() })),
            events: events.map((e) => ({ id: e.id, at: e.at.toISOString(), wave: e.wave, tenant: e.tenant, message: e.message })),
          },
        };
      },
    }),
    route({
      method: "POST",
      url: "/api/v1/rollouts",
      summary: "Start a rollout of a release with landlord.yaml's rollout settings (dryRun: only the plan); the leader replica runs it",
      tag: "rollouts",
      access: "operator",
      body: S.rolloutStartRequest,
      response: S.rolloutStartView,
      status: 202,
      async handler({ principal, body }) {
        requireOperator(principal);
        const settings = rt.services.platform.config.rollout;
        if (body.dryRun === true) {
          const { plan } = await planRollout(rt.store, rt.services.platform, settings, body.version);
          return { status: 200, body: { rollout: null, plan, running: false } };
        }
        const { rollout, plan } = await startRollout(rc, body.version, settings, describePrincipal(principal), new Date());
        return { status: 202, body: { rollout: rolloutView(rollout), plan, running: await queue(rollout.id) } };
      },
    }),
    control("pause", "Pause a rollout after the tenant under way (landlord rollout pause)"),
    control("resume", "Resume a paused or interrupted rollout; the leader replica runs it (landlord rollout resume)"),
    control("abort", "Abort a rollout: tenants already moved are rolled back (landlord rollout abort)"),
  ];
}
