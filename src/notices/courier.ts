/**
 * Sends queued notices: claims what is due, hands each to its channel's transport, and
 * records the outcome. At least once: a courier that dies after the relay took a mail but
 * before the row said so sends it again when the claim lapses; a customer reading a notice
 * twice is better than one never told of a rollback.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { NoticesConfig } from "../spec/notices-schema.js";
import type { Store } from "../store/index.js";
import { noticesRepo, type NoticeRecord } from "../store/notices-repo.js";
import { UpstreamError } from "../errors.js";
import { slackPayload, type NoticeText } from "./compose.js";

export interface NoticeTransports {
  email(to: string, notice: NoticeText): Promise<void>;
  /** POSTs a JSON body; resolves on a 2xx answer. */
  webhook(url: string, body: unknown): Promise<void>;
}

/** A notice could not go out; the message names the file or the answer, never the webhook URL (a bearer secret). */
export class NoticeDeliveryError extends UpstreamError {
  override readonly name = "NoticeDeliveryError";
}

export interface CourierOptions {
  readonly store: Store;
  readonly config: NoticesConfig;
  readonly transports: NoticeTransports;
  readonly now?: () => Date;
  /** How long a claimed notice is left to one courier before another may take it. */
  readonly holdMs?: number;
  readonly batch?: number;
  readonly log?: (line: string) => void;
}

/** 30 s, 1 min, 2 min, ... at most an hour between attempts. */
export function retryDelayMs(attempt: number): number {
  return Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempt - 1));
}

async function webhookUrl(config: NoticesConfig, n: NoticeRecord): Promise<string> {
  if (config.secretsDir === undefined) throw new NoticeDeliveryError("notices.secretsDir is not set, so no webhook URL can be read; set it in landlord.yaml");
  // The recipient was written by Landlord from a validated secretRef (a DNS label and a key
  // without '/'), so it cannot climb out of the tenant's folder.
  const file = join(config.secretsDir, n.tenant, n.recipient);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new NoticeDeliveryError(`webhook URL file ${file} cannot be read: sync the tenant's secret ${n.recipient.split("/")[0] ?? ""} there`);
  }
  const url = text.trim();
  // The URL is the tenant's to write: plain http would let it point the platform at
  // in-cluster or metadata endpoints (169.254.169.254 answers http only). Slack's are https.
  const scheme = config.allowHttpWebhooks ? /^https?:\/\/\S+$/ : /^https:\/\/\S+$/;
  if (!scheme.test(url)) {
    throw new NoticeDeliveryError(`webhook URL file ${file} does not hold an ${config.allowHttpWebhooks ? "http(s)" : "https"} URL${config.allowHttpWebhooks ? "" : " (plain http is refused unless notices.allowHttpWebhooks is set)"}`);
  }
  return url;
}

async function send(o: CourierOptions, n: NoticeRecord): Promise<void> {
  const words = { subject: n.subject, text: n.body };
  if (n.channel === "email") return o.transports.email(n.recipient, words);
  return o.transports.webhook(await webhookUrl(o.config, n), slackPayload(words));
}

/** One pass: every notice due now, sent or rescheduled; how many were sent. */
export async function deliverDueNotices(o: CourierOptions): Promise<{ sent: number; failed: number }> {
  const repo = noticesRepo(o.store.db);
  const now = o.now ?? (() => new Date());
  const due = await repo.claimDue(now(), o.holdMs ?? 120_000, o.batch ?? 50);
  let sent = 0;
  let failed = 0;
  for (const n of due) {
    try {
      await send(o, n);
      await repo.sent(n.id, now());
      sent++;
      o.log?.(`notice ${n.kind} for ${n.tenant} sent by ${n.channel}`);
    } catch (err) {
      failed++;
      const attempt = n.attempts + 1;
      const why = err instanceof NoticeDeliveryError ? err.message : `${n.channel} delivery failed: ${err instanceof Error ? err.message : String(err)}`;
      const retryAt = attempt >= o.config.maxAttempts ? null : new Date(now().getTime() + retryDelayMs(attempt));
      await repo.attemptFailed(n.id, why, now(), retryAt);
      o.log?.(`notice ${n.kind} for ${n.tenant} by ${n.channel}: attempt ${String(attempt)} failed (${why})${retryAt ? `, next at ${retryAt.toISOString()}` : `; given up after ${String(attempt)} attempts (landlord notices list --state failed)`}`);
    }
  }
  return { sent, failed };
}
