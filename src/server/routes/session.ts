/** Logging in with a token (browser sessions), who am I, logging out. */
import { HttpError } from "../errors.js";
import { SESSION_COOKIE } from "../auth.js";
import type { ServerContext } from "../context.js";
import { route, type ApiRoute } from "../route.js";
import type { Principal } from "../principal.js";
import * as S from "../schemas.js";

export function sessionRoutes(ctx: ServerContext): ApiRoute[] {
  const nameOf = (p: Principal) => (p.kind === "operator" ? p.name : p.tenant);
  return [
    route({
      method: "POST",
      url: "/api/v1/session",
      summary: "Log in with an operator or tenant token: sets the session cookie, returns the CSRF token",
      tag: "session",
      access: "public",
      body: S.loginRequest,
      response: S.principalView,
      async handler({ body, reply }) {
        const principal = await ctx.auth.principalForToken(body.token);
        if (!principal) throw new HttpError(401, "unauthenticated", "unknown or revoked token", [{ path: "body.token", message: "is not a live token", fix: "use the token from onboarding (credentials/<tenant>/api-token) or an operator token" }]);
        const { sid, session } = await ctx.auth.login(principal);
        void reply.setCookie(SESSION_COOKIE, sid, { httpOnly: true, secure: ctx.secureCookies, sameSite: "strict", path: "/", maxAge: ctx.auth.sessionTtlSeconds });
        return { body: { kind: principal.kind, name: nameOf(principal), csrfToken: session.csrf } };
      },
    }),
    route({
      method: "GET",
      url: "/api/v1/me",
      summary: "Who the credentials belong to (and the session's CSRF token)",
      tag: "session",
      access: "scoped",
      response: S.principalView,
      handler({ principal, session }) {
        return Promise.resolve({ body: { kind: principal.kind, name: nameOf(principal), ...(session ? { csrfToken: session.csrf } : {}) } });
      },
    }),
    route({
      method: "DELETE",
      url: "/api/v1/session",
      summary: "Log out: ends the session",
      tag: "session",
      access: "scoped",
      response: S.principalView,
      async handler({ principal, reply, request }) {
        const sid = request.cookies[SESSION_COOKIE];
        if (sid !== undefined) await ctx.auth.logout(ctx.auth.keyOf(sid));
        void reply.clearCookie(SESSION_COOKIE, { path: "/" });
        return { body: { kind: principal.kind, name: nameOf(principal) } };
      },
    }),
  ];
}
