/** Schema of a Tenant document: one customer's instance, shaped like a Kubernetes object. */
import { z } from "zod";
import { WAVE_LABEL, WAVES } from "./waves.js";
import { dnsLabel, explain, hostname, labelKey, labels, labelValue, secretRef } from "./fields.js";
import { timeZoneProblem } from "./time-zones.js";
import { OPTIONAL_NOTICE_KINDS } from "./notices-schema.js";

/** C0/C1 controls, zero-width characters, bidi embeddings, overrides and isolates. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE_OR_BIDI = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
import { layerSchema } from "./layer-schema.js";

/** Derived names (namespace, vault, node pool) must fit their limits for any valid name. */
export const MAX_TENANT_NAME = 40;

export const COMPLIANCE_TAGS = ["gdpr", "hipaa", "pci", "soc2", "iso27001"] as const;
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** Label keys a tenant may not set: they drive policies and selectors elsewhere. */
const RESERVED_LABEL_PREFIX = /^([a-z0-9.-]+\.)?(kubernetes\.io|k8s\.io|landlord\.dev)\//;
/** Secret names the bundle itself uses (CloudNativePG creates db-*). */
const RESERVED_SECRET = /^(app-secrets|app-tls|db-.*|db)$/;

export const tenantSchema = z.strictObject({
  apiVersion: z.literal("landlord.dev/v1alpha1", {
    error: explain("apiVersion must be landlord.dev/v1alpha1", "set apiVersion: landlord.dev/v1alpha1"),
  }),
  kind: z.literal("Tenant", { error: explain("kind must be Tenant", "set kind: Tenant") }),
  metadata: z.strictObject({
    name: dnsLabel(MAX_TENANT_NAME),
    labels: labels
      .superRefine((l, ctx) => {
        // On the Namespace, labels keep only their name part (under tenant.landlord.dev/).
        const names = new Map<string, string>();
        for (const key of Object.keys(l)) {
          const name = key.slice(key.lastIndexOf("/") + 1);
          const prior = names.get(name);
          if (prior !== undefined) ctx.addIssue({ code: "custom", path: [key], message: explain(`labels '${prior}' and '${key}' share the name '${name}'`, "keep one of them") });
          names.set(name, key);
        }
        for (const [key, value] of Object.entries(l)) {
          if (key === WAVE_LABEL) {
            if (!(WAVES as readonly string[]).includes(value)) {
              ctx.addIssue({ code: "custom", path: [key], message: explain(`'${value}' is not a rollout wave`, `use one of ${WAVES.join(", ")}`) });
            }
          } else if (RESERVED_LABEL_PREFIX.test(key)) {
            ctx.addIssue({
              code: "custom",
              path: [key],
              message: explain("labels under kubernetes.io, k8s.io and landlord.dev are set by the platform", "use a prefix of your own, e.g. example.com/team"),
            });
          }
        }
      })
      .default({}),
    // Keys follow the label-key rules (prefix/name): anything else is refused by the API server later.
    annotations: z.record(labelKey, z.string().max(4096)).default({}),
  }),
  spec: z.strictObject({
    displayName: z
      .string()
      .min(1)
      .max(100)
      .refine((v) => !INVISIBLE_OR_BIDI.test(v), {
        error: explain("displayName holds control, zero-width or bidirectional-override characters (they make one name look like another)", "write the name with visible characters only"),
      }),
    customerId: labelValue.optional(),
    tier: dnsLabel(30),
    domains: z
      .array(hostname)
      .min(1, { error: explain("a tenant needs at least one domain", "add e.g. domains: [acme.example.com]") })
      .max(50),
    contacts: z.strictObject({
      email: z.email({ error: explain("not an email address", "write e.g. ops@acme.example.com") }),
      alertWebhookSecretRef: secretRef
        .refine((r) => !RESERVED_SECRET.test(r.name), {
          error: explain("that Secret name is used by the tenant's own bundle", "name the webhook secret e.g. 'alert-webhook'"),
          path: ["name"],
        })
        .optional(),
      /**
       * A Slack incoming webhook (or any Slack-compatible one) in the tenant's Key Vault: its
       * alerts arrive Slack-formatted there, and Landlord's notices too.
       */
      slackWebhookSecretRef: secretRef
        .refine((r) => !RESERVED_SECRET.test(r.name), {
          error: explain("that Secret name is used by the tenant's own bundle", "name the webhook secret e.g. 'slack-webhook'"),
          path: ["name"],
        })
        .optional(),
      /** Notices the customer does not want; rollbacks and incidents are always sent. */
      optOut: z
        .array(z.enum(OPTIONAL_NOTICE_KINDS, { error: explain("only non-critical notices can be turned off", `use any of ${OPTIONAL_NOTICE_KINDS.join(", ")}`) }))
        .optional(),
      /** A public status page at /status/<tenant> on `landlord serve` (off: it answers 404 like an unknown name). */
      statusPage: z.boolean().optional(),
    }),
    compliance: z
      .array(
        z.enum(COMPLIANCE_TAGS, {
          error: explain("unknown compliance tag", `use any of ${COMPLIANCE_TAGS.join(", ")}`),
        }),
      )
      .default([]),
    overrides: layerSchema.default({}),
    version: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,62}$/, { error: explain("version must be an image tag of at most 63 characters", "write e.g. '1.4.2'") })
      .optional(),
    maintenanceWindow: z
      .strictObject({
        days: z.array(z.enum(WEEKDAYS)).min(1),
        start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: explain("start is HH:MM (24h)", "write e.g. '02:00'") }),
        durationMinutes: z.number().int().min(30).max(1440),
        // Written verbatim into the fleet's Alertmanager config: one bad name would break every tenant's alerting there.
        timezone: z
          .string()
          .superRefine((tz, ctx) => {
            const problem = timeZoneProblem(tz);
            if (problem) ctx.addIssue({ code: "custom", message: explain(problem.message, problem.fix) });
          })
          .default("UTC"),
      })
      .optional(),
    /** Progressive rollouts (docs/adr/0012): ring 0 goes first (canary), higher rings later; a pinned tenant keeps its version and is skipped. */
    rollout: z
      .strictObject({
        ring: z.number().int().min(0).max(9, { error: explain("ring is 0-9", "use 0 for canary tenants, higher for later") }).optional(),
        pinned: z.boolean().default(false),
      })
      .optional(),
    region: z.string().min(1).optional(),
    placement: z.strictObject({ cluster: dnsLabel(40) }).optional(),
    access: z
      .strictObject({
        adminGroups: z.array(z.string().min(1).max(256)).default([]),
        viewerGroups: z.array(z.string().min(1).max(256)).default([]),
      })
      .default({ adminGroups: [], viewerGroups: [] }),
  }),
});

export type Tenant = z.infer<typeof tenantSchema>;
export type TenantInput = z.input<typeof tenantSchema>;
