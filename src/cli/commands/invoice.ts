/**
 * `landlord invoice issue|list|show|credit`: a customer's monthly invoice from its cost
 * report (base fee of its tier, usage above the tier's allowance and its tagged cloud
 * resources, both with the markup), kept in the
 * store, numbered without gaps and final once issued; corrections are credit notes.
 */
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { draftInvoice } from "../../cost/invoice.js";
import { invoicePdf } from "../../cost/invoice-pdf.js";
import { formatMinor, fromMinor, parseMajor } from "../../cost/money.js";
import { InputError } from "../../errors.js";
import { toJson } from "../../render/serialize.js";
import { invoicesRepo, type InvoiceRecord } from "../../store/invoices-repo.js";
import type { CliIo } from "../io.js";
import { loadPlatformFile, type GlobalOptions } from "../../app/load-files.js";
import { monthRange } from "../../app/cost-report.js";
import { commandMonthReport, type CostOptions } from "./cost.js";
import { table, withRuntime } from "./tenants.js";

function invoiceJson(i: InvoiceRecord): unknown {
  return {
    number: i.number,
    kind: i.kind,
    tenant: i.tenantName,
    month: i.month,
    currency: i.currency,
    issuedAt: i.issuedAt.toISOString(),
    ...(i.credits === null ? {} : { credits: i.credits }),
    ...(i.reason === null ? {} : { reason: i.reason }),
    lines: i.lines.map((l) => ({ description: l.description, amount: formatMinor(l.amountMinor, i.currency), amountMinor: Number(l.amountMinor) })),
    total: formatMinor(i.totalMinor, i.currency),
    totalMinor: Number(i.totalMinor),
  };
}

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function listOutput(io: CliIo, invoices: readonly InvoiceRecord[], output: string): void {
  if (output === "json") {
    io.stdout(toJson({ apiVersion: "landlord.dev/v1alpha1", kind: "InvoiceList", items: invoices.map(invoiceJson) }));
    return;
  }
  if (output === "csv") {
    const rows = invoices.map((i) => [i.number, i.kind, i.tenantName, i.month, i.currency, formatMinor(i.totalMinor, i.currency), i.credits ?? "", i.issuedAt.toISOString()].map(csvCell).join(","));
    io.stdout(`${["number,kind,tenant,month,currency,total,credits,issued_at", ...rows].join("\r\n")}\r\n`);
    return;
  }
  const rows = invoices.map((i) => ({
    NUMBER: i.number,
    KIND: i.kind === "invoice" ? "invoice" : `credit note for ${i.credits ?? "?"}`,
    TENANT: i.tenantName,
    MONTH: i.month,
    TOTAL: `${formatMinor(i.totalMinor, i.currency)} ${i.currency}`,
    ISSUED: i.issuedAt.toISOString().slice(0, 10),
  }));
  io.stdout(rows.length === 0 ? "No invoices.\n" : table(rows, ["NUMBER", "KIND", "TENANT", "MONTH", "TOTAL", "ISSUED"]));
}

export async function invoiceIssueCommand(io: CliIo, global: GlobalOptions, tenant: string, opts: Omit<CostOptions, "output"> & { output: string }): Promise<void> {
  monthRange(opts.month);
  const platform = await loadPlatformFile(io, global);
  const { report, tenants, warnings } = await commandMonthReport(io, global, tenant, opts);
  const row = report.tenants.find((t) => t.tenant === tenant);
  const t = tenants.find((x) => x.name === tenant);
  if (!row || !t) throw new InputError([{ path: "TENANT", message: `no cost for '${tenant}' in ${opts.month}`, fix: "check the tenant name" }]);
  const billing = platform.config.billing;
  const draft = draftInvoice({
    tenant,
    month: opts.month,
    currency: billing.currency,
    tier: t.tier,
    baseFee: fromMinor(platform.config.tiers[t.tier]?.price.monthly ?? 0),
    usage: [{ description: `Cloud resources of the instance (Key Vault, backups, DNS${t.dedicatedCluster ? ", cluster" : ""}) at cost plus ${billing.markupPercent}%`, cost: row.cloud }],
    markupPercent: billing.markupPercent,
    overage: row.overage.map((o) => o.charge),
  });
  for (const w of warnings) io.stderr(`warning: ${w}\n`);
  await withRuntime(io, global, async (rt) => {
    const issued = await invoicesRepo(rt.store.db).issue({ tenantName: tenant, month: opts.month, currency: draft.currency, lines: draft.lines, now: new Date() });
    if (opts.output === "json") io.stdout(toJson(invoiceJson(issued)));
    else io.stdout(`issued ${issued.number} to ${tenant} for ${opts.month}: ${formatMinor(issued.totalMinor, issued.currency)} ${issued.currency}\n`);
  });
}

export async function invoiceListCommand(io: CliIo, global: GlobalOptions, opts: { tenant?: string; month?: string; output: string }): Promise<void> {
  await withRuntime(io, global, async (rt) => {
    const filter = { ...(opts.tenant === undefined ? {} : { tenantName: opts.tenant }), ...(opts.month === undefined ? {} : { month: opts.month }) };
    listOutput(io, await invoicesRepo(rt.store.db).list(filter), opts.output);
  });
}

export async function invoiceShowCommand(io: CliIo, global: GlobalOptions, number: string, opts: { output: string; pdf?: string }): Promise<void> {
  const platform = await loadPlatformFile(io, global);
  await withRuntime(io, global, async (rt) => {
    const inv = await invoicesRepo(rt.store.db).get(number);
    if (opts.pdf !== undefined) {
      const tenant = await rt.store.tenants.get(inv.tenantName);
      const pdf = await invoicePdf(inv, { name: platform.config.platform.name }, tenant?.spec.spec.displayName ?? inv.tenantName);
      await writeFile(resolve(io.cwd, opts.pdf), pdf);
      io.stderr(`wrote ${opts.pdf}\n`);
    }
    if (opts.output === "json") io.stdout(toJson(invoiceJson(inv)));
    else {
      const head = `${inv.kind === "invoice" ? "Invoice" : "Credit note"} ${inv.number} · ${inv.tenantName} · ${inv.month}${inv.credits === null ? "" : ` · corrects ${inv.credits}`}\n`;
      const rows = [...inv.lines.map((l) => ({ DESCRIPTION: l.description, AMOUNT: formatMinor(l.amountMinor, inv.currency) })), { DESCRIPTION: "Total", AMOUNT: formatMinor(inv.totalMinor, inv.currency) }];
      io.stdout(head + table(rows, ["DESCRIPTION", "AMOUNT"]));
    }
  });
}

export async function invoiceCreditCommand(io: CliIo, global: GlobalOptions, number: string, opts: { reason: string; amount?: string; output: string }): Promise<void> {
  await withRuntime(io, global, async (rt) => {
    const repo = invoicesRepo(rt.store.db);
    const inv = await repo.get(number);
    let amountMinor: bigint | undefined;
    if (opts.amount !== undefined) {
      const micros = parseMajor(opts.amount, inv.currency);
      if (micros === undefined || micros % 1_000_000n !== 0n) {
        throw new InputError([{ path: "--amount", message: `'${opts.amount}' is not an amount in ${inv.currency}`, fix: "write e.g. 12.50" }]);
      }
      amountMinor = micros / 1_000_000n;
    }
    const note = await repo.credit({ number, reason: opts.reason, ...(amountMinor === undefined ? {} : { amountMinor }), now: new Date() });
    if (opts.output === "json") io.stdout(toJson(invoiceJson(note)));
    else io.stdout(`issued credit note ${note.number} for ${number}: ${formatMinor(note.totalMinor, note.currency)} ${note.currency}\n`);
  });
}
