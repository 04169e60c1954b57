/**
 * The shape that merges in three layers (global defaults -> tier -> tenant overrides).
 * Each section is written once in full (the effective config must satisfy it) and its
 * layer form is derived with partial(), so the two can never drift apart.
 */
import { z } from "zod";
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
});
export const appLayer = appSchema
  .extend({ autoscaling: autoscaling.partial(), resources: resourcesLayer, probes: probesLayer })
  .partial();

const backup = z.strictObject({ schedule: cron6, retentionDays: count("retentionDays", 1, 3650) });
const pooler = z.strictObject({ enabled: z.boolean(), instances: count("pooler instances", 1, 10), resources });
const poolerLayer = pooler.extend({ resources: resourcesLayer }).partial();

export const databaseSchema = z.strictObject({
  instances: count("database instances", 1, 9),
  imageName: z.string().min(1),
  storage: z.strictObject({ size: storageQuantity("storage size"), storageClass: z.string().min(1).optional() }),
  resources,
  backup,
  pooler,
  parameters: z.record(z.string().regex(/^[a-z_.]+$/), z.string().max(1024)),
});
export const databaseLayer = databaseSchema
  .extend({
    storage: databaseSchema.shape.storage.partial(),
    resources: resourcesLayer,
    backup: backup.partial(),
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
export type ConfigLayer = z.infer<typeof layerSchema>;
export type Resources = z.infer<typeof resources>;
