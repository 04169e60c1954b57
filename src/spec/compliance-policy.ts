/**
 * A tenant's compliance tags against landlord.yaml's policy.compliance: the tier's isolation,
 * the region it is placed in, and the network posture of its Key Vault and backup storage.
 * Checked when the tenant is validated, so a regulated tenant is refused before anything of
 * it is rendered, not found on shared nodes or public endpoints afterwards.
 */
import type { InputProblem } from "../errors.js";
import type { Placement } from "./placement.js";
import type { ComplianceRule, ComplianceTag, IsolationMode, PlatformConfig, Tier } from "./platform-schema.js";

export interface ComplianceSubject {
  readonly compliance: readonly ComplianceTag[];
  readonly tierName: string;
  readonly isolation: IsolationMode;
  readonly placement: Pick<Placement, "region" | "dedicatedCluster">;
  /** Whether the spec names its region; without it the fix is to name one. */
  readonly regionPinned: boolean;
}

const DEDICATED: Record<IsolationMode, string> = { namespace: "shared nodes", nodepool: "a dedicated node pool", cluster: "a dedicated cluster" };
const RUNS_ON: Record<IsolationMode, string> = { namespace: "is shared", nodepool: "has its own node pool", cluster: "has its own cluster" };

export function complianceProblems(config: PlatformConfig, subject: ComplianceSubject): InputProblem[] {
  const out: InputProblem[] = [];
  subject.compliance.forEach((tag, i) => {
    const rule = config.policy.compliance[tag];
    if (rule === undefined) return;
    const path = `spec.compliance[${String(i)}]`;
    const isolation = isolationProblem(config.tiers, tag, rule, subject);
    if (isolation) out.push({ path, ...isolation });
    const region = regionProblem(config, tag, rule, subject);
    if (region) out.push({ path, ...region });
    out.push(...privateEndpointProblems(config, tag, rule).map((p) => ({ path, ...p })));
  });
  return out;
}

type Finding = Omit<InputProblem, "path" | "file">;

function isolationProblem(tiers: Readonly<Record<string, Tier>>, tag: ComplianceTag, rule: ComplianceRule, s: ComplianceSubject): Finding | undefined {
  const allowed: readonly IsolationMode[] | undefined = rule.allowedIsolation;
  if (allowed === undefined || allowed.includes(s.isolation)) return undefined;
  const fitting = Object.entries(tiers)
    .filter(([, t]) => allowed.includes(t.isolation))
    .map(([name]) => name);
  const wanted = allowed.length === 2 ? "a dedicated node pool or cluster" : allowed.map((m) => DEDICATED[m]).join(" or ");
  return {
    message: `'${tag}' requires ${wanted} (policy.compliance.${tag}.allowedIsolation), tier '${s.tierName}' ${RUNS_ON[s.isolation]} (isolation: ${s.isolation})`,
    fix:
      fitting.length > 0
        ? `use tier ${orList(fitting)}`
        : `add a tier with isolation ${orList([...allowed])} to landlord.yaml, or change policy.compliance.${tag}.allowedIsolation`,
  };
}

function regionProblem(config: PlatformConfig, tag: ComplianceTag, rule: ComplianceRule, s: ComplianceSubject): Finding | undefined {
  const allowed = rule.allowedRegions;
  if (allowed === undefined || allowed.includes(s.placement.region)) return undefined;
  // A shared cluster is chosen among those of landlord.yaml; a dedicated one is created where the spec says.
  const reachable = s.placement.dedicatedCluster ? allowed : allowed.filter((r) => config.clusters.some((c) => c.region === r));
  const where = s.regionPinned ? `spec.region is ${s.placement.region}` : `the tenant was placed in ${s.placement.region} (spec.region is not set)`;
  return {
    message: `'${tag}' allows only regions ${allowed.join(", ")} (policy.compliance.${tag}.allowedRegions), but ${where}`,
    fix:
      reachable.length > 0
        ? `set spec.region to ${orList(reachable)}`
        : `add a shared cluster in ${orList(allowed)} to landlord.yaml, or use a tier with its own cluster and set spec.region`,
  };
}

function privateEndpointProblems(config: PlatformConfig, tag: ComplianceTag, rule: ComplianceRule): Finding[] {
  if (!rule.requirePrivateEndpoints) return [];
  const posture = config.integrations.cloudPosture;
  const requires = `'${tag}' requires private endpoints for the tenant's Key Vault and backup storage (policy.compliance.${tag}.requirePrivateEndpoints)`;
  if (posture.publicNetworkAccess) {
    return [{ message: `${requires}, but landlord.yaml sets integrations.cloudPosture.publicNetworkAccess: true`, fix: "set integrations.cloudPosture.publicNetworkAccess: false and privateEndpointSubnetId in landlord.yaml" }];
  }
  if (posture.privateEndpointSubnetId === undefined) {
    return [{ message: `${requires}, but landlord.yaml sets no integrations.cloudPosture.privateEndpointSubnetId`, fix: "set integrations.cloudPosture.privateEndpointSubnetId to the subnet the private endpoints go into (terraform/platform output private_endpoint_subnet_id), with privateDnsZoneIds from its output private_dns_zone_ids" }];
  }
  return [];
}

function orList(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items.at(-1) ?? ""}`;
}
