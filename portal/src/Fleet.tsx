/** The operator's fleet table, filtered by name, tier and phase. */
import { useEffect, useState } from "react";
import { api, type Tenant } from "./api.ts";

const PHASES = ["", "Pending", "Provisioning", "Ready", "Updating", "Offboarding", "Offboarded", "Failed"];

export function Fleet() {
  const [tenants, setTenants] = useState<Tenant[] | undefined>(undefined);
  const [text, setText] = useState("");
  const [phase, setPhase] = useState("");
  const [error, setError] = useState("");
  useEffect(() => {
    let live = true;
    const load = () =>
      api<{ items: Tenant[] }>("GET", `/api/v1/tenants?all=true`)
        .then((r) => { if (live) setTenants(r.items); })
        .catch((e: unknown) => { if (live) setError(e instanceof Error ? e.message : String(e)); });
    void load();
    const t = setInterval(() => void load(), 3000);
    return () => { live = false; clearInterval(t); };
  }, []);
  const q = text.trim().toLowerCase();
  const shown = (tenants ?? []).filter((t) => (phase === "" ? t.phase !== "Offboarded" : t.phase === phase) && (q === "" || `${t.name} ${t.displayName} ${t.tier} ${t.domains.join(" ")}`.toLowerCase().includes(q)));
  return (
    <section aria-labelledby="fleet-title">
      <h1 id="fleet-title">Fleet</h1>
      <div className="filters" role="search">
        <label htmlFor="filter-text">Filter by name, tier or domain</label>
        <input id="filter-text" type="search" value={text} onChange={(e) => { setText(e.target.value); }} />
        <label htmlFor="filter-phase">Phase</label>
        <select id="filter-phase" value={phase} onChange={(e) => { setPhase(e.target.value); }}>
          {PHASES.map((p) => <option key={p} value={p}>{p === "" ? "all but offboarded" : p}</option>)}
        </select>
      </div>
      {error !== "" ? <p role="alert" className="error">{error}</p> : null}
      {tenants === undefined ? <p>Loading ...</p> : (
        <table>
          <caption>{shown.length} of {tenants.length} tenants</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Tier</th><th scope="col">Phase</th><th scope="col">Cluster</th><th scope="col">Domains</th><th scope="col">Updated</th></tr></thead>
          <tbody>
            {shown.map((t) => (
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
      )}
    </section>
  );
}
