/**
 * Guardrails above the merge: isolation can never be switched off, overrides cannot
 * exceed the tier's ceilings unless the operator allows it, and the effective config
 * must fit the tenant's own quota at its peak.
 */
import { formatInterval, shortestIntervalSeconds } from "./backup-schedule.js";
import type { InputProblem } from "../errors.js";
import { peakFootprint, quotaLimits } from "./footprint.js";
import type { ConfigLayer, EffectiveConfig } from "./layer-schema.js";
import { formatBytes, formatCpu, bytes, cpuMillis } from "./quantity.js";
import { looksLikeSecret } from "../util/secret-shapes.js";
import { RESERVED_PORTS } from "./reserved-ports.js";

const PLATFORM_ENV = new Set(["DATABASE_URL", "DATABASE_HOST", "DATABASE_USER", "DATABASE_PASSWORD", "TENANT", "TENANT_TIER"]);
const SECRET_LIKE = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY|CREDENTIAL)/i;
/** scheme://user:password@host: a credential inside a URL. */
const URL_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i;

/** A layer as written, and where it was written (for paths in problems). */
export interface LocatedLayer {
  readonly layer: ConfigLayer;
  readonly file?: string;
  /** Path of the layer in its document, e.g. "spec.overrides" or "tiers.small". */
  readonly at: string;
}

function problem(where: LocatedLayer, path: string, message: string, fix: string): InputProblem {
  return { ...(where.file === undefined ? {} : { file: where.file }), path: `${where.at}.${path}`, message, fix };
}

/** Isolation switches and env hygiene: apply to every layer, operator's included. */
export function checkLayer(where: LocatedLayer): InputProblem[] {
  const out: InputProblem[] = [];
  for (const [key, value] of Object.entries(where.layer.security ?? {})) {
    if (!value) {
      out.push(
        problem(
          where,
          `security.${key}`,
          "isolation cannot be switched off (quota, default-deny network policy and namespace-scoped RBAC are always on)",
          "remove this field; to open a specific path, ask the operator to add an integration",
        ),
      );
    }
  }
  // Every free-text value, whatever its name: specs end up in Git and in ConfigMaps.
  const freeText: [string, unknown][] = [
    ...Object.entries(where.layer.app?.featureFlags ?? {}).map(([k, v]): [string, unknown] => [`app.featureFlags.${k}`, v]),
    ...Object.entries(where.layer.database?.parameters ?? {}).map(([k, v]): [string, unknown] => [`database.parameters.${k}`, v]),
  ];
  for (const [path, value] of freeText) {
    const what = typeof value === "string" ? looksLikeSecret(value) : undefined;
    if (what !== undefined) out.push(problem(where, path, `the value looks like ${what}, and secrets are never written in specs`, "store it in the tenant's Key Vault and list it under integrations.keyVault.secrets"));
  }
  for (const [name, value] of Object.entries(where.layer.app?.env ?? {})) {
    const what = looksLikeSecret(value);
    if (what !== undefined && !URL_CREDENTIALS.test(value)) {
      out.push(problem(where, `app.env.${name}`, `the value looks like ${what}, and secrets are never written in specs`, "store it in the tenant's Key Vault and list it under integrations.keyVault.secrets"));
    } else if (URL_CREDENTIALS.test(value)) {
      out.push(
        problem(
          where,
          `app.env.${name}`,
          "the value holds a URL with a password, and secrets are never written in specs",
          "store the URL in the tenant's Key Vault and list it under integrations.keyVault.secrets",
        ),
      );
    } else if (PLATFORM_ENV.has(name)) {
      out.push(problem(where, `app.env.${name}`, `${name} is set by the platform`, "remove it; Landlord wires it from the tenant's database"));
    } else if (SECRET_LIKE.test(name)) {
      out.push(
        problem(
          where,
          `app.env.${name}`,
          "looks like a secret, and secrets are never written in specs",
          "store it in the tenant's Key Vault and list it under integrations.keyVault.secrets",
        ),
      );
    }
  }
  return out;
}

export interface Ceilings {
  readonly maxReplicas?: number;
  readonly maxDatabaseInstances?: number;
  readonly maxDatabaseStorage?: string;
  readonly maxBackupRetentionDays?: number;
  readonly minBackupIntervalMinutes?: number;
}

/** Tenant overrides against the tier: the tier's quota and ceilings are the upper bound. */
export function checkCeilings(
  overrides: LocatedLayer,
  tierName: string,
  tierEffective: EffectiveConfig,
  ceilings: Ceilings,
): InputProblem[] {
  const out: InputProblem[] = [];
  const fix = `stay within tier '${tierName}', move the tenant to a bigger tier, or let the operator allow it (policy.ceilingExceptions in landlord.yaml)`;
  const over = (path: string, value: string, limit: string) =>
    out.push(problem(overrides, path, `${value} exceeds tier '${tierName}' ceiling of ${limit}`, fix));
  const q = overrides.layer.quota ?? {};
  if (q.cpu !== undefined && cpuMillis(q.cpu) > cpuMillis(tierEffective.quota.cpu)) over("quota.cpu", q.cpu, tierEffective.quota.cpu);
  if (q.memory !== undefined && bytes(q.memory) > bytes(tierEffective.quota.memory)) over("quota.memory", q.memory, tierEffective.quota.memory);
  if (q.storage !== undefined && bytes(q.storage) > bytes(tierEffective.quota.storage)) over("quota.storage", q.storage, tierEffective.quota.storage);
  if (q.pods !== undefined && q.pods > tierEffective.quota.pods) over("quota.pods", String(q.pods), String(tierEffective.quota.pods));
  if (q.pvcs !== undefined && q.pvcs > tierEffective.quota.pvcs) over("quota.pvcs", String(q.pvcs), String(tierEffective.quota.pvcs));

  const app = overrides.layer.app;
  const maxReplicas = ceilings.maxReplicas;
  if (maxReplicas !== undefined) {
    for (const [path, v] of [
      ["app.replicas", app?.replicas],
      ["app.autoscaling.maxReplicas", app?.autoscaling?.maxReplicas],
    ] as const) {
      if (v !== undefined && v > maxReplicas) over(path, String(v), String(maxReplicas));
    }
  }
  const db = overrides.layer.database;
  if (ceilings.maxDatabaseInstances !== undefined && db?.instances !== undefined && db.instances > ceilings.maxDatabaseInstances) {
    over("database.instances", String(db.instances), String(ceilings.maxDatabaseInstances));
  }
  const size = db?.storage?.size;
  if (ceilings.maxDatabaseStorage !== undefined && size !== undefined && bytes(size) > bytes(ceilings.maxDatabaseStorage)) {
    over("database.storage.size", size, ceilings.maxDatabaseStorage);
  }
  // Retention is storage the tier's price does not cover; a busier schedule is load on the
  // shared nodes and the bucket. Without a ceiling the tier's own setting is the bound.
  const tierBackup = tierEffective.database.backup;
  const retention = db?.backup?.retentionDays;
  const maxRetention = ceilings.maxBackupRetentionDays ?? tierBackup.retentionDays;
  if (retention !== undefined && retention > maxRetention) over("database.backup.retentionDays", `${String(retention)} days`, `${String(maxRetention)} days`);
  const schedule = db?.backup?.schedule;
  const floor = ceilings.minBackupIntervalMinutes === undefined ? shortestIntervalSeconds(tierBackup.schedule) : ceilings.minBackupIntervalMinutes * 60;
  if (schedule !== undefined && shortestIntervalSeconds(schedule) < floor) {
    out.push(
      problem(
        overrides,
        "database.backup.schedule",
        `'${schedule}' runs every ${formatInterval(shortestIntervalSeconds(schedule))}, more often than tier '${tierName}' allows (every ${formatInterval(floor)} at most)`,
        fix,
      ),
    );
  }
  return out;
}

/**
 * Consistency of the merged result: requests within limits, HPA bounds ordered, and the
 * peak footprint inside the quota. `at` names where the problem is reported.
 */
export function checkEffective(c: EffectiveConfig, report: (path: string, message: string, fix: string) => InputProblem): InputProblem[] {
  const out: InputProblem[] = [];
  const a = c.app.autoscaling;
  if (c.app.replicas > a.maxReplicas) {
    out.push(report("app.replicas", `replicas ${c.app.replicas} is above autoscaling.maxReplicas ${a.maxReplicas}`, "lower replicas or raise autoscaling.maxReplicas"));
  }
  for (const [path, r] of [
    ["app.resources", c.app.resources],
    ["database.resources", c.database.resources],
    ["database.pooler.resources", c.database.pooler.resources],
    ["database.backup.sidecarResources", c.database.backup.sidecarResources],
  ] as const) {
    if (cpuMillis(r.requests.cpu) > cpuMillis(r.limits.cpu)) {
      out.push(report(`${path}.requests.cpu`, `cpu request ${r.requests.cpu} is above its limit ${r.limits.cpu}`, "lower the request or raise the limit"));
    }
    if (bytes(r.requests.memory) > bytes(r.limits.memory)) {
      out.push(report(`${path}.requests.memory`, `memory request ${r.requests.memory} is above its limit ${r.limits.memory}`, "lower the request or raise the limit"));
    }
  }
  for (const [path, port] of [
    ["app.port", c.app.port],
    ["app.metricsPort", c.app.metricsPort],
  ] as const) {
    const owner = RESERVED_PORTS.get(port);
    if (owner !== undefined) out.push(report(path, `port ${String(port)} is reserved for ${owner} in every tenant namespace`, `choose another port; reserved: ${[...RESERVED_PORTS.keys()].join(", ")}`));
  }
  if (out.length > 0) return out;

  const peak = peakFootprint(c);
  const quota = quotaLimits(c);
  const fix = "raise the quota, or lower autoscaling.maxReplicas, resources or database instances";
  const need = (path: string, what: string, needed: string, have: string) =>
    out.push(report(path, `peak ${what} ${needed} does not fit the quota of ${have} (HPA ceiling + 1 surge pod, database instances + 1 job pod, pooler)`, fix));
  if (peak.requestsCpuMillis > quota.cpuMillis) need("quota.cpu", "cpu requests", formatCpu(peak.requestsCpuMillis), c.quota.cpu);
  if (peak.requestsMemoryBytes > quota.memoryBytes) need("quota.memory", "memory requests", formatBytes(peak.requestsMemoryBytes), c.quota.memory);
  if (peak.limitsMemoryBytes > quota.memoryBytes) need("quota.memory", "memory limits", formatBytes(peak.limitsMemoryBytes), c.quota.memory);
  if (peak.storageBytes > quota.storageBytes) need("quota.storage", "database storage", formatBytes(peak.storageBytes), c.quota.storage);
  if (peak.pods > quota.pods) need("quota.pods", "pod count", String(peak.pods), String(quota.pods));
  if (peak.pvcs > quota.pvcs) need("quota.pvcs", "PVC count", String(peak.pvcs), String(quota.pvcs));
  return out;
}
