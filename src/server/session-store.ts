/**
 * Browser sessions in the store, so every `serve` replica on one database knows every
 * session: a row per session keyed by the sha256 of the cookie's random id, holding the
 * principal and the sha256 of the CSRF token. Neither the cookie nor the CSRF token is
 * stored, so a copy of the table logs nobody in. Also the short-lived OIDC logins between
 * the redirect to the identity provider and its callback, which may reach another replica.
 * The tables come with migration 0020_server_sessions; they are reached through
 * withTables as they belong to the server, not to the CLI's repositories.
 */
import { z } from "zod";
import type { Store } from "../store/index.js";
import { fromIso, toIso } from "../store/time.js";
import type { Principal } from "./principal.js";

interface ServerSessionsTable {
  key: string;
  principal: string;
  csrf_hash: string;
  expires_at: string;
  created_at: string;
}

interface OidcLoginsTable {
  key: string;
  state: string;
  nonce: string;
  code_verifier: string;
  expires_at: string;
}

// A type alias, not an interface: Kysely's withTables needs an indexable record type.
type SessionTables = {
  server_sessions: ServerSessionsTable;
  server_oidc_logins: OidcLoginsTable;
};

const principalSchema: z.ZodType<Principal> = z.union([
  z.object({ kind: z.literal("operator"), name: z.string() }),
  z.object({ kind: z.literal("tenant"), tenant: z.string(), tokenId: z.string().optional(), user: z.string().optional() }),
]);

export interface StoredSession {
  readonly key: string;
  readonly principal: Principal;
  readonly csrfHash: string;
  readonly expiresAt: Date;
}

export interface PendingOidcLogin {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

export class SessionStore {
  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db.withTables<SessionTables>();
  }

  async create(s: StoredSession, now: Date): Promise<void> {
    await this.db
      .insertInto("server_sessions")
      .values({ key: s.key, principal: JSON.stringify(s.principal), csrf_hash: s.csrfHash, expires_at: toIso(s.expiresAt), created_at: toIso(now) })
      .execute();
  }

  /** The live session under `key`, or undefined (also when expired: the sweep removes it later). */
  async get(key: string, now: Date): Promise<StoredSession | undefined> {
    const row = await this.db.selectFrom("server_sessions").selectAll().where("key", "=", key).where("expires_at", ">", toIso(now)).executeTakeFirst();
    if (!row) return undefined;
    const principal = principalSchema.safeParse(JSON.parse(row.principal));
    // A row this version cannot read (written by a newer one) is no session here.
    if (!principal.success) return undefined;
    return { key: row.key, principal: principal.data, csrfHash: row.csrf_hash, expiresAt: fromIso(row.expires_at) };
  }

  async setPrincipal(key: string, principal: Principal): Promise<void> {
    await this.db.updateTable("server_sessions").set({ principal: JSON.stringify(principal) }).where("key", "=", key).execute();
  }

  async delete(key: string): Promise<void> {
    await this.db.deleteFrom("server_sessions").where("key", "=", key).execute();
  }

  /** Removes expired sessions and OIDC logins; returns how many sessions went. */
  async sweep(now: Date): Promise<number> {
    const at = toIso(now);
    const r = await this.db.deleteFrom("server_sessions").where("expires_at", "<=", at).executeTakeFirst();
    await this.db.deleteFrom("server_oidc_logins").where("expires_at", "<=", at).execute();
    return Number(r.numDeletedRows);
  }

  async savePendingLogin(key: string, login: PendingOidcLogin, expiresAt: Date): Promise<void> {
    await this.db
      .insertInto("server_oidc_logins")
      .values({ key, state: login.state, nonce: login.nonce, code_verifier: login.codeVerifier, expires_at: toIso(expiresAt) })
      .execute();
  }

  /** The pending login under `key`, removed as it is read: a callback can be used once. */
  async takePendingLogin(key: string, now: Date): Promise<PendingOidcLogin | undefined> {
    const row = await this.db.selectFrom("server_oidc_logins").selectAll().where("key", "=", key).executeTakeFirst();
    if (!row) return undefined;
    const r = await this.db.deleteFrom("server_oidc_logins").where("key", "=", key).executeTakeFirst();
    // Another request took it first (a replayed callback): only one of them may go on.
    if (Number(r.numDeletedRows) !== 1 || row.expires_at <= toIso(now)) return undefined;
    return { state: row.state, nonce: row.nonce, codeVerifier: row.code_verifier };
  }
}
