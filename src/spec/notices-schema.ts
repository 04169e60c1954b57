/**
 * `notices` in landlord.yaml: what customers are told, how, and in which words. Kinds and
 * their criticality live here because both the tenant spec (what a tenant may opt out of)
 * and the platform config (templates per kind) name them.
 */
import Mustache from "mustache";
import { z } from "zod";
import { explain } from "./fields.js";

/** Every notice Landlord sends a customer. */
export const NOTICE_KINDS = ["rollout-starting", "rollout-finished", "rollout-cancelled", "rollout-rolled-back", "maintenance", "incident"] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/**
 * What a tenant may opt out of. A rollback and an incident say the service was or is hurt,
 * which a customer's contract usually requires it to hear; so they are always sent. A
 * cancelled update only takes back an announcement, which is optional too.
 */
export const OPTIONAL_NOTICE_KINDS = ["rollout-starting", "rollout-finished", "rollout-cancelled", "maintenance"] as const satisfies readonly NoticeKind[];

export function isCritical(kind: NoticeKind): boolean {
  return !(OPTIONAL_NOTICE_KINDS as readonly NoticeKind[]).includes(kind);
}

/** The names a template may use; anything else is a typo that would print as nothing. */
export const TEMPLATE_VARIABLES = ["tenant", "displayName", "version", "previousVersion", "wave", "reason", "window", "message", "startsAt", "endsAt", "statusUrl", "platform"] as const;

function templateProblem(text: string): string | undefined {
  let tokens: unknown[];
  try {
    tokens = Mustache.parse(text);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const names = new Set<string>();
  const walk = (list: unknown[]) => {
    for (const t of list) {
      if (!Array.isArray(t)) continue;
      const [type, value, , , children] = t as [string, string, number, number, unknown[] | undefined];
      if (type === "name" || type === "&" || type === "{" || type === "#" || type === "^") names.add(value);
      if (Array.isArray(children)) walk(children);
    }
  };
  walk(tokens);
  const unknown = [...names].filter((n) => !(TEMPLATE_VARIABLES as readonly string[]).includes(n));
  return unknown.length > 0 ? `unknown variable${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => `{{${n}}}`).join(", ")}` : undefined;
}

const template = z
  .string()
  .min(1)
  .max(4000)
  .superRefine((text, ctx) => {
    const problem = templateProblem(text);
    if (problem) ctx.addIssue({ code: "custom", message: explain(problem, `use {{name}} with a name from: ${TEMPLATE_VARIABLES.join(", ")}`) });
  });

const kindTemplate = z.strictObject({ subject: template.optional(), text: template.optional() });

export const noticesSchema = z.strictObject({
  /** Off: nothing is queued or sent (the status page still answers). */
  enabled: z.boolean().default(true),
  /** Email is sent only with an SMTP relay; without one, notices go to webhooks alone. */
  smtp: z
    .strictObject({
      smarthost: z.string().regex(/^[-\w.]+:\d+$/, { error: explain("smarthost is host:port", "write e.g. smtp.example.com:587") }),
      from: z.email({ error: explain("not an email address", "write e.g. noreply@example.com") }),
      /** Require STARTTLS (port 465 is TLS from the first byte and always encrypted). */
      requireTls: z.boolean().default(true),
      /** File holding `user:password` for the relay; never the value itself. */
      credentialsFile: z.string().regex(/^\/[-\w./]*$/, { error: explain("credentialsFile is an absolute path", "write e.g. /etc/landlord/smtp-credentials") }).optional(),
    })
    .optional(),
  /**
   * Where tenants' webhook URLs are mounted: <secretsDir>/<tenant>/<secret name>/<key>, the
   * layout the fleet Alertmanager reads them in, so one synced Secret serves both.
   */
  secretsDir: z.string().regex(/^\/[-\w./]*$/, { error: explain("secretsDir is an absolute path", "write e.g. /etc/landlord/tenant-secrets") }).optional(),
  /** Shown in every notice as the sender's name. */
  platformName: z.string().min(1).max(80).default("Landlord"),
  /** Public base URL of `landlord serve`; notices link to the tenant's status page under it. */
  statusBaseUrl: z.url({ error: explain("statusBaseUrl is an absolute URL", "write e.g. https://status.example.com") }).optional(),
  /** Per kind, replacing the built-in subject and/or text ({{variables}}: see TEMPLATE_VARIABLES). */
  templates: z.partialRecord(z.enum(NOTICE_KINDS, { error: explain("unknown notice kind", `use any of ${NOTICE_KINDS.join(", ")}`) }), kindTemplate).default({}),
  /** Delivery attempts per notice and channel before it is given up (and listed as failed). */
  maxAttempts: z.number().int().min(1).max(50).default(8),
  /** Webhook URLs may be plain http (a test receiver, a relay inside the platform's network); tenants write them, so off by default. */
  allowHttpWebhooks: z.boolean().default(false),
});

export type NoticesConfig = z.infer<typeof noticesSchema>;
export const NOTICES_DEFAULTS: NoticesConfig = noticesSchema.parse({});
