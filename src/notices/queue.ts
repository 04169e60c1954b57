/**
 * Deciding that a customer is told something: the notice is worded now (what was true when
 * it happened) and queued per channel the tenant can be reached on. Sending is the courier's
 * (src/notices/courier.ts), so a slow mail relay never holds up a rollout wave.
 */
import type { NoticeKind, NoticesConfig } from "../spec/notices-schema.js";
import { isCritical } from "../spec/notices-schema.js";
import type { Tenant } from "../spec/tenant-schema.js";
import type { Store } from "../store/index.js";
import { noticesRepo, type NewNotice } from "../store/notices-repo.js";
import { composeNotice, type NoticeValues } from "./compose.js";

export interface NoticeEvent {
  readonly kind: NoticeKind;
  /** Same key, same notice: queueing it again (a resumed runner) sends nothing more. */
  readonly dedupeKey: string;
  readonly values: Omit<NoticeValues, "tenant" | "displayName" | "statusUrl">;
}

/** The rollout runner's view of notices: queue one per tenant, and push what is queued out now. */
export interface RolloutNotices {
  queue(tenant: Tenant, event: NoticeEvent): Promise<void>;
  /** Sends what is due; resolves after at most its own deadline, sent or not (the courier retries). */
  flush(): Promise<void>;
}

/** The public status page of a tenant that has one, under `notices.statusBaseUrl`. */
export function statusUrlOf(config: NoticesConfig, tenant: Tenant): string | undefined {
  if (tenant.spec.contacts.statusPage !== true || config.statusBaseUrl === undefined) return undefined;
  return `${config.statusBaseUrl.replace(/\/+$/, "")}/status/${encodeURIComponent(tenant.metadata.name)}`;
}

/** The rows one event becomes for one tenant: none when notices are off or it opted out. */
export function noticesFor(config: NoticesConfig, tenant: Tenant, event: NoticeEvent): NewNotice[] {
  if (!config.enabled) return [];
  const contacts = tenant.spec.contacts;
  const optOut = contacts.optOut ?? [];
  if (!isCritical(event.kind) && optOut.some((k) => k === event.kind)) return [];
  // Taking back an announcement the tenant never got would only confuse it.
  if (event.kind === "rollout-cancelled" && optOut.some((k) => k === "rollout-starting")) return [];
  const name = tenant.metadata.name;
  const words = composeNotice(config, event.kind, { ...event.values, tenant: name, displayName: tenant.spec.displayName, statusUrl: statusUrlOf(config, tenant) });
  const base = { dedupeKey: event.dedupeKey, tenant: name, kind: event.kind, subject: words.subject, body: words.text };
  const out: NewNotice[] = [];
  if (config.smtp !== undefined) out.push({ ...base, channel: "email", recipient: contacts.email });
  const slack = contacts.slackWebhookSecretRef;
  if (slack !== undefined && config.secretsDir !== undefined) out.push({ ...base, channel: "slack", recipient: `${slack.name}/${slack.key}` });
  return out;
}

/**
 * Tenants no notice can reach: notices are on, but landlord.yaml gives no channel the tenant
 * has (no notices.smtp for its email; no notices.secretsDir, or no slackWebhookSecretRef, for
 * Slack). Rollouts, maintenance and incidents would go untold, so `landlord validate` warns.
 */
export function unreachableByNotices(config: NoticesConfig, tenants: readonly Tenant[]): string[] {
  if (!config.enabled || config.smtp !== undefined) return [];
  return tenants
    .filter((t) => config.secretsDir === undefined || t.spec.contacts.slackWebhookSecretRef === undefined)
    .map((t) => t.metadata.name)
    .sort();
}

/** Queues the event's notices for each tenant; how many rows were new. */
export async function queueNotices(store: Store, config: NoticesConfig, tenants: readonly Tenant[], event: (t: Tenant) => NoticeEvent | undefined, now: Date): Promise<number> {
  const rows = tenants.flatMap((t) => {
    const e = event(t);
    return e ? noticesFor(config, t, e) : [];
  });
  return rows.length === 0 ? 0 : noticesRepo(store.db).enqueue(rows, now);
}
