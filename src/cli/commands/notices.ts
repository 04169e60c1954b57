/**
 * `landlord notices list|send|deliver`: what customers were told (or are about to be), an
 * operator's own notice (planned maintenance, an incident), and pushing queued ones out now.
 */
import { deliverNoticesNow, sendOperatorNotice } from "../../app/notices.js";
import { openProjectStore } from "../../app/runtime.js";
import { loadPlatformFile, type GlobalOptions } from "../../app/load-files.js";
import { InputError } from "../../errors.js";
import { toJson, toYaml } from "../../render/serialize.js";
import { noticesRepo, type NoticeState } from "../../store/notices-repo.js";
import type { CliIo } from "../io.js";
import { table } from "./tenants.js";

export interface NoticesListOptions {
  readonly tenant?: string;
  readonly state?: NoticeState;
  readonly output?: "table" | "yaml" | "json";
}

export async function noticesListCommand(io: CliIo, global: GlobalOptions, opts: NoticesListOptions): Promise<void> {
  const platform = await loadPlatformFile(io, global);
  const { store } = await openProjectStore(io, global, platform, { readOnly: true });
  try {
    const rows = await noticesRepo(store.db).list({ ...(opts.tenant ? { tenant: opts.tenant } : {}), ...(opts.state ? { state: opts.state } : {}) });
    const view = rows.map((n) => ({ id: n.id, tenant: n.tenant, kind: n.kind, channel: n.channel, to: n.recipient, state: n.state, attempts: n.attempts, subject: n.subject, created: n.createdAt.toISOString(), ...(n.sentAt ? { sent: n.sentAt.toISOString() } : {}), ...(n.lastError ? { lastError: n.lastError } : {}) }));
    if (opts.output === "json" || opts.output === "yaml") {
      io.stdout(opts.output === "json" ? toJson({ notices: view }) : toYaml({ notices: view }));
      return;
    }
    io.stdout(table(view.map((n) => ({ CREATED: n.created.slice(0, 19), TENANT: n.tenant, KIND: n.kind, CHANNEL: n.channel, STATE: n.state, TRIES: String(n.attempts), SUBJECT: n.subject, ERROR: n.lastError ?? "-" })), ["CREATED", "TENANT", "KIND", "CHANNEL", "STATE", "TRIES", "SUBJECT", "ERROR"]));
    if (view.some((n) => n.state === "failed")) io.stderr("Failed notices were given up after notices.maxAttempts; fix the cause shown, then send again with: landlord notices send\n");
  } finally {
    await store.close();
  }
}

function time(value: string | undefined, flag: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InputError([{ path: flag, message: `'${value}' is not a time`, fix: `write ${flag} 2026-12-24T02:00:00Z` }]);
  return d;
}

export interface NoticesSendOptions {
  readonly kind: "maintenance" | "incident";
  readonly message: string;
  readonly all?: boolean;
  readonly startsAt?: string;
  readonly endsAt?: string;
}

export async function noticesSendCommand(io: CliIo, global: GlobalOptions, tenants: readonly string[], opts: NoticesSendOptions): Promise<number> {
  const platform = await loadPlatformFile(io, global);
  const { store } = await openProjectStore(io, global, platform);
  try {
    const out = await sendOperatorNotice(store, platform, { kind: opts.kind, tenants, all: opts.all === true, message: opts.message, startsAt: time(opts.startsAt, "--starts-at"), endsAt: time(opts.endsAt, "--ends-at") }, new Date());
    io.stdout(`${opts.kind} notice queued for ${String(out.tenants)} tenants (${String(out.queued)} messages): ${String(out.sent)} sent, ${String(out.failed)} failed now\n`);
    if (out.queued === 0) io.stderr("nothing was queued: no tenant can be reached (set notices.smtp, or notices.secretsDir with tenants' spec.contacts.slackWebhookSecretRef), or all opted out of this kind\n");
    if (out.failed > 0) io.stderr("failed messages are retried by `landlord serve`, or now with: landlord notices deliver; see landlord notices list --state pending\n");
    return out.failed > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}

export async function noticesDeliverCommand(io: CliIo, global: GlobalOptions): Promise<number> {
  const platform = await loadPlatformFile(io, global);
  const { store } = await openProjectStore(io, global, platform);
  try {
    const { sent, failed } = await deliverNoticesNow(store, platform);
    io.stdout(`${String(sent)} notices sent, ${String(failed)} failed\n`);
    return failed > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}
