/**
 * The boundary where Entra ID would be: an HTTPS listener for login.microsoftonline.com on the
 * address the External Secrets controller is led to (src/devcluster/external-secrets.ts),
 * with the certificate it trusts. It answers what a confidential client asks before its token
 * exchange (tenant discovery) and then records the exchange itself: the client id, and
 * whether the client assertion is a service-account token the cluster's API server signed
 * (checked with the keys the API server publishes, as Entra ID checks a federated credential
 * against the issuer's JWKS). Then it refuses, as Entra ID does when no federated credential
 * matches: no access token, no Key Vault. A recorder, not a fake Key Vault.
 */
import { createPublicKey, verify, type JsonWebKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "../../../src/delivery/kubernetes/client.js";
import type { EntraStandIn } from "../../../src/devcluster/external-secrets.js";

/** What one token request carried, and what checking its assertion found. */
export interface TokenExchange {
  readonly tenantInPath: string;
  readonly grantType: string | undefined;
  readonly clientId: string | undefined;
  readonly assertionType: string | undefined;
  readonly scope: string | undefined;
  /** Claims of the assertion, once its signature verified with the API server's published key. */
  readonly verified?: { readonly iss: string; readonly sub: string; readonly aud: readonly string[]; readonly exp: number };
  /** Why the assertion did not verify, when it did not. */
  readonly rejected?: string;
}

export interface EntraRecorder {
  readonly exchanges: readonly TokenExchange[];
  /** Every request line seen, in order (discovery, then the exchange). */
  readonly requests: readonly string[];
  stop(): Promise<void>;
}

interface Jwks {
  keys: (JsonWebKey & { kid?: string; alg?: string })[];
}

function b64url(s: string): Buffer {
  return Buffer.from(s, "base64url");
}

/** Verifies a compact JWS with the issuer's keys; its claims, or why not. */
export function verifyServiceAccountToken(token: string, jwks: Jwks): { claims: Record<string, unknown> } | { error: string } {
  const parts = token.split(".");
  if (parts.length !== 3) return { error: "not a compact JWT" };
  const [h, p, s] = parts as [string, string, string];
  const header = JSON.parse(b64url(h).toString("utf8")) as { alg?: string; kid?: string };
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (jwk === undefined) return { error: `no published key with kid ${header.kid ?? "(none)"}` };
  const key = createPublicKey({ key: jwk, format: "jwk" });
  const input = Buffer.from(`${h}.${p}`);
  const ok =
    header.alg === "RS256"
      ? verify("sha256", input, key, b64url(s))
      : header.alg === "ES256"
        ? verify("sha256", input, { key, dsaEncoding: "ieee-p1363" }, b64url(s))
        : false;
  if (!ok) return { error: `signature (${header.alg ?? "no alg"}) does not verify with the published key ${header.kid ?? ""}` };
  return { claims: JSON.parse(b64url(p).toString("utf8")) as Record<string, unknown> };
}

/** The API server's service-account issuer and its published keys (OIDC discovery). */
export async function serviceAccountIssuer(kc: KubeConfig): Promise<{ issuer: string; jwks: Jwks }> {
  const client = new KubeClient(kc, kc.getCurrentContext());
  try {
    const discovery = await client.send<{ issuer: string }>({ method: "GET", path: "/.well-known/openid-configuration" });
    // The API server serves its keys only as a JWK set (406 for application/json).
    const jwks = await client.send<Jwks>({ method: "GET", path: "/openid/v1/jwks", accept: "application/jwk-set+json" });
    return { issuer: discovery.issuer, jwks };
  } finally {
    client.close();
  }
}

function readBody(req: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => (body += d));
    req.on("end", () => {
      resolve(body);
    });
    req.on("error", reject);
  });
}

/** Starts listening where the controller is led; stop() before the test file ends. */
export async function startEntraRecorder(entra: EntraStandIn, kc: KubeConfig): Promise<EntraRecorder> {
  const { jwks } = await serviceAccountIssuer(kc);
  const exchanges: TokenExchange[] = [];
  const requests: string[] = [];
  const base = `https://${entra.host}`;
  const server: Server = createServer({ cert: readFileSync(entra.certFile), key: readFileSync(entra.keyFile) }, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", base);
      requests.push(`${req.method ?? "?"} ${url.pathname}`);
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
      if (req.method === "GET" && discovery) {
        const tenant = discovery[1] ?? "";
        json(200, {
          issuer: `${base}/${tenant}/v2.0`,
          authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
          token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
          jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
        });
        return;
      }
      const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
      if (req.method === "POST" && token) {
        const form = new URLSearchParams(await readBody(req));
        const assertion = form.get("client_assertion") ?? "";
        const checked = verifyServiceAccountToken(assertion, jwks);
        const claims = "claims" in checked ? checked.claims : undefined;
        const aud = claims === undefined ? [] : Array.isArray(claims.aud) ? (claims.aud as string[]) : [String(claims.aud)];
        exchanges.push({
          tenantInPath: token[1] ?? "",
          grantType: form.get("grant_type") ?? undefined,
          clientId: form.get("client_id") ?? undefined,
          assertionType: form.get("client_assertion_type") ?? undefined,
          scope: form.get("scope") ?? undefined,
          ...(claims !== undefined ? { verified: { iss: String(claims.iss), sub: String(claims.sub), aud, exp: Number(claims.exp) } } : {}),
          ...("error" in checked ? { rejected: checked.error } : {}),
        });
        // Entra ID's answer when the assertion is sound but no federated credential of the app matches it.
        const sub = claims === undefined ? "?" : String(claims.sub);
        json(401, {
          error: "invalid_client",
          error_description: `AADSTS700213: No matching federated identity record found for presented assertion subject '${sub}'. (the dev cluster's Entra ID stand-in federates nothing)`,
          error_codes: [700213],
        });
        return;
      }
      json(404, { error: "not_found", error_description: `AADSTS90002: nothing at ${url.pathname} on the stand-in` });
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(entra.port, entra.address, () => {
      resolve();
    });
  });
  return {
    exchanges,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
