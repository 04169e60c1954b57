import { useState, type SyntheticEvent } from "react";
import { api, ApiError, type Me } from "./api.ts";

export function Login({ onLoggedIn }: { onLoggedIn: (me: Me) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState("");
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
