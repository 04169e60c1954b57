/**
 * Login through the OpenID provider (oidc.ts): whether it is configured, the redirect to
 * the provider, and the callback that ends in a browser session like a token login's.
 */
import { z } from "zod";
import { SESSION_COOKIE } from "../auth.js";
import type { ServerContext } from "../context.js";
import { HttpError } from "../errors.js";
import { route, type ApiRoute } from "../route.js";

/** Holds only a random id (the store keeps its sha256 with the login's state, nonce and PKCE verifier). */
export const OIDC_COOKIE = "landlord_oidc";
const OIDC_PATH = "/api/v1/oidc";

const oidcInfo = z.object({
  enabled: z.boolean().describe("whether the portal offers login through the organisation's identity provider"),
  loginUrl: z.string().optional().describe("where the browser goes to sign in"),
});
const redirect = z.null().describe("a redirect (302, Location header); no body");
const callbackQuery = z.object({
  code: z.string().max(2048).optional(),
  state: z.string().max(512).optional(),
  iss: z.string().max(2048).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
});

export function oidcRoutes(ctx: ServerContext): ApiRoute[] {
  const login = () => {
    if (!ctx.oidc) throw new HttpError(404, "not-found", "login through an identity provider is not configured", [{ path: "serve.oidc", message: "absent from landlord.yaml", fix: "log in with a token at POST /api/v1/session, or configure serve.oidc" }]);
    return ctx.oidc;
  };
  return [
    route({
      method: "GET",
      url: OIDC_PATH,
      summary: "Whether login through the identity provider (OIDC) is configured",
      tag: "session",
      access: "public",
      response: oidcInfo,
      handler() {
        return Promise.resolve({ body: ctx.oidc ? { enabled: true, loginUrl: `${OIDC_PATH}/login` } : { enabled: false } });
      },
    }),
    route({
      method: "GET",
      url: `${OIDC_PATH}/login`,
      summary: "Sign in with the identity provider: redirects the browser there (authorization code with PKCE)",
      tag: "session",
      access: "public",
      response: redirect,
      status: 302,
      async handler({ reply }) {
        const { url, cookieId } = await login().begin();
        // Lax, not Strict: the provider's redirect back is a cross-site navigation.
        void reply.setCookie(OIDC_COOKIE, cookieId, { httpOnly: true, secure: ctx.secureCookies, sameSite: "lax", path: OIDC_PATH, maxAge: 600 });
        void reply.header("cache-control", "no-store").redirect(url.href, 302);
        return undefined;
      },
    }),
    route({
      method: "GET",
      url: `${OIDC_PATH}/callback`,
      summary: "Where the identity provider sends the browser back: sets the session cookie and redirects to the portal",
      tag: "session",
      access: "public",
      query: callbackQuery,
      response: redirect,
      status: 302,
      async handler({ request, reply }) {
        const oidc = login();
        const callback = new URL(oidc.settings.redirectUrl);
        callback.search = new URL(request.url, "http://callback.invalid").search;
        const cookieId = request.cookies[OIDC_COOKIE];
        void reply.clearCookie(OIDC_COOKIE, { path: OIDC_PATH });
        const principal = await oidc.complete(cookieId, callback);
        const { sid } = await ctx.auth.login(principal);
        void reply.setCookie(SESSION_COOKIE, sid, { httpOnly: true, secure: ctx.secureCookies, sameSite: "strict", path: "/", maxAge: ctx.auth.sessionTtlSeconds });
        void reply.header("cache-control", "no-store").redirect("/", 302);
        return undefined;
      },
    }),
  ];
}
