/** A tenant's alerting rules, where its alerts go, what fires now, and its SLA this month. */
import { useEffect, useState } from "react";
import { api, noteOf, thisMonth } from "./api.ts";
import { LineChart } from "./LineChart.tsx";
import { money } from "./money.ts";
import { Note, type NoteText } from "./Note.tsx";
import type { Alerts as AlertsBody, Sla } from "./types.ts";

function Routing({ routing }: { routing: AlertsBody["routing"] }) {
  if (!routing) return null;
  const receiver = routing.receiver;
  // Only the kinds of delivery are shown: the configs themselves may hold webhook URLs.
  const kinds = receiver ? Object.keys(receiver).filter((k) => k !== "name" && k.endsWith("_configs")).map((k) => k.replace(/_configs$/, "")) : [];
  return (
    <dl className="details">
      <dt>Receiver</dt><dd data-testid="receiver">{receiver?.name ?? "none"}</dd>
      <dt>Delivered by</dt><dd>{kinds.length > 0 ? kinds.join(", ") : "-"}</dd>
      {routing.route?.matchers ? <><dt>Matches</dt><dd><code>{routing.route.matchers.join(", ")}</code></dd></> : null}
    </dl>
  );
}

function SlaMonth({ tenant, operator }: { tenant: string; operator: boolean }) {
  const month = thisMonth();
  const [sla, setSla] = useState<Sla | undefined>(undefined);
  const [note, setNote] = useState<NoteText | undefined>(undefined);
  useEffect(() => {
    api<Sla>("GET", `/api/v1/tenants/${tenant}/sla?month=${month}`)
      .then((r) => { setSla(r); setNote(undefined); })
      .catch((e: unknown) => { setNote(noteOf(e) ?? { message: `The SLA is not available: ${e instanceof Error ? e.message : String(e)}`, fixes: [] }); });
  }, [tenant, month]);
  // The fixes are the platform's settings: a customer can do nothing with them.
  if (note) return <Note title={`No SLA figures for ${month}`} note={operator ? note : { message: note.message, fixes: [] }} />;
  if (!sla) return <p aria-busy="true">Loading the SLA of {month} ...</p>;
  return (
    <>
      <dl className="details">
        <dt>Availability</dt><dd>{sla.availability === null ? "no requests recorded" : `${sla.availability.toFixed(3)} %`}</dd>
        <dt>Promise ({sla.tier})</dt><dd>{sla.promise === null ? "none" : `${String(sla.promise)} %`}</dd>
        <dt>Status</dt><dd><span className={`status sla-${sla.status}`}>{sla.status}</span></dd>
        <dt>Requests</dt><dd>{sla.requests.toLocaleString("en")} ({sla.failed.toLocaleString("en")} failed)</dd>
        {sla.creditPercent > 0 ? <><dt>Service credit</dt><dd>{String(sla.creditPercent)} % = {money(sla.credit, sla.currency)}</dd></> : null}
      </dl>
      <LineChart
        caption={`Availability per day, ${sla.month} (UTC)`}
        points={sla.days.map((d, i) => ({ x: i + 1, y: d.availability, label: d.date }))}
        format={(v) => `${v.toFixed(3)} %`}
        xHeading="Day"
        yHeading="Availability"
        {...(sla.promise !== null ? { threshold: { value: sla.promise, label: `the promise of ${String(sla.promise)} %` } } : {})}
        emptyText={`No requests were recorded in ${sla.month} yet.`}
      />
    </>
  );
}

export function Alerts({ tenant, operator }: { tenant: string; operator: boolean }) {
  const [alerts, setAlerts] = useState<AlertsBody | undefined>(undefined);
  const [error, setError] = useState("");
  useEffect(() => {
    api<AlertsBody>("GET", `/api/v1/tenants/${tenant}/alerts`)
      .then((r) => { setAlerts(r); setError(""); })
      .catch((e: unknown) => { setError(e instanceof Error ? e.message : String(e)); });
  }, [tenant]);
  const rules = (alerts?.rules ?? []).flatMap((g) => (g.rules ?? []).filter((r) => r.alert !== undefined).map((r) => ({ group: g.name ?? "", ...r })));
  return (
    <section aria-labelledby="alerts-title">
      <h2 id="alerts-title">Alerts</h2>
      {error !== "" ? <p role="alert" className="error">Alerts could not be loaded: {error}</p> : null}
      {!alerts && error === "" ? <p aria-busy="true">Loading alerts ...</p> : null}
      {alerts ? (
        <>
          <h3>Firing now</h3>
          {alerts.firing === null ? (
            alerts.notes.length === 0 ? <p className="help">Firing alerts are not shown here.</p> : null
          ) : alerts.firing.length === 0 ? (
            <p data-testid="firing-none">No alert is firing.</p>
          ) : (
            <ul className="firing" aria-live="polite">
              {alerts.firing.map((f) => <li key={`${f.alertname}-${f.severity ?? ""}`}><strong>{f.alertname}</strong>{f.severity !== null ? ` (${f.severity})` : ""}{f.summary !== null ? `: ${f.summary}` : ""}</li>)}
            </ul>
          )}
          {alerts.notes.length > 0 ? <ul className="note" role="note">{alerts.notes.map((n) => <li key={n}>{n}</li>)}</ul> : null}
          <h3>Where alerts go</h3>
          {alerts.routing ? <Routing routing={alerts.routing} /> : <p className="help">No fleet Alertmanager route.</p>}
          <h3>Rules</h3>
          {rules.length === 0 ? <p className="help">No alerting rules are rendered for this tenant.</p> : (
            <table className="rules">
              <caption>{rules.length} alerting rules</caption>
              <thead><tr><th scope="col">Alert</th><th scope="col">Severity</th><th scope="col">For</th><th scope="col">Summary</th></tr></thead>
              <tbody>
                {rules.map((r) => (
                  <tr key={`${r.group}/${r.alert ?? ""}`}>
                    <th scope="row">{r.alert}</th>
                    <td>{r.labels?.severity ?? "-"}</td>
                    <td>{r.for ?? "-"}</td>
                    <td>{r.annotations?.summary ?? r.annotations?.description ?? "-"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
      <h3>SLA this month ({thisMonth()})</h3>
      <SlaMonth tenant={tenant} operator={operator} />
    </section>
  );
}
