/**
 * The probe over a direct PostgreSQL connection, for a database reachable from here (the
 * tests' local server standing in for each cluster's CloudNativePG; a VPN or peering in production).
 */
import pg from "pg";
import type { ResolvedTenant } from "../../spec/resolve.js";
import { COMMIT_MARKER_SQL, FINGERPRINT_SQL, parseFingerprint, parsePointFingerprint, POINT_FINGERPRINT_STATEMENTS, type DatabaseProbe, type Fingerprint, type PointFingerprint } from "./database-probe.js";

/** `connection` names the database of a tenant on a cluster (a postgres:// URL or pg's config). */
export function pgDatabaseProbe(connection: (tenant: string, cluster: string) => pg.ClientConfig): DatabaseProbe {
  async function session<T>(t: ResolvedTenant, fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client(connection(t.tenant.metadata.name, t.placement.cluster));
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }
  return {
    fingerprint: (t: ResolvedTenant): Promise<Fingerprint> =>
      session(t, async (client) => parseFingerprint((await client.query<{ fingerprint: string }>(FINGERPRINT_SQL)).rows[0]?.fingerprint ?? "{}")),
    commitMarker: (t: ResolvedTenant): Promise<void> =>
      session(t, async (client) => {
        await client.query(COMMIT_MARKER_SQL);
      }),
    // One session, statement by statement, as psql runs them in the pod.
    fingerprintAtPoint: (t: ResolvedTenant): Promise<PointFingerprint> =>
      session(t, async (client) => {
        let last = "";
        for (const sql of POINT_FINGERPRINT_STATEMENTS) {
          const row = (await client.query<Record<string, string>>(sql)).rows[0];
          if (row !== undefined) last = Object.values(row)[0] ?? last;
        }
        return parsePointFingerprint(last);
      }),
  };
}
