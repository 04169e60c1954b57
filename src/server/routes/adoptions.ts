/**
 * `landlord adopt` over HTTP (src/app/adopt.ts): operators propose an adoption (dryRun) or
 * start one; the adopt workflow then runs on the leader's workers like any other.
 */
import { z } from "zod";
import { proposalView, proposeAdoption, startAdoption, type AdoptRequest } from "../../app/adopt.js";
import { InputError } from "../../errors.js";
import type { ServerContext } from "../context.js";
import { describePrincipal, requireOperator } from "../principal.js";
import { route, type ApiRoute } from "../route.js";
import { workflowView as workflowSchema } from "../schemas.js";
import { workflowView } from "../views.js";

const adoptionRequest = z.strictObject({
  namespace: z.string().min(1),
  name: z.string().min(1).optional(),
  tier: z.string().min(1).optional(),
  email: z.string().min(1).optional(),
  domains: z.array(z.string().min(1)).optional(),
  cluster: z.string().min(1).optional(),
  databaseSecret: z.string().min(1).optional(),
  /** `terraform state pull` output, as JSON. */
  terraformState: z.record(z.string(), z.unknown()).optional(),
  /** Propose only: what was found, the spec and the plan; nothing is changed. */
  dryRun: z.boolean().default(false),
});

const problem = z.object({ path: z.string(), message: z.string(), fix: z.string() });
const adoptionView = z.object({
  proposal: z
    .object({
      spec: z.record(z.string(), z.unknown()),
      found: z.record(z.string(), z.unknown()),
      plan: z.array(z.object({ what: z.string(), action: z.string(), how: z.string() })),
      imports: z.array(z.object({ to: z.string(), id: z.string() })),
      problems: z.array(problem),
    })
    .optional(),
  workflow: workflowSchema.optional(),
  alreadyAdopted: z.boolean(),
});

export function adoptionRoutes(ctx: ServerContext): ApiRoute[] {
  const { rt } = ctx;
  return [
    route({
      method: "POST",
      url: "/api/v1/adoptions",
      summary: "Adopt a hand-made deployment as a tenant (landlord adopt): dryRun proposes the spec and plan; otherwise starts the adopt workflow (202), or says it was adopted already (200)",
      tag: "tenants",
      access: "operator",
      body: adoptionRequest,
      response: adoptionView,
      status: 202,
      async handler({ principal, body }) {
        requireOperator(principal);
        const { dryRun, terraformState, ...given } = body;
        const req: AdoptRequest = { ...given, terraformStateJson: terraformState };
        if (dryRun) {
          const p = await proposeAdoption(rt, req);
          if (p.problems.length > 0) throw new InputError(p.problems);
          return { status: 200, body: { proposal: proposalView(p), alreadyAdopted: false } };
        }
        const started = await startAdoption(rt, req, describePrincipal(principal), new Date());
        const steps = await rt.store.workflows.steps(started.workflow.id);
        if (started.kind === "already-adopted") return { status: 200, body: { workflow: workflowView(started.workflow, steps), alreadyAdopted: true } };
        ctx.submitted();
        return { status: 202, body: { proposal: proposalView(started.proposal), workflow: workflowView(started.workflow, steps), alreadyAdopted: false } };
      },
    }),
  ];
}
