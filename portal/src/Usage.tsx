/**
 * A tenant's usage over a chosen window as line charts: CPU, memory, requests per second
 * and the share of 5xx answers, from GET /api/v1/tenants/:name/usage. A series Prometheus
 * could not answer is a note; a series without samples says "no data".
 */
import { useEffect, useId, useState } from "react";
import { api, noteOf } from "./api.ts";
import { LineChart, type LinePoint } from "./LineChart.tsx";
import { Note, type NoteText } from "./Note.tsx";
import type { Usage as UsageBody, UsageSeries, UsageWindow } from "./types.ts";

const WINDOWS: { value: UsageWindow; label: string }[] = [
  { value: "24h", label: "Last 24 hours" },
  { value: "7d", label: "Last 7 days" },
  { value: "30d", label: "Last 30 days" },
];

/** Two or three significant digits: enough to read a chart by. */
const num = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

export function formatUsage(unit: UsageSeries["unit"], v: number): string {
  switch (unit) {
    case "cores":
      return `${num(v)} cores`;
    case "bytes":
      return v >= 2 ** 30 ? `${num(v / 2 ** 30)} GiB` : `${num(v / 2 ** 20)} MiB`;
    case "requests/s":
      return `${num(v)} req/s`;
    case "percent":
      return `${v.toFixed(2)} %`;
  }
}

/** "11-27 14:30", UTC: the table heading says so. */
export const timeLabel = (at: number) => new Date(at * 1000).toISOString().slice(5, 16).replace("T", " ");

/** Every step of the window, with null where Prometheus had no sample: a hole shows as one. */
export function gridOf(u: UsageBody, s: UsageSeries): LinePoint[] {
  const byAt = new Map(s.points.map((p) => [p.at, p.value]));
  const out: LinePoint[] = [];
  for (let at = u.start; at <= u.end; at += u.stepSeconds) out.push({ x: at, y: byAt.get(at) ?? null, label: timeLabel(at) });
  return out;
}

export function Usage({ tenant, operator }: { tenant: string; operator: boolean }) {
  const id = useId();
  const [span, setSpan] = useState<UsageWindow>("24h");
  const [usage, setUsage] = useState<UsageBody | undefined>(undefined);
  const [note, setNote] = useState<NoteText | undefined>(undefined);
  useEffect(() => {
    // An answer for a window no longer chosen (the choice changed in flight) is dropped.
    let current = true;
    api<UsageBody>("GET", `/api/v1/tenants/${tenant}/usage?window=${span}`)
      .then((r) => { if (current) { setUsage(r); setNote(undefined); } })
      .catch((e: unknown) => { if (current) setNote(noteOf(e) ?? { message: `Usage is not available: ${e instanceof Error ? e.message : String(e)}`, fixes: [] }); });
    return () => { current = false; };
  }, [tenant, span]);
  const windowLabel = WINDOWS.find((w) => w.value === span)?.label ?? span;
  // Charts are captioned by the window their data is for, never by a choice still loading.
  const shown = usage !== undefined && usage.window === span && usage.tenant === tenant ? usage : undefined;
  const shownLabel = (shown ? WINDOWS.find((w) => w.value === shown.window)?.label : undefined) ?? windowLabel;
  return (
    <section aria-labelledby="usage-title">
      <h2 id="usage-title">Usage</h2>
      <div className="field">
        <label htmlFor={`${id}-window`}>Window</label>
        <select id={`${id}-window`} value={span} onChange={(e) => { setSpan(WINDOWS.find((w) => w.value === e.target.value)?.value ?? "24h"); }}>
          {WINDOWS.map((w) => <option key={w.value} value={w.value}>{w.label}</option>)}
        </select>
      </div>
      {/* The fixes are the platform's settings: a customer can do nothing with them. */}
      {note ? <Note title="No usage figures" note={operator ? note : { message: note.message, fixes: [] }} /> : null}
      {!note && !shown ? <p aria-busy="true">Loading usage ({windowLabel.toLowerCase()}) ...</p> : null}
      {shown ? (
        <div className="usage-charts" aria-live="polite">
          {shown.notes.length > 0 ? <ul className="note" role="note">{shown.notes.map((n) => <li key={n}>{n}</li>)}</ul> : null}
          {shown.series.map((s) => s.error !== null ? null : (
            <LineChart
              key={s.id}
              caption={`${s.title}, ${shownLabel.toLowerCase()}`}
              points={gridOf(shown, s)}
              format={(v) => formatUsage(s.unit, v)}
              xHeading="Time (UTC)"
              yHeading={s.title}
              includeZero
              emptyText={`No data for ${shownLabel.toLowerCase()}.`}
            />
          ))}
        </div>
      ) : null}
    </section>
  );
}
