/**
 * Credentials: operator tokens (given to `landlord serve`, held here only as sha256),
 * tenant API tokens (the store keeps only their sha256, tokens-repo.ts), and browser
 * sessions made from either at login. A session is a random id in an HttpOnly, Secure,
 * SameSite=Strict cookie plus a CSRF token the page must echo in X-CSRF-Token on every
 * write; bearer tokens need no CSRF token, as browsers never attach them by themselves.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { sha256, type Store } from "../store/index.js";
import { HttpError, unauthenticated } from "./errors.js";
import type { Principal } from "./principal.js";

export const SESSION_COOKIE = "landlord_session";

export interface Session {
  principal: Principal;
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

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function bearerOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== "string") return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h.trim());
  return m?.[1];
}

export class Authenticator {
  // Sessions live in this process: with several replicas, route a browser to one replica
  // (sticky sessions) or log in again; sharing them through the store is a follow-up (ADR 0018).
  private readonly sessions = new Map<string, Session>();
  private readonly ttl: number;
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly options: AuthOptions,
  ) {
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
    const session = this.sessions.get(key);
    if (!session || session.expiresAt <= this.now() || !(await this.stillValid(session.principal))) {
      this.sessions.delete(key);
      throw unauthenticated();
    }
    if (!SAFE_METHODS.has(req.method)) {
      const sent = req.headers["x-csrf-token"];
      if (typeof sent !== "string" || !sameSecret(sent, session.csrf)) {
        throw new HttpError(403, "csrf", "missing or wrong CSRF token", [{ path: "X-CSRF-Token", message: "must accompany every write made with the session cookie", fix: "send the csrfToken from POST /api/v1/session or GET /api/v1/me as X-CSRF-Token" }]);
      }
    }
    return { principal: session.principal, via: "session", sessionKey: key, session };
  }

  /** A revoked tenant token ends the sessions made from it. */
  private async stillValid(p: Principal): Promise<boolean> {
    if (p.kind === "operator") return true;
    const tokens = await this.store.tokens.list(p.tenant);
    return tokens.some((t) => t.id === p.tokenId && t.revokedAt === null);
  }

  /** Starts a session; returns the cookie value (shown to nobody else) and the CSRF token. */
  login(principal: Principal): { sid: string; session: Session } {
    this.sweep();
    const sid = randomBytes(32).toString("base64url");
    const session: Session = { principal, csrf: randomBytes(24).toString("base64url"), expiresAt: this.now() + this.ttl };
    this.sessions.set(sha256(sid), session);
    return { sid, session };
  }

  keyOf(sid: string): string {
    return sha256(sid);
  }

  logout(sessionKey: string | undefined): void {
    if (sessionKey !== undefined) this.sessions.delete(sessionKey);
  }

  get sessionTtlSeconds(): number {
    return Math.floor(this.ttl / 1000);
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(k);
  }
}
