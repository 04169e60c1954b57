export { openStore, locateStore, checkDatabaseUrl, redactedUrl, DEFAULT_SQLITE_PATH } from "./store.js";
export { storeFailure, describeTarget } from "./failures.js";
export type { OpenStoreOptions, Repos, Store, StoreLocation } from "./store.js";
export type { TenantRecord, TenantsRepo, ReserveTenant, UpdateTenantSpec, PlacementWrite } from "./tenants-repo.js";
export { tenantRecordFromRow } from "./tenants-repo.js";
export type {
  WorkflowRecord,
  StepRecord,
  WorkflowsRepo,
  CreateWorkflow,
  WorkflowFilter,
  FinishStep,
  FinishWorkflow,
} from "./workflows-repo.js";
export { isFinished } from "./workflows-repo.js";
export type { AuditEntry, AuditRepo, AppendAudit, AuditFilter } from "./audit-repo.js";
export { isUniqueViolation } from "./unique-violation.js";
export {
  TENANT_PHASES,
  WORKFLOW_KINDS,
  WORKFLOW_STATUSES,
  STEP_STATUSES,
  FINISHED_WORKFLOW_STATUSES,
} from "./schema.js";
export type { Backend, TenantPhase, WorkflowKind, WorkflowStatus, StepStatus } from "./schema.js";
export { sha256 } from "./tokens-repo.js";
export type { ApiTokenRecord, TokensRepo } from "./tokens-repo.js";
