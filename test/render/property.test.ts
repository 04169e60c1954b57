/**
 * Properties over random valid fleets: everything validates against the real schemas,
 * nothing is shared between tenants, and each tenant's peak fits its quota, recomputed
 * here from the rendered objects themselves (not from the guardrail code).
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { stringify } from "yaml";
import { InputError } from "../../src/errors.js";
import { bundleHash, renderBundle, type Bundle } from "../../src/render/bundle.js";
import type { KubeObject } from "../../src/render/object.js";
import { toYamlStream } from "../../src/render/serialize.js";
import { bytes, cpuMillis } from "../../src/spec/quantity.js";
import { loadFleet } from "../../src/spec/fleet.js";
import { effectiveSchema } from "../../src/spec/layer-schema.js";
import type { ResolvedTenant } from "../../src/spec/resolve.js";
import { validateObjects } from "../../src/validate/objects.js";
import { platform, raw, sharedCrds, tenantDoc } from "../support/fixtures.js";
import { platformWith } from "../support/platform-variants.js";

// Private endpoints configured, so hipaa and pci tenants (policy.compliance of the init
// template) are valid on the dedicated tiers.
const ctx = platform(platformWith(["integrations", "cloudPosture"], { privateEndpointSubnetId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pe" }));
const RESERVED = /^(default|kube-.*|monitoring|cnpg-system|ingress-nginx|cert-manager|external-secrets|argocd|landlord|landlord-system|platform|system)$/;

const tenantName = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/).filter((n) => !RESERVED.test(n));
const tierName = fc.constantFrom("small", "medium", "large");
const ceilings: Record<string, number> = { small: 6, medium: 12, large: 40 };

/** replicas and maxReplicas come as a pair so the floor never exceeds the ceiling. */
const scaling = (tier: string) =>
  fc
    .integer({ min: 1, max: 3 })
    .chain((replicas) =>
      fc.record({ replicas: fc.constant(replicas), autoscaling: fc.record({ maxReplicas: fc.integer({ min: replicas, max: Math.min(ceilings[tier] ?? 4, 8) }) }) }),
    );

const overrides = (tier: string) =>
  fc.record(
    {
      app: fc.tuple(fc.option(scaling(tier), { nil: undefined }), fc.record(
        {
          env: fc.dictionary(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/).filter((k) => !/(PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIALS?)$/.test(k) && !k.startsWith("DATABASE") && !k.startsWith("TENANT")), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
          featureFlags: fc.dictionary(fc.stringMatching(/^[a-z][A-Za-z0-9_]{0,12}$/), fc.oneof(fc.boolean(), fc.integer(), fc.string({ maxLength: 8 })), { maxKeys: 3 }),
        },
        { requiredKeys: [] },
      )).map(([scale, rest]) => ({ ...scale, ...rest })),
    },
    { requiredKeys: [] },
  );

const tenantSpec = fc.record({ name: tenantName, tier: tierName }).chain(({ name, tier }) =>
  fc.record({
    name: fc.constant(name),
    tier: fc.constant(tier),
    overrides: overrides(tier),
    compliance: fc.subarray(tier === "small" ? ["gdpr", "soc2"] : ["gdpr", "hipaa", "pci", "soc2"]),
    extraDomain: fc.option(fc.stringMatching(/^[a-z]{1,10}\.example\.org$/), { nil: undefined }),
  }),
);

const fleetArb = fc.uniqueArray(tenantSpec, { minLength: 1, maxLength: 6, selector: (t) => t.name });

let lastResolved: ResolvedTenant[] = [];

interface SpecSketch {
  name: string;
  tier: string;
  overrides: object;
  compliance: string[];
  extraDomain?: string | undefined;
}

function renderFleet(specs: SpecSketch[]): Bundle[] | undefined {
  const files = specs.map((s) =>
    raw(
      `tenants/${s.name}.yaml`,
      stringify(
        tenantDoc(s.name, {
          tier: s.tier,
          domains: [`${s.name}.apps.example.com`, ...(s.extraDomain ? [`${s.name}-${s.extraDomain}`] : [])],
          overrides: s.overrides as Record<string, unknown>,
          spec: { compliance: s.compliance },
        }),
      ),
    ),
  );
  try {
    lastResolved = loadFleet(ctx, files);
    return lastResolved.map((t) => renderBundle(ctx.config, t));
  } catch (err) {
    // Random overrides may legitimately not fit a quota; such fleets are not "valid" inputs.
    if (err instanceof InputError && err.problems.every((p) => /does not fit the quota/.test(p.message))) return undefined;
    throw err;
  }
}

const find = (objects: readonly KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);
const spec = (o: KubeObject | undefined): Record<string, unknown> => (o?.spec ?? {}) as Record<string, unknown>;

type Res = { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };

/** Peak from the rendered objects: HPA max + 1 surge app pods, instances + 1 db pods, pooler. */
function peakFromObjects(objects: readonly KubeObject[]) {
  const hpa = spec(find(objects, "HorizontalPodAutoscaler")[0]);
  const deployment = spec(find(objects, "Deployment")[0]) as { template: { spec: { containers: { resources: Res }[] } } };
  const cluster = spec(find(objects, "Cluster")[0]) as { instances: number; resources: Res; storage: { size: string } };
  const pooler = find(objects, "Pooler")[0];
  const poolerSpec = spec(pooler) as { instances?: number; template?: { spec: { containers: { resources: Res }[] } } };
  const app = deployment.template.spec.containers[0]?.resources;
  const poolRes = poolerSpec.template?.spec.containers[0]?.resources;
  if (!app) throw new Error("no app container");
  const groups: [number, Res][] = [
    [(hpa.maxReplicas as number) + 1, app],
    [cluster.instances + 1, cluster.resources],
    ...(pooler && poolRes ? ([[poolerSpec.instances ?? 0, poolRes]] as [number, Res][]) : []),
  ];
  const sum = (f: (r: Res) => bigint) => groups.reduce((a, [n, r]) => a + BigInt(n) * f(r), 0n);
  return {
    cpu: sum((r) => cpuMillis(r.requests.cpu)),
    memory: sum((r) => bytes(r.requests.memory)),
    memoryLimits: sum((r) => bytes(r.limits.memory)),
    storage: BigInt(cluster.instances) * bytes(cluster.storage.size),
    pods: groups.reduce((a, [n]) => a + n, 0),
  };
}

describe("random valid fleets", () => {
  test("every object validates, nothing is shared, and the peak fits the quota", async () => {
    const crds = await sharedCrds();
    let valid = 0;
    fc.assert(
      fc.property(fleetArb, (specs) => {
        const bundles = renderFleet(specs);
        if (!bundles) return;
        valid++;
        const seen = { namespace: new Set<string>(), host: new Set<string>(), vault: new Set<string>(), storage: new Set<string>(), pool: new Set<string>() };
        const claim = (set: Set<string>, value: string, what: string) => {
          expect(set.has(value), `${what} '${value}' shared`).toBe(false);
          set.add(value);
        };
        for (const t of lastResolved) expect(effectiveSchema.safeParse(t.effective).success).toBe(true);
        for (const b of bundles) {
          expect(validateObjects(b.objects, crds)).toEqual([]);
          claim(seen.namespace, b.namespace, "namespace");
          for (const ing of find(b.objects, "Ingress")) {
            for (const rule of (spec(ing).rules as { host: string }[])) claim(seen.host, rule.host, "hostname");
          }
          claim(seen.vault, b.terraform.variables.key_vault_name, "key vault");
          claim(seen.storage, b.terraform.variables.storage_account_name, "storage account");
          if (b.terraform.variables.node_pool.enabled) claim(seen.pool, b.terraform.variables.node_pool.name, "node pool");
          for (const o of b.objects) {
            expect(o.metadata.labels["landlord.dev/tenant"]).toBe(b.tenant);
            expect(o.metadata.labels["landlord.dev/tier"]).toBe(b.tier);
            expect(o.metadata.labels["landlord.dev/customer"]).toBeTruthy();
            if (o.kind !== "Namespace") expect(o.metadata.namespace).toBe(b.namespace);
            expect(o.kind).not.toBe("Secret");
          }
          const quota = spec(find(b.objects, "ResourceQuota")[0]).hard as Record<string, string>;
          const peak = peakFromObjects(b.objects);
          expect(peak.cpu <= cpuMillis(quota["requests.cpu"] ?? "0")).toBe(true);
          expect(peak.memory <= bytes(quota["requests.memory"] ?? "0")).toBe(true);
          expect(peak.memoryLimits <= bytes(quota["limits.memory"] ?? "0")).toBe(true);
          expect(peak.storage <= bytes(quota["requests.storage"] ?? "0")).toBe(true);
          expect(peak.pods <= Number(quota.pods)).toBe(true);
          // Azure's own naming rules for the derived cloud names.
          expect(b.terraform.variables.key_vault_name).toMatch(/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/);
          expect(b.terraform.variables.storage_account_name).toMatch(/^[a-z0-9]{3,24}$/);
          if (b.terraform.variables.node_pool.enabled) expect(b.terraform.variables.node_pool.name).toMatch(/^[a-z][a-z0-9]{0,11}$/);
        }
      }),
      { numRuns: 60 },
    );
    expect(valid).toBeGreaterThan(30);
  });

  test("rendering is byte-stable and independent of the other tenants", () => {
    fc.assert(
      fc.property(fleetArb, (specs) => {
        const a = renderFleet(specs);
        if (!a) return;
        const b = renderFleet([...specs].reverse());
        expect(b).toBeDefined();
        for (const bundle of a) {
          const twin = b?.find((x) => x.tenant === bundle.tenant);
          expect(twin && bundleHash(twin)).toBe(bundleHash(bundle));
          expect(toYamlStream(twin?.objects ?? [])).toBe(toYamlStream(bundle.objects));
        }
      }),
      { numRuns: 40 },
    );
  });
});
