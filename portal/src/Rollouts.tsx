/** Operators' rollouts: the history, one rollout's waves and targets with its controls, and the releases. */
import { useCallback, useEffect, useState } from "react";
import { api } from "./api.ts";
import type { Release, Rollout, RolloutDetail } from "./types.ts";

const when = (iso: string) => <time dateTime={iso}>{new Date(iso).toLocaleString()}</time>;
const ACTIVE = ["Running", "Paused", "RollingBack"];

function Releases() {
  const [releases, setReleases] = useState<Release[] | undefined>(undefined);
  const [error, setError] = useState("");
  useEffect(() => {
    api<{ items: Release[] }>("GET", "/api/v1/releases")
      .then((r) => { setReleases(r.items); })
      .catch((e: unknown) => { setError(e instanceof Error ? e.message : String(e)); });
  }, []);
  return (
    <section aria-labelledby="releases-title">
      <h2 id="releases-title">Releases</h2>
      {error !== "" ? <p role="alert" className="error">{error}</p> : null}
      {releases?.length === 0 ? <p className="help">No releases yet: make one with <code>landlord release create</code>.</p> : null}
      {releases && releases.length > 0 ? (
        <table>
          <caption>Releases, newest first</caption>
          <thead><tr><th scope="col">Version</th><th scope="col">Image</th><th scope="col">Notes</th><th scope="col">Created</th><th scope="col">By</th></tr></thead>
          <tbody>{releases.map((r) => <tr key={r.version}><th scope="row">{r.version}</th><td>{r.image ?? "-"}</td><td>{r.notes ?? "-"}</td><td>{when(r.created)}</td><td>{r.createdBy}</td></tr>)}</tbody>
        </table>
      ) : null}
    </section>
  );
}

function RolloutView({ id }: { id: string }) {
  const [r, setR] = useState<RolloutDetail | undefined>(undefined);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState("");
  const load = useCallback(async () => {
    try {
      setR(await api<RolloutDetail>("GET", `/api/v1/rollouts/${encodeURIComponent(id)}`));
      setError("");
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [id]);
  useEffect(() => { void load(); }, [load]);
  // While it moves, follow it; an ended rollout is read once.
  const active = r !== undefined && ACTIVE.includes(r.state);
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => void load(), 1500);
    return () => { clearInterval(t); };
  }, [active, load]);
  const control = async (cmd: "pause" | "resume" | "abort") => {
    if (cmd === "abort" && !window.confirm("Abort this rollout? Tenants already moved are rolled back.")) return;
    setBusy(true);
    try {
      const res = await api<{ rollout: Rollout; running: boolean }>("POST", `/api/v1/rollouts/${encodeURIComponent(id)}/${cmd}`);
      setSaid(`${cmd}: the rollout is now ${res.rollout.state}${res.rollout.requested ? ` (${res.rollout.requested} requested)` : ""}.`);
      await load();
    } catch (e) {
      setSaid(`${cmd} refused: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };
  if (error !== "") return <p role="alert" className="error">{error}</p>;
  if (!r) return <p aria-busy="true">Loading rollout {id} ...</p>;
  const waves = [...new Set(r.targets.map((t) => t.wave))];
  return (
    <section aria-labelledby="rollout-title">
      <h2 id="rollout-title">Rollout <code>{r.id}</code> to {r.version}</h2>
      <dl className="details">
        <dt>State</dt><dd><span className={`status status-${r.state}`} data-testid="rollout-state">{r.state}</span>{r.requested ? ` (${r.requested} requested)` : ""}</dd>
        {r.reason !== null ? <><dt>Reason</dt><dd>{r.reason}</dd></> : null}
        <dt>Started</dt><dd>{when(r.created)} by {r.actor}</dd>
        <dt>Finished</dt><dd>{r.finished !== null ? when(r.finished) : "-"}</dd>
      </dl>
      <div className="actions" role="group" aria-label="Control the rollout">
        <button type="button" disabled={busy || r.state !== "Running" || r.requested !== null} onClick={() => void control("pause")}>Pause</button>
        <button type="button" disabled={busy || !ACTIVE.includes(r.state)} onClick={() => void control("resume")}>Resume</button>
        <button type="button" className="danger" disabled={busy || !["Running", "Paused"].includes(r.state) || r.requested === "abort"} onClick={() => void control("abort")}>Abort</button>
        <button type="button" disabled={busy} onClick={() => void load()}>Refresh</button>
      </div>
      <p aria-live="polite" className="help">{said}</p>
      {waves.map((w) => (
        <table key={w} className="targets">
          <caption>Wave {w}</caption>
          <thead><tr><th scope="col">Tenant</th><th scope="col">State</th><th scope="col">Reason</th><th scope="col">Updated</th></tr></thead>
          <tbody>
            {r.targets.filter((t) => t.wave === w).map((t) => (
              <tr key={t.tenant}><th scope="row"><a href={`#/tenants/${t.tenant}`}>{t.tenant}</a></th><td><span className={`status target-${t.state}`}>{t.state}</span></td><td>{t.reason ?? "-"}</td><td>{when(t.updated)}</td></tr>
            ))}
          </tbody>
        </table>
      ))}
      {r.skipped.length > 0 ? <details><summary>{r.skipped.length} tenants skipped</summary><ul>{r.skipped.map((s) => <li key={s.tenant}>{s.tenant}: {s.reason}</li>)}</ul></details> : null}
      {r.events.length > 0 ? (
        <details>
          <summary>Log ({r.events.length} entries)</summary>
          <ol className="log">{r.events.map((e) => <li key={e.id}>{when(e.at)} {e.wave !== null ? `[${e.wave}] ` : ""}{e.tenant !== null ? `${e.tenant}: ` : ""}{e.message}</li>)}</ol>
        </details>
      ) : null}
    </section>
  );
}

export function Rollouts({ id }: { id: string | undefined }) {
  const [rollouts, setRollouts] = useState<Rollout[] | undefined>(undefined);
  const [error, setError] = useState("");
  useEffect(() => {
    api<{ items: Rollout[] }>("GET", "/api/v1/rollouts")
      .then((r) => { setRollouts(r.items); })
      .catch((e: unknown) => { setError(e instanceof Error ? e.message : String(e)); });
  }, [id]);
  return (
    <section aria-labelledby="rollouts-title">
      <h1 id="rollouts-title">Rollouts</h1>
      {error !== "" ? <p role="alert" className="error">{error}</p> : null}
      {!rollouts && error === "" ? <p aria-busy="true">Loading rollouts ...</p> : null}
      {rollouts?.length === 0 ? <p className="help">No rollouts yet: start one with <code>landlord rollout start VERSION</code> or <code>POST /api/v1/rollouts</code>.</p> : null}
      {rollouts && rollouts.length > 0 ? (
        <table>
          <caption>Rollouts, newest first</caption>
          <thead><tr><th scope="col">Rollout</th><th scope="col">Version</th><th scope="col">State</th><th scope="col">Started</th><th scope="col">By</th></tr></thead>
          <tbody>
            {rollouts.map((r) => (
              <tr key={r.id} aria-current={r.id === id ? "true" : undefined}>
                <th scope="row"><a href={`#/rollouts/${r.id}`}>{r.id}</a></th><td>{r.version}</td><td><span className={`status status-${r.state}`}>{r.state}</span></td><td>{when(r.created)}</td><td>{r.actor}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {id !== undefined ? <RolloutView key={id} id={id} /> : null}
      <Releases />
    </section>
  );
}
