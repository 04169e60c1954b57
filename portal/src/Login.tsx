import { useEffect, useState, type SyntheticEvent } from "react";
import { api, ApiError, type Me } from "./api.ts";

interface OidcInfo {
  enabled: boolean;
  loginUrl?: string;
}

export function Login({ onLoggedIn }: { onLoggedIn: (me: Me) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState("");
  const [sso, setSso] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    // Without SSO configured (or the server unreachable) the token form is the only way in.
    api<OidcInfo>("GET", "/api/v1/oidc").then(
      (info) => {
        if (live && info.enabled && info.loginUrl !== undefined) setSso(info.loginUrl);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  const submit = async (e: SyntheticEvent) => {
    e.preventDefault();
    setError("");
    try {
      onLoggedIn(await api<Me>("POST", "/api/v1/session", { token }));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 429 ? "Too many attempts; wait a minute." : "That token is not valid.");
    }
  };
  return (
    <main className="login">
      <h1>Landlord</h1>
      {sso !== undefined ? (
        <p>
          {/* A full page load: the identity provider's pages are not ours to fetch. */}
          <a className="button" href={sso}>Sign in with SSO</a>
        </p>
      ) : null}
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="token">API token</label>
        <input id="token" type="password" autoComplete="off" required value={token} onChange={(e) => { setToken(e.target.value); }} aria-describedby="token-help" />
        <p id="token-help" className="help">An operator token, or your tenant's API token from onboarding.</p>
        <button type="submit">Log in</button>
        {error !== "" ? <p role="alert" className="error">{error}</p> : null}
      </form>
    </main>
  );
}
