/**
 * Ports the platform's own components listen on in a tenant's namespace. The app may not use
 * them: a NetworkPolicy allowance written for the app's port (monitoring, ingress) would then
 * open the database, the instance manager or the certificate solver as well.
 */
export const POSTGRES_PORT = 5432;
export const CNPG_STATUS_PORT = 8000;
/** The instance manager's local endpoint for its own WAL archiving commands. */
export const CNPG_LOCAL_PORT = 8010;
export const POSTGRES_METRICS_PORT = 9187;
export const PGBOUNCER_METRICS_PORT = 9127;
export const ACME_SOLVER_PORT = 8089;

export const RESERVED_PORTS: ReadonlyMap<number, string> = new Map([
  [POSTGRES_PORT, "PostgreSQL"],
  [CNPG_STATUS_PORT, "the CloudNativePG instance manager's status endpoint"],
  [CNPG_LOCAL_PORT, "the CloudNativePG instance manager's local endpoint"],
  [POSTGRES_METRICS_PORT, "the PostgreSQL metrics exporter"],
  [PGBOUNCER_METRICS_PORT, "the PgBouncer metrics exporter"],
  [ACME_SOLVER_PORT, "cert-manager's HTTP-01 solver"],
]);
