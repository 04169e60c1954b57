/**
 * The API's request and response shapes as zod schemas: requests are checked with them,
 * and the OpenAPI document is generated from them (z.toJSONSchema). A tenant spec is the
 * CLI's own Tenant schema, so the API and `landlord validate` cannot drift apart.
 */
import { z } from "zod";
import { tenantSchema } from "../spec/tenant-schema.js";
import { TENANT_PHASES, WORKFLOW_KINDS, WORKFLOW_STATUSES, STEP_STATUSES } from "../store/index.js";

export const tenantNameParams = z.strictObject({ name: z.string().min(1).max(63).describe("tenant name") });
export const workflowIdParams = z.strictObject({ id: z.string().min(1).max(100).describe("workflow id") });

/** The short form the portal's onboarding form sends; becomes a Tenant spec. */
export const onboardForm = z.strictObject({
  name: z.string().min(1).describe("tenant name (DNS label)"),
  tier: z.string().min(1).describe("a tier of landlord.yaml"),
  domains: z.array(z.string().min(1)).min(1).describe("host names the tenant is served on"),
  contact: z.string().min(1).describe("e-mail for alerts and notices"),
  displayName: z.string().min(1).optional(),
});

/** For the document: a full Tenant as `landlord validate` checks it. */
export const onboardRequestDoc = z.union([z.strictObject({ spec: tenantSchema }), onboardForm]);
/** What is checked at the edge; the spec itself is then checked by the CLI's resolver, with field paths. */
export const onboardRequest = z.union([z.strictObject({ spec: z.record(z.string(), z.unknown()) }), onboardForm]);

export const updateRequestDoc = z.strictObject({ spec: tenantSchema });
export const updateRequest = z.strictObject({ spec: z.record(z.string(), z.unknown()) });

export const offboardQuery = z.strictObject({
  force: z.enum(["true", "false"]).optional().describe("no retention window: data is destroyed now"),
});

export const tenantListQuery = z.strictObject({
  phase: z.enum(TENANT_PHASES).optional(),
  all: z.enum(["true", "false"]).optional().describe("include offboarded tenants"),
});

export const workflowListQuery = z.strictObject({
  tenant: z.string().min(1).optional(),
  status: z.enum(WORKFLOW_STATUSES).optional(),
});

export const loginRequest = z.strictObject({ token: z.string().min(1).max(200).describe("an operator or tenant API token") });

export const tenantView = z.object({
  name: z.string(),
  phase: z.enum(TENANT_PHASES),
  tier: z.string(),
  displayName: z.string(),
  generation: z.number().int(),
  cluster: z.string().nullable(),
  domains: z.array(z.string()),
  created: z.string(),
  updated: z.string(),
  dataRetainedUntil: z.string().nullable(),
});

export const tenantDetailView = tenantView.extend({
  spec: z.record(z.string(), z.unknown()),
  state: z.string().describe("where the tenant is, in words"),
  next: z.array(z.string()).describe("commands that work from here"),
});

export const stepView = z.object({
  name: z.string(),
  status: z.enum(STEP_STATUSES),
  attempts: z.number().int(),
  error: z.string().nullable(),
  durationMs: z.number().nullable(),
});

export const workflowView = z.object({
  id: z.string(),
  kind: z.enum(WORKFLOW_KINDS),
  tenant: z.string(),
  status: z.enum(WORKFLOW_STATUSES),
  error: z.string().nullable(),
  created: z.string(),
  started: z.string().nullable(),
  finished: z.string().nullable(),
  steps: z.array(stepView).optional(),
});

export const principalView = z.object({
  kind: z.enum(["operator", "tenant"]),
  name: z.string().describe("operator name, or the tenant's name"),
  csrfToken: z.string().optional().describe("send as X-CSRF-Token on writes made with the session cookie"),
});

export const tokenView = z.object({
  id: z.string(),
  token: z.string().describe("shown once; the store keeps only its sha256"),
});

export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    problems: z.array(z.object({ path: z.string(), message: z.string(), fix: z.string() })),
  }),
});

export const listOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

export const auditListQuery = z.strictObject({
  tenant: z.string().min(1).optional(),
  action: z.string().min(1).optional().describe("e.g. tenant.onboarded"),
  after: z.coerce.number().int().min(0).optional().describe("only entries after this id (paging)"),
  limit: z.coerce.number().int().min(1).max(1000).optional().describe("at most this many (default 200)"),
});

export const auditEntryView = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  tenant: z.string().nullable(),
  details: z.unknown(),
});

export const objectsStatusView = z.object({
  tenant: z.string(),
  phase: z.enum(TENANT_PHASES),
  cluster: z.string(),
  objects: z.array(
    z.object({
      object: z.string().describe("Kind/name"),
      applied: z.boolean(),
      ready: z.boolean().nullable().describe("null: readiness is not observed for this kind"),
      reason: z.string().nullable(),
      drift: z.string().nullable().describe("the field changed by hand, if any"),
    }),
  ),
});
