/**
 * The shape that merges in three layers (global defaults -> tier -> tenant overrides).
 * Each section is written once in full (the effective config must satisfy it) and its
 * layer form is derived with partial(), so the two can never drift apart.
 */
import { z } from "zod";
import { MIN_BACKUP_INTERVAL_SECONDS, shortestIntervalSeconds } from "./backup-schedule.js";
import {
  count,
  cpuQuantity,
  cron6,
  envName,
  explain,
  imageRepository,
  imageTag,
  memoryQuantity,
  storageQuantity,
} from "./fields.js";

const cpuMem = z.strictObject({ cpu: cpuQuantity("cpu"), memory: memoryQuantity("memory") });
const resources = z.strictObject({ requests: cpuMem, limits: cpuMem });
const resourcesLayer = z.strictObject({ requests: cpuMem.partial(), limits: cpuMem.partial() }).partial();

const probe = z.strictObject({
  path: z.string().startsWith("/", { error: explain("probe paths start with '/'", "write e.g. '/healthz'") }),
  initialDelaySeconds: count("initialDelaySeconds", 0, 3600),
  periodSeconds: count("periodSeconds", 1, 3600),
  failureThreshold: count("failureThreshold", 1, 100),
});
const probes = z.strictObject({ liveness: probe, readiness: probe });
const probesLayer = z.strictObject({ liveness: probe.partial(), readiness: probe.partial() }).partial();

/** replicas is the floor the HPA keeps; maxReplicas its ceiling. */
const autoscaling = z.strictObject({
  maxReplicas: count("maxReplicas", 1, 1000),
  targetCPUUtilization: count("targetCPUUtilization", 1, 100),
});

const featureFlag = z.union([z.boolean(), z.string().max(1024), z.number()]);

export const appSchema = z.strictObject({
  image: imageRepository,
  version: imageTag,
  port: count("port", 1, 65535),
  metricsPort: count("metricsPort", 1, 65535),
  metricsPath: z.string().startsWith("/"),
  replicas: count("replicas", 1, 1000),
  autoscaling,
  resources,
  probes,
  env: z.record(envName, z.string().max(32768)),
  featureFlags: z.record(envName, featureFlag),
  /** Values of the app package (landlord.yaml app.package, docs/adr/0013); merged like every layer, lists replace. */
  values: z.record(z.string().max(253), z.json()).optional(),
});
export const appLayer = appSchema
  .extend({ autoscaling: autoscaling.partial(), resources: resourcesLayer, probes: probesLayer })
  .partial();

/**
 * PostgreSQL settings the CloudNativePG operator owns. Setting them would break replication,
 * WAL archiving or TLS, or point the server at files a tenant picks.
 */
const CNPG_MANAGED_PARAMETER = new RegExp(
  "^(" +
    [
      "allow_system_table_mods", "archive_(cleanup_command|command|mode|timeout|library)", "bonjour(_name)?", "cluster_name",
      "config_file", "data_directory", "data_sync_retry", "event_source", "external_pid_file", "full_page_writes",
      "hba_file", "hot_standby", "ident_file", "jit_provider", "listen_addresses", "log_(destination|directory|file_mode|filename|rotation_age|rotation_size|truncate_on_rotation)", "logging_collector",
      "port", "primary_(conninfo|slot_name)", "promote_trigger_file", "recovery_(target.*|end_command|min_apply_delay)", "restart_after_crash",
      "restore_command", "shared_preload_libraries", "ssl.*", "stats_temp_directory", "synchronous_standby_names",
      "syslog_.*", "unix_socket_.*", "wal_level", "wal_log_hints", "dynamic_library_path", "local_preload_libraries",
      "session_preload_libraries",
    ].join("|") +
    ")$",
);

/**
 * Base backups more often than hourly buy nothing: WAL archiving already recovers to any
 * second between them, and each run reads the whole database and fills the bucket.
 */
const backupSchedule = cron6.refine((s) => shortestIntervalSeconds(s) >= MIN_BACKUP_INTERVAL_SECONDS, {
  error: explain("the backup schedule runs more often than once an hour", "write e.g. '0 0 2 * * *' (daily at 02:00) or '0 0 * * * *' (hourly); WAL archiving covers the time between base backups"),
});
/**
 * What the Barman Cloud plugin's sidecar may use in every database pod (and in a restore's job
 * pod): it compresses and uploads WAL and base backups. Counted in the quota like the pods' own.
 */
export const BACKUP_SIDECAR_RESOURCES = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } } as const;
const backup = z.strictObject({
  schedule: backupSchedule,
  retentionDays: count("retentionDays", 1, 3650),
  sidecarResources: resources,
  /** How often `serve` runs a restore drill of each tenant (`landlord backup verify`); 0: never on its own. */
  verifyEveryDays: count("verifyEveryDays", 0, 365),
});
const pooler = z.strictObject({ enabled: z.boolean(), instances: count("pooler instances", 1, 10), resources });
const poolerLayer = pooler.extend({ resources: resourcesLayer }).partial();

export const databaseSchema = z.strictObject({
  instances: count("database instances", 1, 9),
  imageName: z.string().min(1),
  storage: z.strictObject({ size: storageQuantity("storage size"), storageClass: z.string().min(1).optional() }),
  resources,
  backup,
  pooler,
  parameters: z.record(z.string().regex(/^[a-z_.]+$/), z.string().max(1024)).superRefine((params, ctx) => {
    for (const key of Object.keys(params)) {
      if (!CNPG_MANAGED_PARAMETER.test(key)) continue;
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: explain("CloudNativePG sets this parameter itself (replication, archiving, TLS, files, logging); a value here would break the instance or its backups", "remove it; tune memory, connections and planner settings instead"),
      });
    }
  }),
});
export const databaseLayer = databaseSchema
  .extend({
    storage: databaseSchema.shape.storage.partial(),
    resources: resourcesLayer,
    backup: backup.extend({ sidecarResources: resourcesLayer }).partial(),
    pooler: poolerLayer,
  })
  .partial();

export const quotaSchema = z.strictObject({
  cpu: cpuQuantity("quota cpu"),
  memory: memoryQuantity("quota memory"),
  storage: storageQuantity("quota storage"),
  pvcs: count("quota pvcs", 1, 1000),
  pods: count("quota pods", 1, 10000),
});
export const quotaLayer = quotaSchema.partial();

/**
 * Isolation switches exist only so that an attempt to turn isolation off gets a precise
 * guardrail error instead of an "unknown field": guardrails.ts rejects false everywhere.
 */
export const securitySchema = z.strictObject({
  defaultDenyNetworkPolicy: z.boolean(),
  resourceQuota: z.boolean(),
  namespaceScopedRbac: z.boolean(),
});
export const securityLayer = securitySchema.partial();

export const effectiveSchema = z.strictObject({
  app: appSchema,
  database: databaseSchema,
  quota: quotaSchema,
  security: securitySchema,
});
export const layerSchema = z
  .strictObject({ app: appLayer, database: databaseLayer, quota: quotaLayer, security: securityLayer })
  .partial();

export type EffectiveConfig = z.infer<typeof effectiveSchema>;

/**
 * What Landlord supplies under landlord.yaml's defaults: settings that came after most
 * platforms wrote their file, so an existing file stays valid (shown as "built-in" where
 * describe names each value's layer).
 */
export const BUILT_IN_LAYER: ConfigLayer = {
  database: { backup: { sidecarResources: { requests: { ...BACKUP_SIDECAR_RESOURCES.requests }, limits: { ...BACKUP_SIDECAR_RESOURCES.limits } }, verifyEveryDays: 7 } },
};
export type ConfigLayer = z.infer<typeof layerSchema>;
export type Resources = z.infer<typeof resources>;
