/**
 * Resolving tenants against the platform: schema, tier lookup, three-layer merge,
 * guardrails, derived names, placement; then the fleet-wide checks that need every
 * tenant at once (names, domains and derived names unique).
 */
import type { InputProblem } from "../errors.js";
import type { SourceDocument } from "./documents.js";
import { checkCeilings, checkEffective, checkLayer } from "./guardrails.js";
import type { EffectiveConfig } from "./layer-schema.js";
import { cpuMillis } from "./quantity.js";
import { mergeLayers } from "./merge.js";
import { reservedNamespaces, reservedTenantNames, tenantNames, type TenantNames } from "./names.js";
import { placeTenant, type FreeCapacity, type Placement } from "./placement.js";
import type { PlatformContext, ResolvedTier, Result } from "./platform.js";
import { closest, issuesToProblems, joinPath } from "./problems.js";
import { accessGroupProblems } from "./access.js";
import { complianceProblems } from "./compliance-policy.js";
import { allowedStorageClasses, storageClassProblems } from "./storage-classes.js";
import { hostnameProblems, platformHostProblems, platformHosts } from "./hostnames.js";
import { cloudNames, incarnationId } from "./cloud-names.js";
import { splitDomains, type TenantDomains } from "./custom-domains.js";
import { allowedRegistries, registryProblems } from "./registries.js";
import { tenantSchema, type Tenant } from "./tenant-schema.js";

export interface ResolvedTenant {
  readonly file?: string;
  readonly tenant: Tenant;
  readonly tier: ResolvedTier;
  readonly effective: EffectiveConfig;
  /** Effective leaf path -> "defaults" | "tier/<name>" | "tenant". */
  readonly provenance: ReadonlyMap<string, string>;
  readonly names: TenantNames;
  readonly placement: Placement;
  /** The app version this tenant runs: its pin, else the effective default. */
  readonly version: string;
  /** spec.domains split into the served ones and the custom ones still waiting for proof. */
  readonly domains: TenantDomains;
  /** Which life of the name (the store's; null: the first). */
  readonly incarnation: string | null;
}

export interface ResolveOptions {
  /** Free capacity per shared cluster, for placing a new tenant. */
  readonly free?: FreeCapacity;
  /** A placement already recorded for this tenant (the store's): kept as it is. */
  readonly placement?: Placement;
  /** Custom domains this tenant has proven (lowercase); without it every custom domain is pending. */
  readonly verifiedDomains?: ReadonlySet<string>;
  /** The store's incarnation of the name (null: its first life): cloud names derive from it. */
  readonly incarnation?: string | null;
  /**
   * The archive folder of the tenant's database where it is placed now (Placement.backupServerName);
   * a move passes the target's. Without it, `placement`'s is kept while the tenant stays on that cluster.
   */
  readonly backupServerName?: string;
}

export function resolveTenant(ctx: PlatformContext, doc: SourceDocument, options: ResolveOptions = {}): Result<ResolvedTenant> {
  const file = doc.file;
  const at = (p: InputProblem): InputProblem => ({ file, ...p });
  const parsed = tenantSchema.safeParse(doc.value, { reportInput: true });
  if (!parsed.success) {
    const prefix = doc.index > 0 ? `document ${doc.index + 1}: ` : "";
    const problems = [...issuesToProblems(tenantSchema, parsed.error.issues, { file }), ...looseChecks(ctx, doc.value, file)];
    return { ok: false, problems: problems.map((p) => ({ ...p, path: prefix + p.path })) };
  }
  const tenant = parsed.data;
  const name = tenant.metadata.name;
  const names = namesOf(ctx.config, name, options.incarnation ?? null);
  const problems: InputProblem[] = [...nameAndTierProblems(ctx, name, tenant.spec.tier, file)];
  const tier = ctx.tiers.get(tenant.spec.tier);
  if (!tier) return { ok: false, problems };
  if (tier.tier.isolation === "cluster" && ctx.config.clusters.some((c) => c.name === names.dedicatedCluster)) {
    problems.push(at({ path: "metadata.name", message: `the tenant's own cluster would be named '${names.dedicatedCluster}', which is a shared cluster of landlord.yaml`, fix: "choose another tenant name" }));
  }

  const overrides = { layer: tenant.spec.overrides, file, at: "spec.overrides" };
  problems.push(...checkLayer(overrides));
  const policy = ctx.config.policy;
  if (!policy.allowExceedTierCeilings && !policy.ceilingExceptions.includes(name)) {
    problems.push(...checkCeilings(overrides, tier.name, tier.effective, tier.tier.ceilings));
  }
  const merged = mergeLayers([{ source: "tenant", value: tenant.spec.overrides }], tier.merged);
  const effective = { data: completeConfig(merged.value) };
  const report = (path: string, message: string, fix: string) => at({ path: joinPath("spec.overrides", path), message, fix });
  problems.push(...checkEffective(effective.data, report), ...registryProblems(effective.data, allowedRegistries(ctx.config), report));
  problems.push(...storageClassProblems(effective.data, allowedStorageClasses(ctx.config), report));
  problems.push(...accessGroupProblems(tenant, ctx.config.policy.identityProvider).map(at));
  const zone = ctx.config.integrations.dns.zone.toLowerCase();
  problems.push(...hostnameProblems(name, tenant.spec.domains, zone).map(at));
  problems.push(...platformHostProblems(name, tenant.spec.domains, zone, platformHosts(ctx.config), ctx.config.platform.reservedHostLabels).map(at));
  const need = tier.tier.isolation === "namespace" ? cpuMillis(effective.data.quota.cpu) : 0n;
  const placed = keptPlacement(options.placement, tier.tier.isolation, names, tenant) ?? placeTenant(ctx.config, tenant, tier.tier.isolation, names, options.free, need);
  if (!placed.ok) problems.push(at(placed.problem));
  else {
    const subject = { compliance: tenant.spec.compliance, tierName: tier.name, isolation: tier.tier.isolation, placement: placed.placement, regionPinned: tenant.spec.region !== undefined };
    problems.push(...complianceProblems(ctx.config, subject).map(at));
  }
  if (problems.length > 0 || !placed.ok) return { ok: false, problems };
  return {
    ok: true,
    value: {
      file,
      tenant,
      tier,
      effective: effective.data,
      provenance: merged.provenance,
      names,
      placement: withArchive(placed.placement, options),
      version: tenant.spec.version ?? effective.data.app.version,
      domains: splitDomains(tenant.spec.domains, ctx.config.integrations.dns.zone, options.verifiedDomains ?? new Set()),
      incarnation: options.incarnation ?? null,
    },
  };
}

/** Derived names; a re-onboarded name's resource group, vault, storage account and state key are its incarnation's own. */
function namesOf(config: PlatformContext["config"], name: string | undefined, incarnation: string | null): TenantNames {
  const names = tenantNames(config, name ?? "");
  if (incarnation === null || name === undefined) return names;
  const cloud = cloudNames(config, name, incarnationId(incarnation));
  return { ...names, resourceGroup: cloud.resourceGroup, keyVault: cloud.keyVault, storageAccount: cloud.storageAccount };
}

function nameAndTierProblems(ctx: PlatformContext, name: string | undefined, tierName: string | undefined, file: string): InputProblem[] {
  const out: InputProblem[] = [];
  if (name !== undefined) {
    const ns = `${ctx.config.platform.namespacePrefix}${name}`;
    // Kubernetes and add-ons claim kube-* and *-system for themselves, whatever the prefix.
    const platformLike = ns.startsWith("kube-") || ns.endsWith("-system") || ns.startsWith("openshift-");
    if (reservedTenantNames(ctx.config).has(name) || reservedNamespaces(ctx.config).has(ns) || platformLike) {
      out.push({ file, path: "metadata.name", message: `'${name}' is reserved for the platform`, fix: "choose another tenant name" });
    }
  }
  if (tierName !== undefined && !ctx.tiers.has(tierName)) {
    const known = [...ctx.tiers.keys()];
    const guess = closest(tierName, known);
    out.push({
      file,
      path: "spec.tier",
      message: `unknown tier '${tierName}'`,
      fix: guess ? `did you mean '${guess}'? tiers: ${known.join(", ")}` : `use one of: ${known.join(", ")}`,
    });
  }
  return out;
}

/** When the schema already failed, the checks that still make sense on the raw value. */
function looseChecks(ctx: PlatformContext, value: unknown, file: string): InputProblem[] {
  const field = (obj: unknown, key: string): unknown =>
    typeof obj === "object" && obj !== null && !Array.isArray(obj) ? (obj as Record<string, unknown>)[key] : undefined;
  const name = field(field(value, "metadata"), "name");
  const tier = field(field(value, "spec"), "tier");
  return nameAndTierProblems(ctx, typeof name === "string" ? name : undefined, typeof tier === "string" ? tier : undefined, file);
}

/**
 * The tier's merge was validated complete when landlord.yaml loaded, and the overrides
 * were validated by the layer schema, which is the same schema made partial: a valid
 * partial merged over a valid whole is a valid whole, so it is not parsed a second time
 * (that parse was a third of the time to resolve a tenant). The property tests assert it.
 */
function completeConfig(value: Record<string, unknown>): EffectiveConfig {
  return value as EffectiveConfig;
}

/**
 * A recorded placement stays unless the isolation mode changed (small -> medium moves the
 * tenant onto its node pool, -> large onto its own cluster), which places it anew.
 */
function keptPlacement(
  recorded: Placement | undefined,
  isolation: string,
  names: { nodePool: string },
  tenant: Tenant,
): { ok: true; placement: Placement } | undefined {
  if (!recorded) return undefined;
  // A new pin or region in the spec is a move, not something to ignore.
  const pin = tenant.spec.placement?.cluster;
  if (!recorded.dedicatedCluster && pin !== undefined && pin !== recorded.cluster) return undefined;
  if (tenant.spec.region !== undefined && tenant.spec.region !== recorded.region) return undefined;
  const mode = recorded.dedicatedCluster ? "cluster" : recorded.nodePool !== undefined ? "nodepool" : "namespace";
  if (mode !== isolation) return undefined;
  return { ok: true, placement: mode === "nodepool" ? { ...recorded, nodePool: names.nodePool } : recorded };
}

/**
 * The database's archive folder follows its Cluster: a new pool on the same cluster (small ->
 * medium) keeps the Cluster and so its folder; placed on another cluster, the tenant has a new
 * Cluster, whose folder the move chooses (docs/adr/0024).
 */
function withArchive(placed: Placement, options: ResolveOptions): Placement {
  const recorded = options.placement;
  const serverName = options.backupServerName ?? (recorded?.cluster === placed.cluster ? recorded.backupServerName : undefined);
  if (serverName === undefined) return placed;
  return { ...placed, backupServerName: serverName };
}

/**
 * What the fleet-wide checks read of a tenant: the values two tenants could both claim. A
 * streamed render keeps only this per tenant while the whole fleet is checked
 * (FleetCheck in ./fleet.ts), so it holds nothing more; a ResolvedTenant is one too.
 */
export interface FleetMember {
  readonly file?: string;
  readonly tenant: { readonly metadata: Pick<Tenant["metadata"], "name">; readonly spec: Pick<Tenant["spec"], "domains" | "customerId" | "access"> };
  readonly names: Pick<TenantNames, "namespace" | "keyVault" | "storageAccount">;
  readonly placement: Pick<Placement, "nodePool">;
}

/** Who pays for a tenant: its customerId, else its own name. */
export function billingIdentity(tenant: { readonly metadata: { readonly name: string }; readonly spec: { readonly customerId?: string | undefined } }): string {
  return tenant.spec.customerId ?? tenant.metadata.name;
}

/** Checks that need the whole fleet: nothing two tenants could both claim. */
export function checkFleet(tenants: readonly FleetMember[]): InputProblem[] {
  const problems: InputProblem[] = [];
  const claims = new Map<string, { owner: string; file?: string }>();
  const nested: { host: string; t: FleetMember; path: string }[] = [];
  const claim = (kind: string, value: string, t: FleetMember, path: string): boolean => {
    const key = `${kind}\u0000${value}`;
    const owner = t.tenant.metadata.name;
    const prior = claims.get(key);
    if (prior === undefined) {
      claims.set(key, { owner, ...(t.file === undefined ? {} : { file: t.file }) });
      return true;
    }
    const where = prior.file === undefined ? "" : ` in ${prior.file}`;
    problems.push({
      ...(t.file === undefined ? {} : { file: t.file }),
      path,
      message:
        prior.owner === owner
          ? `tenant '${owner}' is defined twice (also${where})`
          : `${kind} '${value}' is already claimed by tenant '${prior.owner}'${where}`,
      fix: prior.owner === owner ? "keep one definition per tenant" : `choose another ${kind}, or remove it from one of the tenants`,
    });
    return false;
  };
  for (const t of tenants) {
    if (!claim("tenant name", t.tenant.metadata.name, t, "metadata.name")) continue;
    t.tenant.spec.domains.forEach((d, i) => {
      claim("domain", d.toLowerCase(), t, `spec.domains[${i}]`);
    });
    nested.push(...t.tenant.spec.domains.map((d, i) => ({ host: d.toLowerCase(), t, path: `spec.domains[${String(i)}]` })));
    // Derived names are hashed; a clash is astronomically unlikely but must never go unnoticed.
    claim("namespace", t.names.namespace, t, "metadata.name");
    claim("key vault name", t.names.keyVault, t, "metadata.name");
    claim("storage account name", t.names.storageAccount, t, "metadata.name");
    if (t.placement.nodePool !== undefined) claim("node pool name", t.placement.nodePool, t, "metadata.name");
    // Costs, invoices, labels and Azure tags key on the billing identity (customerId, else
    // the tenant's name): a customerId equal to another tenant's name would merge the two.
    claim("customer", billingIdentity(t.tenant), t, t.tenant.spec.customerId === undefined ? "metadata.name" : "spec.customerId");
    // A group bound to two tenants would give one tenant's people the other's namespace.
    const access = t.tenant.spec.access;
    const groups = new Map<string, string>();
    access.viewerGroups.forEach((g, i) => groups.set(g, `spec.access.viewerGroups[${String(i)}]`));
    access.adminGroups.forEach((g, i) => groups.set(g, `spec.access.adminGroups[${String(i)}]`));
    for (const [g, path] of groups) claim("access group", g, t, path);
  }
  // A name under another tenant's name (api.acme.com when acme owns acme.com) is refused:
  // its certificate, DNS and traffic would sit inside the other customer's domain.
  const owners = new Map(nested.map((n) => [n.host, n.t.tenant.metadata.name]));
  for (const n of nested) {
    const labels = n.host.split(".");
    for (let k = 1; k < labels.length - 1; k++) {
      const parent = labels.slice(k).join(".");
      const owner = owners.get(parent);
      if (owner !== undefined && owner !== n.t.tenant.metadata.name) {
        problems.push({ ...(n.t.file === undefined ? {} : { file: n.t.file }), path: n.path, message: `'${n.host}' is under '${parent}', which tenant '${owner}' serves`, fix: "choose a name outside other tenants' domains" });
        break;
      }
    }
  }
  return problems;
}
