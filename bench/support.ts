/** What several benchmarks share: the small tenant they onboard, and the PostgreSQL admin connection. */
import pg from "pg";

export const PG_ADMIN_URL = process.env.PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** The smallest tenant spec: tier small, one domain under the demo zone, one contact. */
export function smallTenant(name: string): Record<string, unknown> {
  return {
    apiVersion: "landlord.dev/v1alpha1",
    kind: "Tenant",
    metadata: { name },
    spec: { displayName: name, tier: "small", domains: [`${name}.apps.example.com`], contacts: { email: `ops@${name}.example.com` } },
  };
}

/** Runs one statement as the PostgreSQL admin (creating and dropping benchmark databases). */
export async function pgAdmin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
