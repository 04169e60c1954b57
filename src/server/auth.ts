/**
 * Credentials: operator tokens (given to `landlord serve`, held here only as sha256),
 * tenant API tokens (the store keeps only their sha256, tokens-repo.ts), and browser
 * sessions made from either, or from an OIDC login, at login. A session is a random id in
 * an HttpOnly, Secure, SameSite=Strict cookie plus a CSRF token the page must echo in
 * X-CSRF-Token on every write; bearer tokens need no CSRF token, as browsers never attach
 * them by themselves. Sessions live in the store (session-store.ts), so any replica serves
 * any browser.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { sha256, type Store } from "../store/index.js";
import { HttpError, unauthenticated } from "./errors.js";
import type { Principal } from "./principal.js";
import { SessionStore } from "./session-store.js";

export const SESSION_COOKIE = "landlord_session";

export interface Session {
  /** sha256 of the cookie's id: the session's row. */
  readonly key: string;
  readonly principal: Principal;
  readonly csrf: string;
  readonly expiresAt: number;
}

export interface Authenticated {
  readonly principal: Principal;
  readonly via: "bearer" | "session";
  /** The session's hashed id, when the call came with the cookie. */
  readonly sessionKey?: string;
  readonly session?: Session;
}

export interface AuthOptions {
  /** sha256 of each operator token, with the operator's name. */
  readonly operatorTokens: ReadonlyMap<string, string>;
  readonly sessionTtlMs?: number;
  readonly now?: () => number;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Expired rows go at most this often per replica (on a login). */
const SWEEP_EVERY_MS = 60_000;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The CSRF token follows from the cookie's id, so `GET /api/v1/me` can hand it to a
 * reloaded page while the store keeps only its hash. Domain-separated from the row key
 * (plain sha256 of the id), so the stored key is not the token.
 */
function csrfOf(sid: string): string {
  return createHash("sha256").update("landlord-csrf\0").update(sid).digest("base64url");
}

export function bearerOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== "string") return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h.trim());
  return m?.[1];
}

export class Authenticator {
  readonly sessions: SessionStore;
  private readonly ttl: number;
  private readonly now: () => number;
  private lastSweep = 0;

  constructor(
    private readonly store: Store,
    private readonly options: AuthOptions,
  ) {
    this.sessions = new SessionStore(store);
    this.ttl = options.sessionTtlMs ?? 8 * 3600_000;
    this.now = options.now ?? Date.now;
  }

  /** The principal a token stands for, or undefined; tenant tokens must be live (not revoked). */
  async principalForToken(token: string): Promise<Principal | undefined> {
    const hash = sha256(token);
    for (const [known, name] of this.options.operatorTokens) if (sameSecret(known, hash)) return { kind: "operator", name };
    const t = await this.store.tokens.verify(token);
    return t ? { kind: "tenant", tenant: t.tenantName, tokenId: t.id } : undefined;
  }

  /** Who made the request; throws 401 without valid credentials and 403 on a cookie write without the CSRF token. */
  async authenticate(req: FastifyRequest): Promise<Authenticated> {
    const bearer = bearerOf(req);
    if (bearer !== undefined) {
      const principal = await this.principalForToken(bearer);
      if (!principal) throw unauthenticated();
      return { principal, via: "bearer" };
    }
    const sid = req.cookies[SESSION_COOKIE];
    if (sid === undefined || sid === "") throw unauthenticated();
    const key = sha256(sid);
    const stored = await this.sessions.get(key, new Date(this.now()));
    if (!stored) throw unauthenticated();
    if (!(await this.stillValid(stored.principal))) {
      await this.sessions.delete(key);
      throw unauthenticated();
    }
    if (!SAFE_METHODS.has(req.method)) {
      const sent = req.headers["x-csrf-token"];
      if (typeof sent !== "string" || !sameSecret(sha256(sent), stored.csrfHash)) {
        throw new HttpError(403, "csrf", "missing or wrong CSRF token", [{ path: "X-CSRF-Token", message: "must accompany every write made with the session cookie", fix: "send the csrfToken from POST /api/v1/session or GET /api/v1/me as X-CSRF-Token" }]);
      }
    }
    const session: Session = { key, principal: stored.principal, csrf: csrfOf(sid), expiresAt: stored.expiresAt.getTime() };
    return { principal: session.principal, via: "session", sessionKey: key, session };
  }

  /**
   * A session made from a token ends when the token is revoked; one made by an OIDC login
   * (no token) lasts while its tenant is live.
   */
  private async stillValid(p: Principal): Promise<boolean> {
    if (p.kind === "operator") return true;
    if (p.tokenId === undefined) {
      const t = await this.store.tenants.get(p.tenant);
      return t !== undefined && t.phase !== "Offboarded";
    }
    const tokens = await this.store.tokens.list(p.tenant);
    return tokens.some((t) => t.id === p.tokenId && t.revokedAt === null);
  }

  /** Starts a session; returns the cookie value (shown to nobody else) and the session (with its CSRF token). */
  async login(principal: Principal): Promise<{ sid: string; session: Session }> {
    await this.sweep();
    const sid = randomBytes(32).toString("base64url");
    const csrf = csrfOf(sid);
    const now = this.now();
    const session: Session = { key: sha256(sid), principal, csrf, expiresAt: now + this.ttl };
    await this.sessions.create({ key: session.key, principal, csrfHash: sha256(csrf), expiresAt: new Date(session.expiresAt) }, new Date(now));
    return { sid, session };
  }

  /**
   * The caller rotated the token its session was made from: the session moves to the new
   * token instead of ending with the old one. A session from an OIDC login holds no token
   * and stays as it is.
   */
  async tokenRotated(session: Session, tokenId: string): Promise<void> {
    const p = session.principal;
    if (p.kind !== "tenant" || p.tokenId === undefined) return;
    await this.sessions.setPrincipal(session.key, { ...p, tokenId });
  }

  keyOf(sid: string): string {
    return sha256(sid);
  }

  async logout(sessionKey: string | undefined): Promise<void> {
    if (sessionKey !== undefined) await this.sessions.delete(sessionKey);
  }

  get sessionTtlSeconds(): number {
    return Math.floor(this.ttl / 1000);
  }

  private async sweep(): Promise<void> {
    const now = this.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    await this.sessions.sweep(new Date(now));
  }
}
