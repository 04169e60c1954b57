/** A tenant user's view: its own instance only, its workflows, and its API token rotation. */
import { useState } from "react";
import { Alerts } from "./Alerts.tsx";
import { api } from "./api.ts";
import { Billing } from "./Billing.tsx";
import { Objects } from "./Objects.tsx";
import { TenantDetails, useTenant, Workflows } from "./TenantPage.tsx";
import { Usage } from "./Usage.tsx";

export function Customer({ tenant }: { tenant: string }) {
  const { tenant: t, workflows, error, reload } = useTenant(tenant);
  const [token, setToken] = useState("");
  const [rotating, setRotating] = useState(false);
  const rotate = async () => {
    if (!window.confirm("Rotate the API token? The current token stops working at once.")) return;
    setRotating(true);
    try {
      setToken((await api<{ token: string }>("POST", `/api/v1/tenants/${tenant}/token`)).token);
    } finally {
      setRotating(false);
    }
  };
  return (
    <section aria-labelledby="instance-title">
      <h1 id="instance-title">Your instance: {t?.displayName ?? tenant}</h1>
      {error !== "" ? <p role="alert" className="error">{error}</p> : null}
      {t ? <TenantDetails t={t} /> : <p>Loading ...</p>}
      {t ? <Objects name={tenant} phase={t.phase} /> : null}
      {t ? <Billing tenant={tenant} operator={false} /> : null}
      {t ? <Usage tenant={tenant} operator={false} /> : null}
      {t ? <Alerts tenant={tenant} operator={false} /> : null}
      <section aria-labelledby="token-title">
        <h2 id="token-title">API token</h2>
        <p>Rotating issues a new token and revokes every earlier one. The new token is shown once, here.</p>
        <button type="button" onClick={() => void rotate()} disabled={rotating}>Rotate API token</button>
        {token !== "" ? (
          <div className="field">
            <label htmlFor="new-token">New API token (copy it now)</label>
            <input id="new-token" readOnly value={token} onFocus={(e) => { e.target.select(); }} />
          </div>
        ) : null}
      </section>
      <Workflows workflows={workflows} onEnd={() => void reload()} />
    </section>
  );
}
