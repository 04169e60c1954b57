/**
 * Operators telling customers something outside a rollout (planned maintenance, an incident),
 * and pushing queued notices out now. One path below the CLI and the API.
 */
import { randomUUID } from "node:crypto";
import { InputError, NotFoundError } from "../errors.js";
import { deliverDueNotices, type NoticeTransports } from "../notices/courier.js";
import { queueNotices } from "../notices/queue.js";
import { noticeTransports } from "../notices/transports.js";
import type { PlatformContext } from "../spec/platform.js";
import type { Tenant } from "../spec/tenant-schema.js";
import type { Store } from "../store/index.js";

export interface OperatorNotice {
  readonly kind: "maintenance" | "incident";
  /** Tenant names; empty with `all` for every tenant that is not offboarded. */
  readonly tenants: readonly string[];
  readonly all?: boolean;
  readonly message: string;
  readonly startsAt?: Date | undefined;
  readonly endsAt?: Date | undefined;
}

export interface NoticeOutcome {
  readonly queued: number;
  readonly tenants: number;
  readonly sent: number;
  readonly failed: number;
}

function checkNotice(n: OperatorNotice): void {
  const problems = [];
  if (n.message.trim() === "") problems.push({ path: "message", message: "the notice says nothing", fix: "pass --message 'what customers should know'" });
  if (!n.all && n.tenants.length === 0) problems.push({ path: "tenants", message: "no tenant named", fix: "name tenants, or pass --all" });
  if (n.all && n.tenants.length > 0) problems.push({ path: "tenants", message: "tenants named together with --all", fix: "name tenants or pass --all, not both" });
  if (n.startsAt && n.endsAt && n.endsAt <= n.startsAt) problems.push({ path: "endsAt", message: "ends before it starts", fix: "pass an --ends-at after --starts-at" });
  if (problems.length > 0) throw new InputError(problems);
}

export async function sendOperatorNotice(store: Store, platform: PlatformContext, n: OperatorNotice, now: Date, transports: NoticeTransports = noticeTransports(platform.config.notices)): Promise<NoticeOutcome> {
  checkNotice(n);
  const config = platform.config.notices;
  if (!config.enabled) throw new InputError([{ path: "notices.enabled", message: "notices are off in landlord.yaml", fix: "set notices.enabled: true" }]);
  const records = n.all ? (await store.tenants.list()).filter((r) => r.phase !== "Offboarded") : await Promise.all(n.tenants.map((t) => store.tenants.get(t)));
  const specs: Tenant[] = [];
  for (const [i, r] of records.entries()) {
    if (!r) throw new NotFoundError(`tenant '${n.tenants[i] ?? ""}' not found (landlord get tenants lists them); nothing was queued`);
    specs.push(r.spec);
  }
  // Each send is its own notice: the same words sent twice on purpose are two notices.
  const id = randomUUID();
  const queued = await queueNotices(
    store,
    config,
    specs,
    () => ({ kind: n.kind, dedupeKey: `${n.kind}:${id}`, values: { message: n.message.trim(), startsAt: n.startsAt?.toISOString().replace(".000Z", "Z"), endsAt: n.endsAt?.toISOString().replace(".000Z", "Z") } }),
    now,
  );
  const { sent, failed } = await deliverDueNotices({ store, config, transports });
  return { queued, tenants: specs.length, sent, failed };
}

/** Sends what is due now (failed attempts whose retry time came), as `serve`'s courier would. */
export async function deliverNoticesNow(store: Store, platform: PlatformContext, transports: NoticeTransports = noticeTransports(platform.config.notices)): Promise<{ sent: number; failed: number }> {
  return deliverDueNotices({ store, config: platform.config.notices, transports });
}
