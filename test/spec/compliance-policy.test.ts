/**
 * Issue 24, item 7: compliance tags drive placement. policy.compliance in landlord.yaml says
 * what each tag requires (private endpoints, a dedicated node pool or cluster, regions), and
 * validation refuses a tenant that does not meet it, naming the rule and the way out.
 */
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { InputError, type InputProblem } from "../../src/errors.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";
import { platformWith } from "../support/platform-variants.js";

const SUBNET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pe";

function editYaml(text: string, path: (string | number)[], value: unknown): string {
  const doc = parseDocument(text);
  if (value === undefined) doc.deleteIn(path);
  else doc.setIn(path, value);
  return doc.toString();
}

/** The init template with private endpoints configured, and `changes` applied on top. */
function config(changes: [path: (string | number)[], value: unknown][] = []): string {
  return changes.reduce((text, [path, value]) => editYaml(text, path, value), platformWith(["integrations", "cloudPosture"], { privateEndpointSubnetId: SUBNET }));
}

function problemsOf(run: () => unknown): InputProblem[] {
  try {
    run();
    return [];
  } catch (err) {
    if (err instanceof InputError) return [...err.problems];
    throw err;
  }
}

const tenantProblems = (text: string, ...files: Parameters<typeof tenantFile>[]) =>
  problemsOf(() => fleet(platform(text), files.map((f) => tenantFile(...f))));
const platformProblems = (text: string) => problemsOf(() => platform(text));
const lines = (ps: InputProblem[]) => ps.map((p) => `${p.path}: ${p.message} (fix: ${p.fix})`);

describe("policy.compliance at tenant validation", () => {
  it("refuses a hipaa tenant on a shared tier, naming the rule and the tiers that meet it", () => {
    expect(lines(tenantProblems(config(), ["acme", { tier: "small", spec: { compliance: ["hipaa"] } }]))).toEqual([
      "spec.compliance[0]: 'hipaa' requires a dedicated node pool or cluster (policy.compliance.hipaa.allowedIsolation), tier 'small' is shared (isolation: namespace) (fix: use tier medium or large)",
    ]);
  });

  it("reports each tag at its own index, and a tag without a policy requires nothing", () => {
    const ps = tenantProblems(config(), ["acme", { spec: { compliance: ["soc2", "hipaa", "gdpr", "pci"] } }]);
    expect(ps.map((p) => `${p.path}: ${p.message.split(" (")[0] ?? ""}`)).toEqual([
      "spec.compliance[1]: 'hipaa' requires a dedicated node pool or cluster",
      "spec.compliance[3]: 'pci' requires a dedicated node pool or cluster",
    ]);
    expect(tenantProblems(config(), ["acme", { spec: { compliance: ["soc2", "gdpr"] } }])).toEqual([]);
  });

  it("only a cluster: a node pool tier is refused too, and the fix names the cluster tiers", () => {
    const text = config([[["policy", "compliance", "hipaa", "allowedIsolation"], ["cluster"]]]);
    expect(lines(tenantProblems(text, ["acme", { tier: "medium", spec: { compliance: ["hipaa"] } }]))).toEqual([
      "spec.compliance[0]: 'hipaa' requires a dedicated cluster (policy.compliance.hipaa.allowedIsolation), tier 'medium' has its own node pool (isolation: nodepool) (fix: use tier large)",
    ]);
    const noTier = editYaml(text, ["tiers", "large"], undefined);
    expect(tenantProblems(noTier, ["acme", { tier: "medium", spec: { compliance: ["hipaa"] } }])[0]?.fix).toBe(
      "add a tier with isolation cluster to landlord.yaml, or change policy.compliance.hipaa.allowedIsolation",
    );
  });

  it("refuses a hipaa tenant placed outside the allowed regions", () => {
    const text = config([[["policy", "compliance", "hipaa", "allowedRegions"], ["northeurope"]]]);
    // Placed on the first cluster's region when the spec names none.
    expect(lines(tenantProblems(text, ["acme", { tier: "large", spec: { compliance: ["hipaa"] } }]))).toEqual([
      "spec.compliance[0]: 'hipaa' allows only regions northeurope (policy.compliance.hipaa.allowedRegions), but the tenant was placed in westeurope (spec.region is not set) (fix: set spec.region to northeurope)",
    ]);
    expect(lines(tenantProblems(text, ["acme", { tier: "large", spec: { compliance: ["hipaa"], region: "eastus" } }]))).toEqual([
      "spec.compliance[0]: 'hipaa' allows only regions northeurope (policy.compliance.hipaa.allowedRegions), but spec.region is eastus (fix: set spec.region to northeurope)",
    ]);
    // A dedicated cluster is created where the spec says.
    expect(tenantProblems(text, ["acme", { tier: "large", spec: { compliance: ["hipaa"], region: "northeurope" } }])).toEqual([]);
    // A node pool needs a shared cluster of landlord.yaml in the region, and there is none.
    expect(tenantProblems(text, ["acme", { tier: "medium", spec: { compliance: ["hipaa"] } }])[0]?.fix).toBe(
      "add a shared cluster in northeurope to landlord.yaml, or use a tier with its own cluster and set spec.region",
    );
  });

  it("refuses a hipaa tenant while the cloud posture allows public network access, or has no private endpoint subnet", () => {
    const open = config([[["integrations", "cloudPosture", "publicNetworkAccess"], true]]);
    expect(lines(tenantProblems(open, ["acme", { tier: "large", spec: { compliance: ["hipaa"] } }]))).toEqual([
      "spec.compliance[0]: 'hipaa' requires private endpoints for the tenant's Key Vault and backup storage (policy.compliance.hipaa.requirePrivateEndpoints), but landlord.yaml sets integrations.cloudPosture.publicNetworkAccess: true (fix: set integrations.cloudPosture.publicNetworkAccess: false and privateEndpointSubnetId in landlord.yaml)",
    ]);
    // The init template leaves the subnet to the operator: a hipaa tenant waits for it.
    expect(lines(tenantProblems(PLATFORM_TEMPLATE, ["acme", { tier: "large", spec: { compliance: ["hipaa"] } }]))).toEqual([
      "spec.compliance[0]: 'hipaa' requires private endpoints for the tenant's Key Vault and backup storage (policy.compliance.hipaa.requirePrivateEndpoints), but landlord.yaml sets no integrations.cloudPosture.privateEndpointSubnetId (fix: set integrations.cloudPosture.privateEndpointSubnetId to the subnet the private endpoints go into (terraform/platform output private_endpoint_subnet_id), with privateDnsZoneIds from its output private_dns_zone_ids)",
    ]);
    // Other tenants are not held to it.
    expect(tenantProblems(open, ["acme", { tier: "small", spec: { compliance: ["gdpr"] } }])).toEqual([]);
  });

  it("accepts a hipaa tenant on a dedicated tier with a private posture, in an allowed region", () => {
    const text = config([[["policy", "compliance", "hipaa", "allowedRegions"], ["westeurope", "northeurope"]]]);
    expect(tenantProblems(text, ["acme", { tier: "large", spec: { compliance: ["hipaa"] } }], ["beta", { tier: "medium", spec: { compliance: ["hipaa", "pci"], region: "westeurope" } }])).toEqual([]);
    const [t] = fleet(platform(text), [tenantFile("acme", { tier: "large", spec: { compliance: ["hipaa"] } })]);
    expect(t?.placement).toMatchObject({ region: "westeurope", dedicatedCluster: true });
  });
});

describe("policy.compliance in landlord.yaml", () => {
  it("the init template's policy is live for hipaa and pci and loads", () => {
    const { compliance } = platform(config()).config.policy;
    expect(compliance.hipaa).toEqual({ requirePrivateEndpoints: true, allowedIsolation: ["nodepool", "cluster"] });
    expect(compliance.pci).toEqual({ requirePrivateEndpoints: true, allowedIsolation: ["nodepool", "cluster"] });
    expect(platform(editYaml(PLATFORM_TEMPLATE, ["policy", "compliance"], undefined)).config.policy.compliance).toEqual({});
  });

  it("refuses a policy for an unknown compliance tag, with the closest known one", () => {
    const text = editYaml(config(), ["policy", "compliance", "hipa"], { requirePrivateEndpoints: true });
    expect(lines(platformProblems(text))).toEqual(["policy.compliance.hipa: unknown field 'hipa' (fix: did you mean 'hipaa'?)"]);
  });

  it("refuses a region no cluster is in when the tag's tenants can only be on shared clusters", () => {
    const text = config([
      [["policy", "compliance", "hipaa", "allowedIsolation"], ["nodepool"]],
      [["policy", "compliance", "hipaa", "allowedRegions"], ["westeurope", "westeurop"]],
    ]);
    expect(lines(platformProblems(text))).toEqual([
      "policy.compliance.hipaa.allowedRegions[1]: no cluster of landlord.yaml is in region 'westeurop', and 'hipaa' tenants may not have a dedicated cluster (allowedIsolation) (fix: use one of: westeurope; or add a cluster in westeurop, or allow cluster in policy.compliance.hipaa.allowedIsolation)",
    ]);
    // A dedicated cluster may be created in a region without a shared cluster.
    expect(platformProblems(editYaml(text, ["policy", "compliance", "hipaa", "allowedIsolation"], ["nodepool", "cluster"]))).toEqual([]);
  });

  it("refuses rules no tenant could meet or that allow shared nodes by name", () => {
    const empty = lines(platformProblems(config([[["policy", "compliance", "hipaa", "allowedIsolation"], []]])));
    expect(empty).toEqual(["policy.compliance.hipaa.allowedIsolation: allowedIsolation is empty, which no tier could meet (fix: list nodepool and/or cluster, or leave it out)"]);
    const shared = platformProblems(config([[["policy", "compliance", "hipaa", "allowedIsolation"], ["namespace"]]]));
    expect(shared.map((p) => p.path)).toEqual(["policy.compliance.hipaa.allowedIsolation[0]"]);
    const spaced = platformProblems(config([[["policy", "compliance", "gdpr"], { allowedRegions: ["West Europe"] }]]));
    expect(lines(spaced)).toEqual(["policy.compliance.gdpr.allowedRegions[0]: a region is an Azure region name (fix: write e.g. 'westeurope' (lowercase, no spaces))"]);
  });
});
