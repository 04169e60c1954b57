/**
 * A tenant's invoices (with their PDFs), a chart of the invoiced totals of the newest 12
 * months, and this month's cost report when the platform can count usage.
 */
import { useEffect, useState } from "react";
import { api, noteOf, thisMonth } from "./api.ts";
import { BarChart, type Bar } from "./BarChart.tsx";
import { money } from "./money.ts";
import { Note, type NoteText } from "./Note.tsx";
import type { CostReport, Invoice } from "./types.ts";

/** Net totals per month (credit notes count against their month) in one currency, newest 12 months, oldest first. */
export function monthlyTotals(invoices: readonly Invoice[], currency: string): Bar[] {
  const byMonth = new Map<string, number>();
  for (const i of invoices) if (i.currency === currency) byMonth.set(i.month, (byMonth.get(i.month) ?? 0) + i.totalMinor);
  return [...byMonth.entries()].sort(([a], [b]) => a.localeCompare(b)).slice(-12).map(([label, value]) => ({ label, value }));
}

function Invoices({ tenant }: { tenant: string }) {
  const [invoices, setInvoices] = useState<Invoice[] | undefined>(undefined);
  const [error, setError] = useState("");
  useEffect(() => {
    api<{ items: Invoice[] }>("GET", `/api/v1/tenants/${tenant}/invoices`)
      .then((r) => { setInvoices(r.items); setError(""); })
      .catch((e: unknown) => { setError(e instanceof Error ? e.message : String(e)); });
  }, [tenant]);
  if (error !== "") return <p role="alert" className="error">Invoices could not be loaded: {error}</p>;
  if (!invoices) return <p aria-busy="true">Loading invoices ...</p>;
  if (invoices.length === 0) return <p className="help">No invoices have been issued yet.</p>;
  const newest = [...invoices].sort((a, b) => b.issuedAt.localeCompare(a.issuedAt));
  const currency = newest[0]?.currency ?? "EUR";
  const others = new Set(invoices.filter((i) => i.currency !== currency).map((i) => i.currency));
  return (
    <>
      <BarChart
        caption={`Invoiced per month in ${currency}, net of credit notes (newest 12 months)`}
        bars={monthlyTotals(invoices, currency)}
        format={(v) => money(v, currency)}
        labelHeading="Month"
        valueHeading={`Total (${currency})`}
      />
      {others.size > 0 ? <p className="help">Documents in {[...others].join(", ")} are listed below but not in the chart.</p> : null}
      <table className="invoices">
        <caption>Invoices and credit notes, newest first</caption>
        <thead><tr><th scope="col">Number</th><th scope="col">Kind</th><th scope="col">Month</th><th scope="col" className="num">Total</th><th scope="col">Issued</th><th scope="col">Document</th></tr></thead>
        <tbody>
          {newest.map((i) => (
            <tr key={i.number}>
              <th scope="row">{i.number}</th>
              <td>{i.kind === "invoice" ? "invoice" : `credit note for ${i.credits ?? "?"}`}</td>
              <td>{i.month}</td>
              <td className="num">{money(i.totalMinor, i.currency)}</td>
              <td><time dateTime={i.issuedAt}>{i.issuedAt.slice(0, 10)}</time></td>
              {/* The session cookie goes with a plain link, so the PDF needs no script. */}
              <td><a href={`/api/v1/tenants/${tenant}/invoices/${encodeURIComponent(i.number)}?format=pdf`} download={`${i.number}.pdf`}>PDF of {i.number}</a></td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function MonthCost({ tenant, operator }: { tenant: string; operator: boolean }) {
  const month = thisMonth();
  const [cost, setCost] = useState<CostReport | undefined>(undefined);
  const [note, setNote] = useState<NoteText | undefined>(undefined);
  useEffect(() => {
    api<CostReport>("GET", `/api/v1/tenants/${tenant}/costs?month=${month}`)
      .then((r) => { setCost(r); setNote(undefined); })
      .catch((e: unknown) => { setNote(noteOf(e) ?? { message: `The cost report is not available: ${e instanceof Error ? e.message : String(e)}`, fixes: [] }); });
  }, [tenant, month]);
  // The fixes are the platform's settings: a customer can do nothing with them.
  if (note) return <Note title={`No cost report for ${month}`} note={operator ? note : { message: note.message, fixes: [] }} />;
  if (!cost) return <p aria-busy="true">Loading the cost of {month} ...</p>;
  const row = cost.report.tenants.find((t) => t.tenant === tenant);
  const cur = cost.report.currency;
  return (
    <>
      {row ? (
        <dl className="details">
          <dt>Price so far</dt><dd>{money(row.price.minor, cur)}</dd>
          {operator ? <><dt>Cost so far</dt><dd>{money(row.cost.minor, cur)}</dd><dt>Margin</dt><dd>{money(row.margin.minor, cur)}</dd></> : null}
          <dt>Usage above the tier</dt><dd>{row.overage.length === 0 ? "none" : <ul className="plain">{row.overage.map((o) => <li key={o.resource}>{o.resource}: {money(o.minor, cur)}</li>)}</ul>}</dd>
        </dl>
      ) : <p className="help">The report of {month} has no line for {tenant} yet.</p>}
      {cost.warnings.length > 0 ? <ul className="help">{cost.warnings.map((w) => <li key={w}>{w}</li>)}</ul> : null}
    </>
  );
}

export function Billing({ tenant, operator }: { tenant: string; operator: boolean }) {
  return (
    <section aria-labelledby="billing-title">
      <h2 id="billing-title">Costs and invoices</h2>
      <h3>This month ({thisMonth()})</h3>
      <MonthCost tenant={tenant} operator={operator} />
      <h3>Invoices</h3>
      <Invoices tenant={tenant} />
    </section>
  );
}
