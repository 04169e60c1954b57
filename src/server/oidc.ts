/**
 * Portal login through an OpenID provider (landlord.yaml `serve.oidc`): authorization code
 * with PKCE, state and nonce. The login's state, nonce and verifier wait in the store
 * (session-store.ts) under the sha256 of a random id the browser holds in a short-lived
 * cookie, so the provider may send the browser back to any replica. The user's claims
 * decide the principal: operator groups first, then the tenant claim or tenant groups.
 */
import { randomBytes } from "node:crypto";
import * as client from "openid-client";
import { InputError } from "../errors.js";
import type { PlatformConfig } from "../spec/platform-schema.js";
import { sha256, type Store } from "../store/index.js";
import { HttpError } from "./errors.js";
import type { Principal } from "./principal.js";
import type { SessionStore } from "./session-store.js";

export type OidcConfig = NonNullable<NonNullable<PlatformConfig["serve"]>["oidc"]>;

export interface OidcSettings extends OidcConfig {
  readonly clientSecret: string;
}

/** How long a user may take at the provider between the redirect and the callback. */
const PENDING_MS = 10 * 60_000;

/**
 * The OIDC settings with the client secret read from the environment; undefined when
 * landlord.yaml configures no OIDC. A missing secret stops `serve` at start, naming the variable.
 */
export function oidcSettings(config: PlatformConfig, env: Readonly<Record<string, string | undefined>>): OidcSettings | undefined {
  const oidc = config.serve?.oidc;
  if (!oidc) return undefined;
  const secret = env[oidc.clientSecretEnv];
  if (secret === undefined || secret === "") {
    throw new InputError([{ path: "serve.oidc.clientSecretEnv", message: `the environment variable ${oidc.clientSecretEnv} (the OIDC client secret) is not set`, fix: `set ${oidc.clientSecretEnv} to the client secret registered with the provider for client '${oidc.clientId}'` }]);
  }
  return { ...oidc, clientSecret: secret };
}

const loginFailed = (message: string, fix: string, status = 401) => new HttpError(status, status === 403 ? "forbidden" : "unauthenticated", message, [{ path: "oidc", message, fix }]);
const startAgain = "start again from the portal's login page";

/** Loopback issuers speak plain HTTP in development; anything else must be HTTPS (the schema checks it too). */
function isLoopbackHttp(url: URL): boolean {
  return url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}

function stringClaim(claims: Record<string, unknown>, name: string): string | undefined {
  const v = claims[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

function listClaim(claims: Record<string, unknown>, name: string): string[] {
  const v = claims[name];
  if (typeof v === "string") return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

export class OidcLogin {
  private discovered: Promise<client.Configuration> | undefined;

  constructor(
    readonly settings: OidcSettings,
    private readonly store: Store,
    private readonly sessions: SessionStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Discovered on first use and kept; a failure is retried on the next login. */
  private configuration(): Promise<client.Configuration> {
    this.discovered ??= (async () => {
      const issuer = new URL(this.settings.issuerUrl);
      try {
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- plain HTTP is allowed only for an issuer on this machine (development and tests)
        const insecure = isLoopbackHttp(issuer) ? { execute: [client.allowInsecureRequests] } : {};
        return await client.discovery(issuer, this.settings.clientId, undefined, client.ClientSecretBasic(this.settings.clientSecret), insecure);
      } catch (err) {
        this.discovered = undefined;
        const why = err instanceof Error ? err.message : "unknown error";
        throw new HttpError(503, "oidc-unavailable", `the identity provider ${issuer.origin} could not be reached or described itself wrongly: ${why}`, [{ path: "serve.oidc.issuerUrl", message: "discovery failed", fix: "check issuerUrl in landlord.yaml and that the provider is reachable from the server" }]);
      }
    })();
    return this.discovered;
  }

  /** Starts a login: returns the provider's URL to send the browser to, and the id for its cookie. */
  async begin(): Promise<{ url: URL; cookieId: string }> {
    const config = await this.configuration();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const cookieId = randomBytes(32).toString("base64url");
    const now = this.now();
    await this.sessions.sweep(new Date(now));
    await this.sessions.savePendingLogin(sha256(cookieId), { state, nonce, codeVerifier }, new Date(now + PENDING_MS));
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUrl,
      scope: this.settings.scopes.join(" "),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    return { url, cookieId };
  }

  /**
   * Finishes a login from the provider's callback: checks the answer (state, PKCE, the ID
   * token's signature, issuer, audience and nonce), then maps the claims to a principal.
   * Errors name what failed, never a code or token.
   */
  async complete(cookieId: string | undefined, callback: URL): Promise<Principal> {
    const pending = cookieId === undefined || cookieId === "" ? undefined : await this.sessions.takePendingLogin(sha256(cookieId), new Date(this.now()));
    if (!pending) throw loginFailed("no login under way in this browser, or it took longer than 10 minutes", startAgain);
    // Checked here too (the library checks it again) to say plainly what was wrong.
    if (callback.searchParams.get("state") !== pending.state) throw loginFailed("the callback's state does not match the login this browser started (a forged or mixed-up callback)", startAgain);
    const error = callback.searchParams.get("error");
    if (error !== null) {
      const denied = error === "access_denied";
      throw loginFailed(`the identity provider ended the login: ${/^[\w.-]{1,64}$/.test(error) ? error : "error"}`, denied ? "ask your administrator for access to Landlord at the identity provider" : startAgain, denied ? 403 : 401);
    }
    const config = await this.configuration();
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true });
      const id = tokens.claims();
      if (!id) throw new Error("no ID token");
      claims = { ...id };
      // Many providers put groups and custom claims only in userinfo when an access token is issued.
      const needed = [this.settings.groupsClaim, ...(this.settings.tenantClaim !== undefined ? [this.settings.tenantClaim] : [])];
      if (needed.some((c) => claims[c] === undefined) && config.serverMetadata().userinfo_endpoint !== undefined) {
        const info = await client.fetchUserInfo(config, tokens.access_token, id.sub);
        claims = { ...info, ...id };
      }
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw loginFailed(`the identity provider's answer did not check out (${reason(err)})`, startAgain);
    }
    return this.principalFor(claims);
  }

  private async principalFor(claims: Record<string, unknown>): Promise<Principal> {
    const s = this.settings;
    const who = stringClaim(claims, "email") ?? stringClaim(claims, "sub") ?? "unknown";
    const groups = listClaim(claims, s.groupsClaim);
    if (groups.some((g) => s.operatorGroups.includes(g))) return { kind: "operator", name: who };
    const fromClaim = s.tenantClaim === undefined ? undefined : stringClaim(claims, s.tenantClaim);
    const fromGroups = [...new Set(groups.flatMap((g) => (Object.hasOwn(s.tenantGroups, g) ? [s.tenantGroups[g] as string] : [])))];
    const tenants = fromClaim !== undefined ? [fromClaim] : fromGroups;
    if (tenants.length === 0) {
      throw loginFailed(`${who} is signed in at the identity provider but has no role in Landlord: not in an operator group, and no tenant ${s.tenantClaim !== undefined ? `(claim '${s.tenantClaim}' or tenant groups)` : "group"}`, "ask your administrator to add you to an operator group or to your tenant's group", 403);
    }
    if (tenants.length > 1) throw loginFailed(`${who} belongs to several tenants (${tenants.join(", ")}); one login is for one tenant`, "ask your administrator to leave you in one tenant's group", 403);
    const tenant = tenants[0] as string;
    const record = await this.store.tenants.get(tenant);
    if (!record || record.phase === "Offboarded") throw loginFailed(`${who} belongs to tenant '${tenant}', which Landlord does not serve`, "ask your administrator to check the tenant named for you at the identity provider", 403);
    return { kind: "tenant", tenant, user: who };
  }
}

/** What failed, in words safe for the page: the library's error code, not its message (which may quote parameters). */
function reason(err: unknown): string {
  if (err instanceof client.AuthorizationResponseError) return `provider error ${/^[\w.-]{1,64}$/.test(err.error) ? err.error : "unknown"}`;
  if (err instanceof client.ResponseBodyError) return `token endpoint error ${/^[\w.-]{1,64}$/.test(err.error) ? err.error : "unknown"}`;
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && /^[\w.-]{1,64}$/.test(code) ? code : "verification failed";
}
