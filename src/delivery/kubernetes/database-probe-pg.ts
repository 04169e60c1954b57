/**
 * The probe over a direct PostgreSQL connection, for a database reachable from here (the
 * tests' local server standing in for each cluster's CloudNativePG; a VPN or peering in production).
 */
import pg from "pg";
import type { ResolvedTenant } from "../../spec/resolve.js";
import { FINGERPRINT_SQL, parseFingerprint, type DatabaseProbe, type Fingerprint } from "./database-probe.js";

/** `connection` names the database of a tenant on a cluster (a postgres:// URL or pg's config). */
export function pgDatabaseProbe(connection: (tenant: string, cluster: string) => pg.ClientConfig): DatabaseProbe {
  return {
    async fingerprint(t: ResolvedTenant): Promise<Fingerprint> {
      const client = new pg.Client(connection(t.tenant.metadata.name, t.placement.cluster));
      await client.connect();
      try {
        const r = await client.query<{ fingerprint: string }>(FINGERPRINT_SQL);
        return parseFingerprint(r.rows[0]?.fingerprint ?? "{}");
      } finally {
        await client.end();
      }
    },
  };
}
