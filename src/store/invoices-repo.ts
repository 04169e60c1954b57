/**
 * Invoices and credit notes. Numbers come from one counter row per series (INV, CN),
 * taken in the same transaction as the document, so a failed or refused issue rolls the
 * counter back too: numbers have no gaps. Issued documents never change (triggers refuse
 * update and delete on any client); a correction is a credit note referring to the invoice.
 */
import { sql, type Kysely } from "kysely";
import { ConflictError, NotAllowedError, NotFoundError } from "../errors.js";
import type { Backend, Database, IsoTime, JsonText } from "./schema.js";
import { fromIso, toIso } from "./time.js";

export interface InvoicesTable {
  number: string;
  kind: "invoice" | "credit_note";
  tenant_name: string;
  month: string;
  currency: string;
  /** [{description, amountMinor}] with amounts as decimal strings: exact on both backends. */
  lines: JsonText;
  /** Whole minor units as a decimal string (PostgreSQL bigint comes back as text anyway). */
  total_minor: string;
  /** For a credit note: the invoice it corrects. */
  credits: string | null;
  reason: string | null;
  issued_at: IsoTime;
}

export interface InvoiceCountersTable {
  series: string;
  last: number;
}

// A type alias, not an interface: Kysely's withTables wants an index-signature-compatible shape.
export type InvoiceTables = {
  invoices: InvoicesTable;
  invoice_counters: InvoiceCountersTable;
};

export interface DocumentLine {
  readonly description: string;
  readonly amountMinor: bigint;
}

export interface InvoiceRecord {
  readonly number: string;
  readonly kind: "invoice" | "credit_note";
  readonly tenantName: string;
  readonly month: string;
  readonly currency: string;
  readonly lines: readonly DocumentLine[];
  readonly totalMinor: bigint;
  readonly credits: string | null;
  readonly reason: string | null;
  readonly issuedAt: Date;
}

export interface InvoicesRepo {
  /** Issues the month's invoice of a tenant; a second one for the same month is a ConflictError. */
  issue(d: { tenantName: string; month: string; currency: string; lines: readonly DocumentLine[]; now: Date }): Promise<InvoiceRecord>;
  /** A credit note against an invoice: its lines negated (all of them, or the given amount). */
  credit(d: { number: string; reason: string; amountMinor?: bigint; now: Date }): Promise<InvoiceRecord>;
  get(number: string): Promise<InvoiceRecord>;
  list(filter?: { tenantName?: string; month?: string }): Promise<InvoiceRecord[]>;
}

const SERIES = { invoice: "INV", credit_note: "CN" } as const;
const NUMBER_DIGITS = 6;

export async function createInvoiceTables(db: Kysely<unknown>, backend: Backend): Promise<void> {
  const time = backend === "postgres" ? sql`text collate "C"` : sql`text`;
  await db.schema
    .createTable("invoices")
    .addColumn("number", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("tenant_name", "text", (c) => c.notNull())
    .addColumn("month", "text", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("lines", "text", (c) => c.notNull())
    .addColumn("total_minor", "text", (c) => c.notNull())
    .addColumn("credits", "text", (c) => c.references("invoices.number"))
    .addColumn("reason", "text")
    .addColumn("issued_at", time, (c) => c.notNull())
    .execute();
  // One invoice per tenant and month, enforced by the database as well as by issue().
  await sql`create unique index invoices_one_per_month on invoices (tenant_name, month) where kind = 'invoice'`.execute(db);
  await db.schema.createIndex("invoices_credits").on("invoices").column("credits").execute();
  await db.schema
    .createTable("invoice_counters")
    .addColumn("series", "text", (c) => c.primaryKey())
    .addColumn("last", "integer", (c) => c.notNull())
    .execute();
  await sql`insert into invoice_counters (series, last) values ('INV', 0), ('CN', 0)`.execute(db);
  if (backend === "sqlite") {
    await sql`create trigger invoices_no_update before update on invoices
      begin select raise(abort, 'issued invoices are immutable: issue a credit note'); end`.execute(db);
    await sql`create trigger invoices_no_delete before delete on invoices
      begin select raise(abort, 'issued invoices are immutable: issue a credit note'); end`.execute(db);
    return;
  }
  await sql`create function landlord_invoices_immutable() returns trigger language plpgsql as $$
      begin raise exception 'issued invoices are immutable: issue a credit note'; end $$`.execute(db);
  await sql`create trigger invoices_no_update_delete before update or delete on invoices
      for each row execute function landlord_invoices_immutable()`.execute(db);
  await sql`create trigger invoices_no_truncate before truncate on invoices
      for each statement execute function landlord_invoices_immutable()`.execute(db);
}

function toRecord(row: InvoicesTable): InvoiceRecord {
  const lines = (JSON.parse(row.lines) as { description: string; amountMinor: string }[]).map((l) => ({ description: l.description, amountMinor: BigInt(l.amountMinor) }));
  return {
    number: row.number,
    kind: row.kind,
    tenantName: row.tenant_name,
    month: row.month,
    currency: row.currency,
    lines,
    totalMinor: BigInt(row.total_minor),
    credits: row.credits,
    reason: row.reason,
    issuedAt: fromIso(row.issued_at),
  };
}

/** Takes the next number of a series; the row lock (PostgreSQL) or write lock (SQLite) serialises issuers. */
async function nextNumber(trx: InvoiceDb, kind: "invoice" | "credit_note"): Promise<string> {
  const series = SERIES[kind];
  const row = await trx
    .updateTable("invoice_counters")
    .set((eb) => ({ last: eb("last", "+", 1) }))
    .where("series", "=", series)
    .returning("last")
    .executeTakeFirstOrThrow();
  return `${series}-${String(row.last).padStart(NUMBER_DIGITS, "0")}`;
}

const linesJson = (lines: readonly DocumentLine[]) => JSON.stringify(lines.map((l) => ({ description: l.description, amountMinor: l.amountMinor.toString() })));

type InvoiceDb = Kysely<Database & InvoiceTables>;

/** Atomic on its own, or part of the caller's transaction (Kysely has no nested ones). */
function inTransaction<T>(db: InvoiceDb, fn: (trx: InvoiceDb) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

export function invoicesRepo(base: Kysely<Database>): InvoicesRepo {
  const db = base.withTables<InvoiceTables>();
  const find = (q: InvoiceDb, number: string) => q.selectFrom("invoices").selectAll().where("number", "=", number).executeTakeFirst();
  return {
    issue(d) {
      return inTransaction(db, async (t) => {
        const existing = await t
          .selectFrom("invoices")
          .select("number")
          .where("tenant_name", "=", d.tenantName)
          .where("month", "=", d.month)
          .where("kind", "=", "invoice")
          .executeTakeFirst();
        if (existing) throw new ConflictError(`${d.tenantName} already has invoice ${existing.number} for ${d.month}: issued invoices are final, correct it with a credit note`);
        const number = await nextNumber(t, "invoice");
        const row: InvoicesTable = {
          number,
          kind: "invoice",
          tenant_name: d.tenantName,
          month: d.month,
          currency: d.currency,
          lines: linesJson(d.lines),
          total_minor: d.lines.reduce((a, l) => a + l.amountMinor, 0n).toString(),
          credits: null,
          reason: null,
          issued_at: toIso(d.now),
        };
        await t.insertInto("invoices").values(row).execute();
        return toRecord(row);
      });
    },
    credit(d) {
      return inTransaction(db, async (t) => {
        const invoice = await find(t, d.number);
        if (!invoice) throw new NotFoundError(`invoice ${d.number} not found`);
        if (invoice.kind !== "invoice") throw new NotAllowedError(`${d.number} is a credit note: credit the invoice it corrects (${invoice.credits ?? "?"})`);
        const earlier = await t.selectFrom("invoices").select("total_minor").where("credits", "=", d.number).execute();
        const credited = earlier.reduce((a, r) => a - BigInt(r.total_minor), 0n);
        const open = BigInt(invoice.total_minor) - credited;
        const amount = d.amountMinor ?? open;
        if (amount <= 0n || amount > open) {
          throw new NotAllowedError(`${d.number} has ${open} minor units left to credit; a credit note must be between 1 and that`);
        }
        const lines = d.amountMinor === undefined && credited === 0n
          ? toRecord(invoice).lines.map((l) => ({ description: l.description, amountMinor: -l.amountMinor }))
          : [{ description: `Correction of ${d.number}: ${d.reason}`, amountMinor: -amount }];
        const number = await nextNumber(t, "credit_note");
        const row: InvoicesTable = {
          number,
          kind: "credit_note",
          tenant_name: invoice.tenant_name,
          month: invoice.month,
          currency: invoice.currency,
          lines: linesJson(lines),
          total_minor: (-amount).toString(),
          credits: d.number,
          reason: d.reason,
          issued_at: toIso(d.now),
        };
        await t.insertInto("invoices").values(row).execute();
        return toRecord(row);
      });
    },
    async get(number) {
      const row = await find(db, number);
      if (!row) throw new NotFoundError(`invoice ${number} not found`);
      return toRecord(row);
    },
    async list(filter = {}) {
      let q = db.selectFrom("invoices").selectAll();
      if (filter.tenantName !== undefined) q = q.where("tenant_name", "=", filter.tenantName);
      if (filter.month !== undefined) q = q.where("month", "=", filter.month);
      const rows = await q.orderBy("issued_at").orderBy("number").execute();
      return rows.map(toRecord);
    },
  };
}
