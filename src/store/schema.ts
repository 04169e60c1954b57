/**
 * Row shapes of the store's tables, as Kysely sees them. Both backends hold the same
 * types: timestamps are ISO-8601 UTC text, JSON is text, booleans are 0/1 integers
 * (SQLite has neither a boolean nor a JSON type, and one representation keeps the
 * query layer identical). See docs/adr/0004-store-and-workflow-engine.md.
 */
import type { Generated } from "kysely";

export const TENANT_PHASES = [
  "Pending",
  "Provisioning",
  "Ready",
  "Updating",
  "Offboarding",
  "Offboarded",
  "Failed",
] as const;
export type TenantPhase = (typeof TENANT_PHASES)[number];

export const WORKFLOW_KINDS = ["onboard", "update", "offboard", "rollout", "move", "backup-verify", "restore", "adopt"] as const;
export type WorkflowKind = (typeof WORKFLOW_KINDS)[number];

export const WORKFLOW_STATUSES = ["Pending", "Running", "Succeeded", "Failed", "Cancelled"] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];
/** A workflow in one of these states never runs again. */
export const FINISHED_WORKFLOW_STATUSES: readonly WorkflowStatus[] = ["Succeeded", "Failed", "Cancelled"];

export const STEP_STATUSES = ["Pending", "Running", "Succeeded", "Failed", "Skipped"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** ISO-8601 UTC with milliseconds, e.g. 2026-11-27T10:00:00.000Z (fixed width, sorts as text). */
export type IsoTime = string;
/** JSON document stored as text. */
export type JsonText = string;

export interface TenantsTable {
  name: string;
  spec: JsonText;
  generation: number;
  phase: TenantPhase;
  placement: JsonText | null;
  created_at: IsoTime;
  updated_at: IsoTime;
  offboarded_at: IsoTime | null;
  retain_until: IsoTime | null;
  /** Copies of placement.cluster and placement.sharedCpuMillis, for capacity sums in SQL (migration 0014). */
  placement_cluster: string | null;
  /** bigint on PostgreSQL (read back as text), integer on SQLite. */
  shared_cpu_millis: number | string | null;
  /** Which life of the name this is (migration 0019): null for the first, a fresh id after each re-onboarding. */
  incarnation: string | null;
}

export interface TenantDomainsTable {
  domain: string;
  tenant_name: string;
  /** When the tenant listed the domain (migration 0023): an unproven custom domain's claim lapses a set time later. */
  claimed_at: IsoTime;
  /** Set by `serve`'s reconcile loop once an unproven claim has lapsed: the instant it lapsed (src/store/domain-claims.ts). */
  expired_at: IsoTime | null;
}

export interface WorkflowsTable {
  id: string;
  kind: WorkflowKind;
  tenant_name: string;
  input: JsonText;
  status: WorkflowStatus;
  error: string | null;
  created_at: IsoTime;
  started_at: IsoTime | null;
  finished_at: IsoTime | null;
  lease_owner: string | null;
  lease_expires_at: IsoTime | null;
  cancel_requested: number;
  attempt: number;
}

export interface WorkflowStepsTable {
  workflow_id: string;
  name: string;
  position: number;
  status: StepStatus;
  attempts: number;
  output: JsonText | null;
  error: string | null;
  started_at: IsoTime | null;
  finished_at: IsoTime | null;
  duration_ms: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: IsoTime;
  actor: string;
  action: string;
  tenant_name: string | null;
  details: JsonText;
}

export interface ApiTokensTable {
  id: string;
  tenant_name: string;
  name: string;
  token_sha256: string;
  created_at: IsoTime;
  revoked_at: IsoTime | null;
}

export interface Database {
  tenants: TenantsTable;
  tenant_domains: TenantDomainsTable;
  workflows: WorkflowsTable;
  workflow_steps: WorkflowStepsTable;
  audit_log: AuditLogTable;
  api_tokens: ApiTokensTable;
}

export type Backend = "sqlite" | "postgres";
