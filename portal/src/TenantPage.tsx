/** One tenant for an operator: status, domains, the way forward, its workflows with live progress. */
import { useCallback, useEffect, useState } from "react";
import { Alerts } from "./Alerts.tsx";
import { api, isFinished, pages, type TenantDetail, type Workflow } from "./api.ts";
import { Billing } from "./Billing.tsx";
import { Objects } from "./Objects.tsx";
import { Progress } from "./Progress.tsx";
import { Usage } from "./Usage.tsx";

export function TenantDetails({ t }: { t: TenantDetail }) {
  return (
    <dl className="details">
      <dt>Phase</dt><dd><span className={`phase phase-${t.phase}`} data-testid="phase">{t.phase}</span></dd>
      <dt>Display name</dt><dd>{t.displayName}</dd>
      <dt>Tier</dt><dd>{t.tier}</dd>
      <dt>Cluster</dt><dd>{t.cluster ?? "-"}</dd>
      <dt>Domains</dt><dd><ul className="domains">{t.domains.map((d) => <li key={d}><a href={`https://${d}`} rel="noreferrer">{d}</a></li>)}</ul></dd>
      <dt>State</dt><dd>{t.state}</dd>
      <dt>Generation</dt><dd>{t.generation}</dd>
    </dl>
  );
}

const BUSY = new Set(["Pending", "Provisioning", "Updating", "Offboarding"]);

export function useTenant(name: string) {
  const [tenant, setTenant] = useState<TenantDetail | undefined>(undefined);
  const [workflows, setWorkflows] = useState<Workflow[]>([]);
  const [error, setError] = useState("");
  const [again, setAgain] = useState(0);
  const reload = useCallback(async () => {
    try {
      // Workflows before the tenant: a workflow seen live is followed (its end reloads), and
      // one seen finished has already settled the phase read next. Read the other way, a
      // workflow ending in between left the page on "Provisioning" with nothing to follow.
      // Oldest first, a page at a time: a tenant has few workflows, but keep to a bound.
      const wfs = (await pages<Workflow>(`/api/v1/workflows?tenant=${name}&limit=500`, 4)).items;
      const t = await api<TenantDetail>("GET", `/api/v1/tenants/${name}`);
      setWorkflows(wfs);
      setTenant(t);
      setError("");
      // A busy phase with no workflow to follow (submitted elsewhere just now): look again.
      if (BUSY.has(t.phase) && wfs.every((w) => isFinished(w.status))) setTimeout(() => { setAgain((n) => n + 1); }, 2000);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [name]);
  useEffect(() => { void reload(); }, [reload, again]);
  return { tenant, workflows, error, reload };
}

export function Workflows({ workflows, onEnd }: { workflows: Workflow[]; onEnd: () => void }) {
  const live = workflows.filter((w) => !isFinished(w.status));
  return (
    <section aria-labelledby="workflows-title">
      <h2 id="workflows-title">Workflows</h2>
      {live.map((w) => <Progress key={w.id} id={w.id} onEnd={onEnd} />)}
      <table>
        <caption>History, newest first</caption>
        <thead><tr><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Id</th></tr></thead>
        <tbody>
          {[...workflows].reverse().map((w) => (
            <tr key={w.id}><td>{w.kind}</td><td><span className={`status status-${w.status}`}>{w.status}</span></td><td><time dateTime={w.created}>{new Date(w.created).toLocaleString()}</time></td><td><code>{w.id}</code></td></tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function TenantPage({ name }: { name: string }) {
  const { tenant, workflows, error, reload } = useTenant(name);
  return (
    <section aria-labelledby="tenant-title">
      <h1 id="tenant-title">Tenant {name}</h1>
      {error !== "" ? <p role="alert" className="error">{error}</p> : null}
      {tenant ? <TenantDetails t={tenant} /> : <p>Loading ...</p>}
      {tenant && tenant.next.length > 0 ? (
        <details><summary>What works from here</summary><ul>{tenant.next.map((c) => <li key={c}><code>{c}</code></li>)}</ul></details>
      ) : null}
      {tenant ? <Objects name={name} phase={tenant.phase} /> : null}
      {tenant ? <Billing tenant={name} operator /> : null}
      {tenant ? <Usage tenant={name} operator /> : null}
      {tenant ? <Alerts tenant={name} operator /> : null}
      <Workflows workflows={workflows} onEnd={() => void reload()} />
    </section>
  );
}
