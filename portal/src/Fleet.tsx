/**
 * The operator's fleet table. Filters (text, phase) run on the server and the table grows
 * a page (100 tenants) at a time, so a fleet of thousands costs one small request.
 */
import { useEffect, useState } from "react";
import { pages, type Tenant } from "./api.ts";

const PHASES = ["", "Pending", "Provisioning", "Ready", "Updating", "Offboarding", "Offboarded", "Failed"];
const PAGE = 100;

export function Fleet() {
  const [result, setResult] = useState<{ items: Tenant[]; more: boolean } | undefined>(undefined);
  const [text, setText] = useState("");
  const [phase, setPhase] = useState("");
  const [shownPages, setShownPages] = useState(1);
  const [error, setError] = useState("");
  const q = text.trim();
  useEffect(() => {
    let live = true;
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (phase !== "") params.set("phase", phase);
    if (q !== "") params.set("q", q);
    const load = () =>
      pages<Tenant>(`/api/v1/tenants?${params.toString()}`, shownPages)
        .then((r) => { if (live) { setResult(r); setError(""); } })
        .catch((e: unknown) => { if (live) setError(e instanceof Error ? e.message : String(e)); });
    // Typing waits for a pause before asking the server.
    const first = setTimeout(() => void load(), q === "" ? 0 : 250);
    const t = setInterval(() => void load(), 3000);
    return () => { live = false; clearTimeout(first); clearInterval(t); };
  }, [q, phase, shownPages]);
  const tenants = result?.items;
  return (
    <section aria-labelledby="fleet-title">
      <h1 id="fleet-title">Fleet</h1>
      <div className="filters" role="search">
        <label htmlFor="filter-text">Filter by name, tier or domain</label>
        <input id="filter-text" type="search" value={text} onChange={(e) => { setText(e.target.value); setShownPages(1); }} />
        <label htmlFor="filter-phase">Phase</label>
        <select id="filter-phase" value={phase} onChange={(e) => { setPhase(e.target.value); setShownPages(1); }}>
          {PHASES.map((p) => <option key={p} value={p}>{p === "" ? "all but offboarded" : p}</option>)}
        </select>
      </div>
      {error !== "" ? <p role="alert" className="error">{error}</p> : null}
      {tenants === undefined ? <p>Loading ...</p> : (
        <>
          <table>
            <caption>{tenants.length}{result?.more === true ? "+" : ""} tenants{q !== "" || phase !== "" ? " matching the filter" : ""}</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Tier</th><th scope="col">Phase</th><th scope="col">Cluster</th><th scope="col">Domains</th><th scope="col">Updated</th></tr></thead>
            <tbody>
              {tenants.map((t) => (
                <tr key={t.name}>
                  <th scope="row"><a href={`#/tenants/${t.name}`}>{t.name}</a></th>
                  <td>{t.tier}</td>
                  <td><span className={`phase phase-${t.phase}`}>{t.phase}</span></td>
                  <td>{t.cluster ?? "-"}</td>
                  <td>{t.domains.join(", ")}</td>
                  <td><time dateTime={t.updated}>{new Date(t.updated).toLocaleString()}</time></td>
                </tr>
              ))}
            </tbody>
          </table>
          {result?.more === true ? <button type="button" onClick={() => { setShownPages((n) => n + 1); }}>Show {PAGE} more</button> : null}
        </>
      )}
    </section>
  );
}
