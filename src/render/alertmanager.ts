/**
 * The fleet Alertmanager configuration: one route per tenant, matched on the tenant's
 * namespace (the label every landlord alert carries), to that tenant's receivers; the
 * platform team gets every alert first (continue: true) and, as the root receiver, any
 * alert of no tenant. Symptoms are inhibited by their cause within one namespace, and a
 * tenant's maintenance window mutes its own route (the platform still hears).
 *
 * Webhook URLs are secrets: the config names a file (`url_file`, Alertmanager 0.26+) under
 * `secretsDir`, never the URL. Pure: the platform and tenants in, a config object out.
 *
 * One tenant never breaks another's alerting: a tenant whose spec would make Alertmanager
 * refuse the file (a time zone it cannot load, a name another tenant also uses) is left
 * out and reported, and the file is built for everyone else. Its alerts still reach the
 * platform receiver, which hears every alert.
 */
import { InputError, type InputProblem } from "../errors.js";
import type { FleetAlertmanagerConfig } from "../spec/monitoring-schema.js";
import type { ResolvedTenant } from "../spec/resolve.js";
import type { Tenant } from "../spec/tenant-schema.js";
import { timeZoneProblem } from "../spec/time-zones.js";

export const PLATFORM_RECEIVER = "platform";
export const tenantReceiver = (tenant: string): string => `tenant/${tenant}`;
const maintenanceInterval = (tenant: string): string => `tenant/${tenant}/maintenance`;

const WEEKDAY_NAMES = { mon: "monday", tue: "tuesday", wed: "wednesday", thu: "thursday", fri: "friday", sat: "saturday", sun: "sunday" } as const;
const NEXT_DAY = { mon: "tue", tue: "wed", wed: "thu", thu: "fri", fri: "sat", sat: "sun", sun: "mon" } as const;
type Day = keyof typeof WEEKDAY_NAMES;

/** Symptom alerts of a namespace that say nothing new while their cause fires there. */
export const INHIBITIONS: readonly { cause: string; symptoms: readonly string[]; equal: readonly string[] }[] = [
  { cause: "TenantDatabaseDown", symptoms: ["TenantAppDown", "TenantHighErrorRate", "TenantErrorBudgetBurnFast", "TenantErrorBudgetBurnSlow", "TenantBackupStale"], equal: ["namespace"] },
  { cause: "TenantAppDown", symptoms: ["TenantHighErrorRate", "TenantErrorBudgetBurnFast", "TenantErrorBudgetBurnSlow"], equal: ["namespace"] },
  // A page about a budget makes the ticket about the same budget noise.
  { cause: "TenantErrorBudgetBurnFast", symptoms: ["TenantErrorBudgetBurnSlow"], equal: ["namespace", "slo"] },
];

const quote = (v: string) => JSON.stringify(v);

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** A tenant left out of the fleet config, with every reason found (file, field path, message, fix). */
export interface SkippedTenant {
  /** The tenant's name, when its file said one. */
  readonly tenant: string | undefined;
  readonly problems: readonly InputProblem[];
}

export interface FleetAlertmanager {
  readonly config: Record<string, unknown>;
  /** Tenants without a route or receiver of their own, sorted by name: report every one. */
  readonly skipped: readonly SkippedTenant[];
}

/** A window that crosses midnight becomes two intervals: Alertmanager's times stay within a day. */
export interface TimeInterval {
  weekdays: string[];
  times: { start_time: string; end_time: string }[];
  location: string;
}

export function maintenanceTimeIntervals(w: NonNullable<Tenant["spec"]["maintenanceWindow"]>): TimeInterval[] {
  const [h, m] = w.start.split(":").map(Number);
  const start = (h ?? 0) * 60 + (m ?? 0);
  const end = start + w.durationMinutes;
  const days: Day[] = [...new Set(w.days)].sort();
  const out: TimeInterval[] = [
    { weekdays: days.map((d) => WEEKDAY_NAMES[d]), times: [{ start_time: hhmm(start), end_time: hhmm(Math.min(end, 1440)) }], location: w.timezone },
  ];
  if (end > 1440) {
    out.push({ weekdays: days.map((d) => WEEKDAY_NAMES[NEXT_DAY[d]]), times: [{ start_time: "00:00", end_time: hhmm(end - 1440) }], location: w.timezone });
  }
  return out;
}

/**
 * The config, and the tenants left out of it. Throws only for the platform's own settings,
 * which no tenant can fix.
 */
export function fleetAlertmanagerConfig(am: FleetAlertmanagerConfig, tenants: readonly ResolvedTenant[]): FleetAlertmanager {
  const email = (to: string) => (am.smtp ? [{ to, send_resolved: true }] : undefined);
  const platformReceiver: Record<string, unknown> = { name: PLATFORM_RECEIVER };
  if (am.platform.email !== undefined) platformReceiver.email_configs = email(am.platform.email);
  if (am.platform.webhookUrlFile !== undefined) platformReceiver.webhook_configs = [{ url_file: am.platform.webhookUrlFile, send_resolved: true }];
  if (!platformReceiver.email_configs && !platformReceiver.webhook_configs) {
    throw new InputError([{ path: "integrations.monitoring.alertmanager.smtp", message: "the platform receiver has only an email and no smtp is set", fix: "set smtp.smarthost and smtp.from, or platform.webhookUrlFile" }]);
  }

  const receivers: Record<string, unknown>[] = [platformReceiver];
  const routes: Record<string, unknown>[] = [{ receiver: PLATFORM_RECEIVER, continue: true }];
  const timeIntervals: Record<string, unknown>[] = [];
  const skipped: SkippedTenant[] = [];
  const sorted = [...tenants].sort((a, b) => (a.tenant.metadata.name < b.tenant.metadata.name ? -1 : 1));
  const shared = sharedNames(sorted);
  for (const t of sorted) {
    const name = t.tenant.metadata.name;
    const at = (p: Omit<InputProblem, "file">): InputProblem => (t.file === undefined ? p : { file: t.file, ...p });
    const refused = [...(shared.get(t) ?? []), ...tenantProblems(t)].map(at);
    if (refused.length > 0) {
      skipped.push({ tenant: name, problems: refused });
      continue;
    }
    const { contacts, maintenanceWindow } = t.tenant.spec;
    const receiver: Record<string, unknown> = { name: tenantReceiver(name) };
    if (am.smtp) receiver.email_configs = email(contacts.email);
    const ref = contacts.alertWebhookSecretRef;
    const secretFile = (r: { name: string; key: string }) => `${am.secretsDir.replace(/\/+$/, "")}/${name}/${r.name}/${r.key}`;
    if (ref) receiver.webhook_configs = [{ url_file: secretFile(ref), send_resolved: true }];
    // Slack's own payload (attachments with title, text and colour), from a file like the
    // webhook's: api_url_file exists since Alertmanager 0.22, so no inlining is needed.
    const slack = contacts.slackWebhookSecretRef;
    // The text carries the rules' own words (summary, description) a customer can act on.
    if (slack) receiver.slack_configs = [{ api_url_file: secretFile(slack), send_resolved: true, text: SLACK_TEXT }];
    receivers.push(receiver);
    const route: Record<string, unknown> = { receiver: tenantReceiver(name), matchers: [`namespace=${quote(t.names.namespace)}`] };
    if (maintenanceWindow) {
      timeIntervals.push({ name: maintenanceInterval(name), time_intervals: maintenanceTimeIntervals(maintenanceWindow) });
      route.mute_time_intervals = [maintenanceInterval(name)];
    }
    routes.push(route);
  }

  const config: Record<string, unknown> = {
    route: {
      receiver: PLATFORM_RECEIVER,
      group_by: ["alertname", "namespace"],
      group_wait: am.groupWait,
      group_interval: am.groupInterval,
      repeat_interval: am.repeatInterval,
      routes,
    },
    inhibit_rules: INHIBITIONS.map((i) => ({
      source_matchers: [`alertname=${quote(i.cause)}`],
      target_matchers: [`alertname=~${quote(i.symptoms.join("|"))}`],
      equal: [...i.equal],
    })),
    receivers,
  };
  if (am.smtp) config.global = { smtp_smarthost: am.smtp.smarthost, smtp_from: am.smtp.from };
  if (timeIntervals.length > 0) config.time_intervals = timeIntervals;
  return { config, skipped };
}

/** One line per alert of the group: its summary, then its description. */
const SLACK_TEXT = '{{ range .Alerts }}*{{ .Annotations.summary }}*{{ if .Annotations.description }}: {{ .Annotations.description }}{{ end }}\n{{ end }}';

/** What in one tenant's spec Alertmanager would refuse, failing the whole file. */
function tenantProblems(t: ResolvedTenant): Omit<InputProblem, "file">[] {
  const out: Omit<InputProblem, "file">[] = [];
  const { contacts, maintenanceWindow } = t.tenant.spec;
  for (const field of ["alertWebhookSecretRef", "slackWebhookSecretRef"] as const) {
    const key = contacts[field]?.key;
    if (key === "." || key === "..") out.push({ path: `spec.contacts.${field}.key`, message: "'.' and '..' are not secret keys", fix: "use the key's name in the tenant's Key Vault" });
  }
  // Specs are validated with the same rule; this catches one resolved before the rule existed.
  const zone = maintenanceWindow ? timeZoneProblem(maintenanceWindow.timezone) : undefined;
  if (zone) out.push({ path: "spec.maintenanceWindow.timezone", ...zone });
  return out;
}

/**
 * Tenants that share a name or a namespace with another: Alertmanager refuses two receivers
 * of one name, and a shared namespace would send one tenant's alerts to the other, so none
 * of them gets a route (which of them is meant cannot be told from here).
 */
function sharedNames(tenants: readonly ResolvedTenant[]): Map<ResolvedTenant, Omit<InputProblem, "file">[]> {
  const out = new Map<ResolvedTenant, Omit<InputProblem, "file">[]>();
  const claims = (key: (t: ResolvedTenant) => string, what: string, path: string) => {
    const by = new Map<string, ResolvedTenant[]>();
    for (const t of tenants) by.set(key(t), [...(by.get(key(t)) ?? []), t]);
    for (const [value, holders] of by) {
      if (holders.length < 2) continue;
      for (const t of holders) {
        // Two tenants of one name also share its namespace: say it once.
        if (out.has(t)) continue;
        const others = holders.filter((o) => o !== t).map((o) => `tenant '${o.tenant.metadata.name}'${o.file === undefined ? "" : ` in ${o.file}`}`);
        out.set(t, [{ path, message: `${what} '${value}' is also used by ${others.join(", ")}`, fix: "keep one tenant per name and namespace; delete or rename the others" }]);
      }
    }
  };
  claims((t) => t.tenant.metadata.name, "tenant name", "metadata.name");
  claims((t) => t.names.namespace, "namespace", "metadata.name");
  return out;
}

/**
 * Tenants whose receiver in the fleet config would reach no one: no webhook or Slack, and no SMTP
 * to send their contact email with. Alertmanager accepts such a receiver silently, and only
 * the platform would hear the tenant's alerts, so `landlord validate` warns about them.
 */
export function unreachableTenantReceivers(am: FleetAlertmanagerConfig | undefined, tenants: readonly ResolvedTenant[]): string[] {
  if (!am || am.smtp) return [];
  return tenants
    .filter((t) => t.tenant.spec.contacts.alertWebhookSecretRef === undefined && t.tenant.spec.contacts.slackWebhookSecretRef === undefined)
    .map((t) => t.tenant.metadata.name)
    .sort();
}
