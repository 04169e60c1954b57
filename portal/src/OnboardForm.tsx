/** The onboarding form: each field labelled; the API's problems are shown beside the field they name. */
import { useState, type SyntheticEvent } from "react";
import { api, ApiError, type Problem, type Workflow } from "./api.ts";

export function OnboardForm({ onStarted }: { onStarted: (name: string) => void }) {
  const [name, setName] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [tier, setTier] = useState("small");
  const [domains, setDomains] = useState("");
  const [contact, setContact] = useState("");
  const [problems, setProblems] = useState<Problem[]>([]);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: SyntheticEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblems([]);
    setError("");
    try {
      const list = domains.split(/[\s,]+/).filter((d) => d !== "");
      const wf = await api<Workflow>("POST", "/api/v1/tenants", { name, tier, domains: list, contact, ...(displayName !== "" ? { displayName } : {}) });
      onStarted(wf.tenant);
    } catch (err) {
      if (err instanceof ApiError) {
        setError(err.message);
        setProblems(err.problems);
      } else setError(String(err));
    } finally {
      setBusy(false);
    }
  };
  const about = (field: string) => problems.filter((p) => p.path.includes(field));
  const field = (id: string, label: string, value: string, set: (v: string) => void, opts: { type?: string; help?: string; match: string; required?: boolean }) => {
    const mine = about(opts.match);
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input id={id} type={opts.type ?? "text"} value={value} required={opts.required ?? true} onChange={(e) => { set(e.target.value); }} aria-invalid={mine.length > 0} aria-describedby={`${id}-help`} />
        <p id={`${id}-help`} className="help">
          {opts.help}
          {mine.map((p) => <span key={p.path + p.message} className="error"> {p.message} (fix: {p.fix})</span>)}
        </p>
      </div>
    );
  };
  return (
    <section aria-labelledby="onboard-title">
      <h1 id="onboard-title">Onboard a tenant</h1>
      <form onSubmit={(e) => void submit(e)} noValidate>
        {field("name", "Tenant name", name, setName, { help: "lower-case letters, digits and '-'", match: "metadata.name" })}
        {field("display-name", "Display name", displayName, setDisplayName, { help: "optional; the name by default", match: "displayName", required: false })}
        {field("tier", "Tier", tier, setTier, { help: "a tier of landlord.yaml, e.g. small, medium, large", match: "tier" })}
        {field("domains", "Domains", domains, setDomains, { help: "one or more host names, separated by commas", match: "domains" })}
        {field("contact", "Contact e-mail", contact, setContact, { type: "email", help: "alerts and notices go here", match: "contacts" })}
        <button type="submit" disabled={busy}>{busy ? "Starting ..." : "Onboard"}</button>
        {error !== "" ? <div role="alert" className="error"><p>{error}</p>{problems.length > 0 ? <ul>{problems.map((p) => <li key={p.path + p.message}><code>{p.path}</code>: {p.message} (fix: {p.fix})</li>)}</ul> : null}</div> : null}
      </form>
    </section>
  );
}
