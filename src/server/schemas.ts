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

export const restoreBody = z.strictObject({
  to: z.string().max(64).optional().describe("RFC 3339 time to restore to (default: the newest state the archive holds)"),
  into: z.string().max(63).optional().describe("a namespace for a copy; absent: in place"),
});

export const offboardQuery = z.strictObject({
  force: z.enum(["true", "false"]).optional().describe("no retention window: data is destroyed now"),
});

/** Kubernetes list semantics: at most `limit` items, and `metadata.continue` when there are more. */
const paging = {
  limit: z.coerce.number().int().min(1).max(500).optional().describe("at most this many items (default 100, at most 500)"),
  continue: z.string().min(1).max(400).optional().describe("metadata.continue of the previous page"),
};

export const tenantListQuery = z.strictObject({
  phase: z.enum(TENANT_PHASES).optional(),
  all: z.enum(["true", "false"]).optional().describe("include offboarded tenants"),
  q: z.string().min(1).max(100).optional().describe("text in the name, display name, tier or domains"),
  ...paging,
});

export const workflowListQuery = z.strictObject({
  tenant: z.string().min(1).optional(),
  status: z.enum(WORKFLOW_STATUSES).optional(),
  ...paging,
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

export const domainClaimView = z.object({
  domain: z.string(),
  kind: z.enum(["platform", "custom"]).describe("platform: under the platform's zone, served without proof"),
  status: z.enum(["Served", "Verified", "Pending", "Expired"]).describe("Pending: not proven yet, held until expires; Expired: lapsed unproven, another tenant may claim the name"),
  claimed: z.string(),
  expires: z.string().nullable().describe("when an unproven claim expires (or expired); null once proven, and for platform names"),
});

export const tenantDetailView = tenantView.extend({
  spec: z.record(z.string(), z.unknown()),
  domainClaims: z.array(domainClaimView).describe("the tenant's hold on each domain it lists"),
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

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    metadata: z.object({ continue: z.string().optional().describe("pass as ?continue= for the next page; absent on the last page") }),
  });

export const auditListQuery = z.strictObject({
  tenant: z.string().min(1).optional(),
  action: z.string().min(1).optional().describe("e.g. tenant.onboarded"),
  after: z.coerce.number().int().min(0).optional().describe("only entries after this id (paging)"),
  ...paging,
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

const recoveryWindowView = z.object({
  firstRecoverabilityPoint: z.string().optional().describe("the earliest time the archive restores to"),
  lastSuccessfulBackupTime: z.string().optional(),
  lastFailedBackupTime: z.string().optional(),
});

export const backupsView = z.object({
  tenant: z.string(),
  namespace: z.string(),
  cluster: z.string(),
  archive: z.object({ destinationPath: z.string(), serverName: z.string() }),
  recoveryWindow: recoveryWindowView.optional().describe("absent until the Barman Cloud plugin has listed the archive"),
  backups: z.array(
    z.object({
      name: z.string(),
      origin: z.enum(["scheduled", "final", "move", "verify", "restore", "on-demand"]),
      createdAt: z.string().optional(),
      method: z.string().optional(),
      plugin: z.string().optional(),
      labels: z.record(z.string(), z.string()),
      phase: z.string().optional().describe("CloudNativePG's phase: pending, started, running, completed, failed"),
      startedAt: z.string().optional(),
      stoppedAt: z.string().optional(),
      backupId: z.string().optional(),
      serverName: z.string().optional(),
      beginWal: z.string().optional(),
      endWal: z.string().optional(),
      error: z.string().optional(),
    }),
  ),
});

export const rolloutIdParams = z.strictObject({ id: z.string().min(1).max(100).describe("rollout id (ro-...)") });
export const invoiceParams = z.strictObject({ name: z.string().min(1).max(63).describe("tenant name"), id: z.string().min(1).max(100).describe("invoice or credit note number") });

export const diffView = z.object({
  tenant: z.string(),
  method: z.enum(["server-dry-run", "render"]).describe("server-dry-run: the cluster's answer to a dry-run apply; render: the rendered objects against what was last delivered"),
  differences: z.number().int().describe("objects that would change"),
  patches: z.array(z.string()).describe("one unified diff per object that differs"),
  terraform: z.string().describe("whether Terraform is configured; its plan is shown by `landlord diff NAME`"),
});

export const releaseView = z.object({
  version: z.string(),
  image: z.string().nullable(),
  config: z.object({ env: z.record(z.string(), z.string()).optional(), featureFlags: z.record(z.string(), z.union([z.boolean(), z.string(), z.number()])).optional() }).nullable(),
  notes: z.string().nullable(),
  created: z.string(),
  createdBy: z.string(),
});

export const rolloutView = z.object({
  id: z.string(),
  version: z.string(),
  state: z.string(),
  requested: z.enum(["pause", "abort"]).nullable(),
  reason: z.string().nullable(),
  skipped: z.array(z.object({ tenant: z.string(), reason: z.string() })),
  workflowId: z.string().nullable(),
  actor: z.string(),
  created: z.string(),
  updated: z.string(),
  finished: z.string().nullable(),
});

export const rolloutDetailView = rolloutView.extend({
  targets: z.array(z.object({ tenant: z.string(), wave: z.string(), state: z.string(), reason: z.string().nullable(), updated: z.string() })),
  events: z.array(z.object({ id: z.number().int(), at: z.string(), wave: z.string().nullable(), tenant: z.string().nullable(), message: z.string() })),
});

export const rolloutStartRequest = z.strictObject({
  version: z.string().min(1).max(100).describe("a release made with `landlord release create`"),
  dryRun: z.boolean().optional().describe("only plan the waves"),
});

export const rolloutStartView = z.object({
  rollout: rolloutView.nullable().describe("null for a dry run"),
  plan: z.object({ waves: z.array(z.object({ name: z.string(), tenants: z.array(z.string()) })), skipped: z.array(z.object({ tenant: z.string(), reason: z.string() })) }),
  running: z.boolean().describe("whether this server now runs it (else another runner holds it)"),
});

export const rolloutControlView = z.object({ rollout: rolloutView, running: z.boolean() });

export const monthQuery = z.strictObject({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "write YYYY-MM, e.g. 2026-10").describe("YYYY-MM (UTC)") });

export const costReportView = z.object({
  month: z.string(),
  report: z.unknown().describe("as `landlord cost --output json` prints it"),
  warnings: z.array(z.string()).describe("clusters whose usage was estimated or not counted, and stored tenants left out because their spec no longer validates, each with why"),
});

export const invoiceView = z.object({
  number: z.string(),
  kind: z.enum(["invoice", "credit_note"]),
  tenant: z.string(),
  month: z.string(),
  currency: z.string(),
  issuedAt: z.string(),
  credits: z.string().nullable(),
  reason: z.string().nullable(),
  lines: z.array(z.object({ description: z.string(), amount: z.string(), amountMinor: z.number().int() })),
  total: z.string(),
  totalMinor: z.number().int(),
});

export const invoiceQuery = z.strictObject({ format: z.enum(["json", "pdf"]).optional().describe("pdf: the invoice document as application/pdf") });

export const alertsView = z.object({
  tenant: z.string(),
  routing: z.unknown().nullable().describe("the tenant's route and receiver in the fleet Alertmanager configuration; null when none is configured"),
  rules: z.array(z.unknown()).describe("the tenant's alerting rules as rendered (PrometheusRule groups)"),
  firing: z.array(z.object({ alertname: z.string(), severity: z.string().nullable(), state: z.string(), since: z.string().nullable(), summary: z.string().nullable() })).nullable().describe("null when no Alertmanager URL is configured"),
  notes: z.array(z.string()),
});

export const slaView = z.object({
  tenant: z.string(),
  tier: z.string(),
  month: z.string(),
  requests: z.number(),
  failed: z.number(),
  availability: z.number().nullable().describe("percent; null when no request was recorded"),
  promise: z.number().nullable(),
  status: z.enum(["met", "missed", "no-data", "no-sla"]),
  creditPercent: z.number(),
  credit: z.number().describe("minor units of billing.currency"),
  currency: z.string(),
  days: z
    .array(
      z.object({
        date: z.string().describe("YYYY-MM-DD (UTC)"),
        requests: z.number(),
        failed: z.number().describe("5xx answers"),
        availability: z.number().nullable().describe("percent; null when no request was recorded that day"),
      }),
    )
    .describe("every day of the month, first to last; the month's figures are their sum"),
});

export const usageQuery = z.strictObject({
  window: z.enum(["24h", "7d", "30d"]).optional().describe("how far back from now (default 24h)"),
});

export const usageView = z.object({
  tenant: z.string(),
  window: z.enum(["24h", "7d", "30d"]),
  start: z.number().int().describe("unix seconds"),
  end: z.number().int().describe("unix seconds, the last point's time (now, rounded down to the step)"),
  stepSeconds: z.number().int(),
  rangeSeconds: z.number().int().describe("each point is the average over this many seconds before it"),
  series: z.array(
    z.object({
      id: z.enum(["cpu", "memory", "requests", "errors"]),
      title: z.string(),
      unit: z.enum(["cores", "bytes", "requests/s", "percent"]),
      query: z.string().nullable().describe("the PromQL Prometheus ran, fenced to the tenant's namespace; null when it was not run"),
      points: z.array(z.object({ at: z.number().describe("unix seconds"), value: z.number() })).describe("empty when Prometheus has no samples: no data, not zero"),
      error: z.string().nullable().describe("why this series could not be read; the other series are still given"),
    }),
  ),
  notes: z.array(z.string()),
});
