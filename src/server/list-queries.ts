/**
 * Paged reads of the lists the API serves (Kubernetes list semantics: `limit`, and an
 * opaque `continue` cursor holding the last sort key). The store's repos return whole
 * lists; with a fleet of thousands that is most of a request's time, so the page, the
 * filters and the sort key are pushed into SQL here, over the same tables the repos read.
 * (The store's repos could grow these queries later; this module keeps to reads.)
 */
import { sql, type Kysely } from "kysely";
import { InputError } from "../errors.js";
import type { Database } from "../store/schema.js";
import { parseJson } from "../store/json.js";
import { fromIso, fromIsoOrNull } from "../store/time.js";
import type { TenantPhase, TenantRecord, WorkflowRecord, WorkflowStatus } from "../store/index.js";
import { tenantRecordFromRow } from "../store/tenants-repo.js";

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 500;

export interface Page<T> {
  readonly items: T[];
  /** Absent on the last page. */
  readonly continue?: string;
}

/** Cursors are opaque to clients: base64url of the last item's sort key. */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

export function decodeCursor(token: string, parts: number): string[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== parts || !key.every((k) => typeof k === "string")) {
    throw new InputError([{ path: "query.continue", message: "is not a cursor this list gave out", fix: "pass metadata.continue of the previous page unchanged, or leave it out for the first page" }]);
  }
  return key;
}

/** LIKE pattern matching `text` literally anywhere (backslash escapes %, _ and itself). */
function containing(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface TenantPageQuery {
  readonly phases?: readonly TenantPhase[];
  /** Leave out Offboarded tenants (unless `phases` asks for them). */
  readonly live?: boolean;
  /** Exactly this tenant (a tenant principal's own). */
  readonly name?: string;
  /** Matches the name, or anywhere in the spec text (display name, tier, domains). */
  readonly text?: string;
  readonly after?: string;
  readonly limit: number;
}

export async function tenantPage(db: Kysely<Database>, q: TenantPageQuery): Promise<Page<TenantRecord>> {
  if (q.phases?.length === 0) return { items: [] };
  let query = db.selectFrom("tenants").selectAll().orderBy("name").limit(q.limit + 1);
  if (q.phases) query = query.where("phase", "in", q.phases);
  else if (q.live === true) query = query.where("phase", "<>", "Offboarded");
  if (q.name !== undefined) query = query.where("name", "=", q.name);
  if (q.after !== undefined) query = query.where("name", ">", q.after);
  if (q.text !== undefined && q.text !== "") {
    const pattern = containing(q.text);
    query = query.where((eb) => eb.or([eb(sql`lower(name)`, "like", sql`${pattern} escape '\\'`), eb(sql`lower(spec)`, "like", sql`${pattern} escape '\\'`)]));
  }
  const rows = await query.execute();
  const page = rows.slice(0, q.limit);
  const names = page.map((r) => r.name);
  const domains = new Map<string, string[]>();
  if (names.length > 0) {
    for (const d of await db.selectFrom("tenant_domains").select(["domain", "tenant_name"]).where("tenant_name", "in", names).orderBy("domain").execute()) {
      const list = domains.get(d.tenant_name) ?? [];
      list.push(d.domain);
      domains.set(d.tenant_name, list);
    }
  }
  const items = page.map((r) => tenantRecordFromRow(r, domains));
  const last = page.at(-1);
  return rows.length > q.limit && last ? { items, continue: encodeCursor([last.name]) } : { items };
}

export interface WorkflowPageQuery {
  readonly tenantName?: string;
  readonly statuses?: readonly WorkflowStatus[];
  /** The last item's created_at (ISO text as stored) and id. */
  readonly after?: readonly [string, string];
  readonly limit: number;
}

/** Oldest first, as `landlord workflows` lists them; ties on the creation time go by id. */
export async function workflowPage(db: Kysely<Database>, q: WorkflowPageQuery): Promise<Page<WorkflowRecord>> {
  let query = db.selectFrom("workflows").selectAll().orderBy("created_at").orderBy("id").limit(q.limit + 1);
  if (q.tenantName !== undefined) query = query.where("tenant_name", "=", q.tenantName);
  if (q.statuses) query = query.where("status", "in", q.statuses);
  const after = q.after;
  if (after) query = query.where((eb) => eb.or([eb("created_at", ">", after[0]), eb.and([eb("created_at", "=", after[0]), eb("id", ">", after[1])])]));
  const rows = await query.execute();
  const page = rows.slice(0, q.limit);
  const items: WorkflowRecord[] = page.map((r) => ({
    id: r.id,
    kind: r.kind,
    tenantName: r.tenant_name,
    input: parseJson(r.input),
    status: r.status,
    error: r.error,
    createdAt: fromIso(r.created_at),
    startedAt: fromIsoOrNull(r.started_at),
    finishedAt: fromIsoOrNull(r.finished_at),
    leaseOwner: r.lease_owner,
    leaseExpiresAt: fromIsoOrNull(r.lease_expires_at),
    cancelRequested: r.cancel_requested !== 0,
    attempt: r.attempt,
  }));
  const last = page.at(-1);
  return rows.length > q.limit && last ? { items, continue: encodeCursor([last.created_at, last.id]) } : { items };
}
