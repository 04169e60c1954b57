/** The portal: log in with a token; operators get the fleet, a tenant user gets its own instance. */
import { useCallback, useEffect, useState } from "react";
import { api, setCsrf, type Me } from "./api.ts";
import { Customer } from "./Customer.tsx";
import { Fleet } from "./Fleet.tsx";
import { Login } from "./Login.tsx";
import { OnboardForm } from "./OnboardForm.tsx";
import { Rollouts } from "./Rollouts.tsx";
import { TenantPage } from "./TenantPage.tsx";

/** Hash routes (#/tenants/acme): the server needs no knowledge of the portal's pages. */
function useRoute(): [string, (to: string) => void] {
  const [route, setRoute] = useState(() => window.location.hash.slice(1) || "/");
  useEffect(() => {
    const on = () => { setRoute(window.location.hash.slice(1) || "/"); };
    window.addEventListener("hashchange", on);
    return () => { window.removeEventListener("hashchange", on); };
  }, []);
  return [route, (to) => { window.location.hash = to; }];
}

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [route, go] = useRoute();

  const load = useCallback(async () => {
    try {
      const who = await api<Me>("GET", "/api/v1/me");
      setCsrf(who.csrfToken);
      setMe(who);
    } catch {
      setMe(null);
    }
  }, []);
  useEffect(() => { void load(); }, [load]);

  const logout = async () => {
    await api("DELETE", "/api/v1/session").catch(() => undefined);
    setCsrf(undefined);
    setMe(null);
    go("/");
  };

  if (me === undefined) return <main aria-busy="true"><p>Loading ...</p></main>;
  if (me === null) return <Login onLoggedIn={(who) => { setCsrf(who.csrfToken); setMe(who); go("/"); }} />;

  const tenantMatch = /^\/tenants\/([a-z0-9-]+)$/.exec(route);
  const rolloutMatch = /^\/rollouts(?:\/([A-Za-z0-9_-]+))?$/.exec(route);
  return (
    <>
      <header className="top">
        <a href="#/" className="brand">Landlord</a>
        <nav aria-label="Main">
          {me.kind === "operator" ? (
            <>
              <a href="#/">Fleet</a>
              <a href="#/onboard">Onboard a tenant</a>
              <a href="#/rollouts">Rollouts</a>
            </>
          ) : null}
          <a href="/docs">API docs</a>
        </nav>
        <span className="who">Signed in as {me.kind} <strong>{me.name}</strong></span>
        <button type="button" onClick={() => void logout()}>Log out</button>
      </header>
      <main>
        {me.kind === "tenant" ? (
          <Customer tenant={me.name} />
        ) : route === "/onboard" ? (
          <OnboardForm onStarted={(name) => { go(`/tenants/${name}`); }} />
        ) : rolloutMatch ? (
          <Rollouts id={rolloutMatch[1]} />
        ) : tenantMatch?.[1] !== undefined ? (
          <TenantPage name={tenantMatch[1]} />
        ) : (
          <Fleet />
        )}
      </main>
    </>
  );
}
