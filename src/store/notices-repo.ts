/**
 * The notices outbox: what customers are to be told, written by whoever decides it (the
 * rollout runner, an operator) and sent by a courier that may run in another process. One
 * row per notice and channel, so an email that went out is not sent again because the
 * webhook beside it failed. A dedupe key makes queueing idempotent: a runner resumed after
 * a crash queues the same notice again and nothing changes.
 *
 * Rows hold what the customer reads (subject, text) and where it goes (an email address, or
 * the name of the tenant secret holding the webhook URL): never the URL, which is a secret.
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { NoticeKind } from "../spec/notices-schema.js";
import type { Database, IsoTime } from "./schema.js";
import { fromIsoOrNull, toIso } from "./time.js";

export type NoticeChannel = "email" | "slack";
export type NoticeState = "pending" | "sent" | "failed";

export interface NoticesTable {
  id: string;
  dedupe_key: string;
  tenant_name: string;
  kind: string;
  channel: string;
  /** An email address, or `<secret name>/<key>` of the tenant's webhook secret. */
  recipient: string;
  subject: string;
  body: string;
  state: string;
  attempts: number;
  next_attempt_at: IsoTime;
  last_error: string | null;
  created_at: IsoTime;
  sent_at: IsoTime | null;
}

type Tables = { notices: NoticesTable };

export interface NoticeRecord {
  readonly id: string;
  readonly dedupeKey: string;
  readonly tenant: string;
  readonly kind: NoticeKind;
  readonly channel: NoticeChannel;
  readonly recipient: string;
  readonly subject: string;
  readonly body: string;
  readonly state: NoticeState;
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly sentAt: Date | null;
}

export type NewNotice = Pick<NoticeRecord, "dedupeKey" | "tenant" | "kind" | "channel" | "recipient" | "subject" | "body">;

export interface NoticesRepo {
  /** Queues each notice unless the tenant has one with its dedupe key and channel; how many were new. */
  enqueue(notices: readonly NewNotice[], now: Date): Promise<number>;
  /**
   * Pending notices due by `now`, each claimed for `holdMs` (a second courier skips them
   * meanwhile; a courier that dies mid-send leaves them due again after it), oldest first.
   */
  claimDue(now: Date, holdMs: number, limit: number): Promise<NoticeRecord[]>;
  sent(id: string, now: Date): Promise<void>;
  /** A failed attempt: tried again at `retryAt`, or given up when it is null. */
  attemptFailed(id: string, error: string, now: Date, retryAt: Date | null): Promise<void>;
  list(filter: { tenant?: string; state?: NoticeState; limit?: number }): Promise<NoticeRecord[]>;
}

function fromRow(r: NoticesTable): NoticeRecord {
  return {
    id: r.id,
    dedupeKey: r.dedupe_key,
    tenant: r.tenant_name,
    kind: r.kind as NoticeKind,
    channel: r.channel as NoticeChannel,
    recipient: r.recipient,
    subject: r.subject,
    body: r.body,
    state: r.state as NoticeState,
    attempts: r.attempts,
    nextAttemptAt: new Date(r.next_attempt_at),
    lastError: r.last_error,
    createdAt: new Date(r.created_at),
    sentAt: fromIsoOrNull(r.sent_at),
  };
}

export function noticesRepo(base: Kysely<Database>): NoticesRepo {
  const db = base.withTables<Tables>();
  return {
    async enqueue(notices, now) {
      let added = 0;
      for (const n of notices) {
        const result = await db
          .insertInto("notices")
          .values({
            id: randomUUID(),
            dedupe_key: n.dedupeKey,
            tenant_name: n.tenant,
            kind: n.kind,
            channel: n.channel,
            recipient: n.recipient,
            subject: n.subject,
            body: n.body,
            state: "pending",
            attempts: 0,
            next_attempt_at: toIso(now),
            last_error: null,
            created_at: toIso(now),
            sent_at: null,
          })
          .onConflict((oc) => oc.columns(["tenant_name", "dedupe_key", "channel"]).doNothing())
          .executeTakeFirst();
        added += Number(result.numInsertedOrUpdatedRows ?? 0n);
      }
      return added;
    },
    async claimDue(now, holdMs, limit) {
      const due = await db.selectFrom("notices").selectAll().where("state", "=", "pending").where("next_attempt_at", "<=", toIso(now)).orderBy("created_at").orderBy("id").limit(limit).execute();
      const claimed: NoticeRecord[] = [];
      const until = toIso(new Date(now.getTime() + holdMs));
      for (const row of due) {
        // Compare-and-set on the due time: of two couriers, one moves it and the other sees no row.
        const r = await db.updateTable("notices").set({ next_attempt_at: until }).where("id", "=", row.id).where("state", "=", "pending").where("next_attempt_at", "=", row.next_attempt_at).executeTakeFirst();
        if (Number(r.numUpdatedRows) === 1) claimed.push(fromRow({ ...row, next_attempt_at: until }));
      }
      return claimed;
    },
    async sent(id, now) {
      await db.updateTable("notices").set((eb) => ({ state: "sent", sent_at: toIso(now), last_error: null, attempts: eb("attempts", "+", 1) })).where("id", "=", id).execute();
    },
    async attemptFailed(id, error, now, retryAt) {
      await db
        .updateTable("notices")
        .set((eb) => ({ state: retryAt === null ? "failed" : "pending", last_error: error, attempts: eb("attempts", "+", 1), next_attempt_at: toIso(retryAt ?? now) }))
        .where("id", "=", id)
        .execute();
    },
    async list({ tenant, state, limit }) {
      let q = db.selectFrom("notices").selectAll();
      if (tenant !== undefined) q = q.where("tenant_name", "=", tenant);
      if (state !== undefined) q = q.where("state", "=", state);
      const rows = await q.orderBy("created_at", "desc").orderBy("id").limit(limit ?? 200).execute();
      return rows.map(fromRow);
    },
  };
}
