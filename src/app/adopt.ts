/**
 * `landlord adopt`, one use case below its edges: read what runs in a namespace (and, when
 * given, the Terraform state that made its cloud resources), propose the tenant spec and
 * the plan, and start the adopt workflow that carries it out (docs/adr/0037). A second run
 * against a setup already adopted changes nothing.
 */
import { readFile } from "node:fs/promises";
import type { ExistingSetup } from "../adopt/existing-setup.js";
import { kubernetesPlan, proposeSpec, type PlanItem } from "../adopt/proposal.js";
import { cloudAdoption } from "../adopt/terraform-imports.js";
import { resourcesOfState } from "../adopt/terraform-state.js";
import { readExistingSetup } from "../delivery/kubernetes/existing-setup-reader.js";
import { ConflictError, InputError, type InputProblem } from "../errors.js";
import { renderBundle } from "../render/bundle.js";
import type { ImportBlock } from "../render/terraform/imports.js";
import { freeCapacity } from "../spec/capacity.js";
import type { WorkflowRecord } from "../store/index.js";
import { ADOPT_KIND, type AdoptSource } from "../workflows/tenant/adopt-input.js";
import { resolveSpec } from "../workflows/tenant/services.js";
import { submitOnboard } from "../workflows/tenant/submit.js";
import type { Runtime } from "./runtime.js";

/** Optional fields may be undefined outright: each edge passes what its caller gave. */
export interface AdoptRequest {
  readonly namespace: string;
  readonly name?: string | undefined;
  readonly tier?: string | undefined;
  readonly email?: string | undefined;
  readonly domains?: readonly string[] | undefined;
  /** The cluster (landlord.yaml clusters[].name) the setup runs on; needed when there are several. */
  readonly cluster?: string | undefined;
  readonly databaseSecret?: string | undefined;
  /** Path of a `terraform state pull` output (the CLI). */
  readonly terraformState?: string | undefined;
  /** The same output as a value (the HTTP API, which reads no files named by its callers). */
  readonly terraformStateJson?: unknown;
}

export interface AdoptionProposal {
  readonly spec: Record<string, unknown>;
  readonly found: ExistingSetup;
  readonly plan: readonly PlanItem[];
  readonly imports: readonly ImportBlock[];
  /** Set once the proposal holds no problem. */
  readonly source?: AdoptSource;
  readonly problems: readonly InputProblem[];
}

function clusterOf(rt: Runtime, req: AdoptRequest): string {
  const clusters = rt.services.platform.config.clusters.map((c) => c.name);
  if (req.cluster !== undefined) {
    if (!clusters.includes(req.cluster)) throw new InputError([{ path: "--cluster", message: `'${req.cluster}' is not a cluster of landlord.yaml`, fix: `use one of ${clusters.join(", ")}` }]);
    return req.cluster;
  }
  const only = clusters.length === 1 ? clusters[0] : undefined;
  if (only === undefined) throw new InputError([{ path: "--cluster", message: "landlord.yaml lists several clusters", fix: `name the one the setup runs on: --cluster ${clusters.join("|")}` }]);
  return only;
}

async function terraformState(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as unknown;
  } catch (err) {
    throw new InputError([{ path: "--terraform-state", message: `${file} cannot be read as JSON (${(err as Error).message})`, fix: "pass the output of `terraform state pull > state.json`" }], { cause: err });
  }
}

export async function proposeAdoption(rt: Runtime, req: AdoptRequest): Promise<AdoptionProposal> {
  const access = rt.services.delivery.cluster;
  if (!access) throw new ConflictError(`landlord adopt reads the existing setup from its cluster, so it needs delivery.mode kubernetes; ${rt.services.delivery.kind} delivery has no cluster connection`);
  const cluster = clusterOf(rt, req);
  const read = await readExistingSetup(access.applierFor(cluster).client, cluster, req.namespace, req.databaseSecret === undefined ? {} : { databaseSecret: req.databaseSecret });
  const state = req.terraformState !== undefined ? await terraformState(req.terraformState) : req.terraformStateJson;
  const found: ExistingSetup = state === undefined ? read : { ...read, cloud: resourcesOfState(state, req.terraformState ?? "body.terraformState") };
  const config = rt.services.platform.config;
  const proposed = proposeSpec(found, {
    name: req.name ?? req.namespace,
    tier: req.tier ?? Object.keys(config.tiers)[0] ?? "",
    defaultAppImage: config.defaults.app?.image ?? "",
    ...(req.email !== undefined ? { email: req.email } : {}),
    ...(req.domains !== undefined && req.domains.length > 0 ? { domains: [...req.domains] } : {}),
  });
  const spec = { ...proposed.spec, spec: { ...(proposed.spec.spec as Record<string, unknown>), placement: { cluster } } };
  if (proposed.problems.length > 0) return { spec, found, plan: [], imports: [], problems: proposed.problems };
  const placed = await rt.store.tenants.placedCapacity(req.name ?? req.namespace);
  const tenant = resolveSpec(rt.services, spec, { free: freeCapacity(config, placed) });
  const cloud = cloudAdoption(found.cloud, renderBundle(config, tenant).terraform.variables);
  const plan = [...kubernetesPlan(found, { namespace: tenant.names.namespace, cluster }), ...cloud.plan];
  const db = found.database;
  const source: AdoptSource | undefined = db === undefined ? undefined : { cluster, namespace: found.namespace, database: { ...db }, ingresses: found.ingresses.map((i) => i.name) };
  return { spec: tenant.tenant as unknown as Record<string, unknown>, found, plan, imports: cloud.imports, ...(source ? { source } : {}), problems: [] };
}

/** The proposal as both edges show it (`-o json`, the API): found, spec, plan, imports, problems. */
export function proposalView(p: AdoptionProposal): { found: ExistingSetup; spec: Record<string, unknown>; plan: PlanItem[]; imports: ImportBlock[]; problems: InputProblem[] } {
  return { found: p.found, spec: p.spec, plan: [...p.plan], imports: [...p.imports], problems: [...p.problems] };
}

export type AdoptStart = { readonly kind: "started"; readonly workflow: WorkflowRecord; readonly proposal: AdoptionProposal } | { readonly kind: "already-adopted"; readonly workflow: WorkflowRecord };

/** The adopt workflow that already took this namespace over, if the tenant is still Ready from it. */
async function earlierAdoption(rt: Runtime, name: string, cluster: string, namespace: string): Promise<WorkflowRecord | undefined> {
  const t = await rt.store.tenants.get(name);
  if (!t || t.phase === "Offboarded") return undefined;
  const done = await rt.store.workflows.list({ tenantName: name, kinds: [ADOPT_KIND], statuses: ["Succeeded"] });
  return done.find((wf) => {
    const s = (wf.input as { source?: { cluster?: string; namespace?: string } }).source;
    return s?.cluster === cluster && s.namespace === namespace;
  });
}

export async function startAdoption(rt: Runtime, req: AdoptRequest, actor: string, now: Date): Promise<AdoptStart> {
  const name = req.name ?? req.namespace;
  const earlier = await earlierAdoption(rt, name, clusterOf(rt, req), req.namespace);
  if (earlier) return { kind: "already-adopted", workflow: earlier };
  const proposal = await proposeAdoption(rt, req);
  if (proposal.problems.length > 0 || proposal.source === undefined) throw new InputError(proposal.problems);
  const workflow = await submitOnboard(rt.services, rt.engine, proposal.spec, actor, now, { adopt: { source: proposal.source, imports: [...proposal.imports], switchSettleSeconds: 5 } });
  return { kind: "started", workflow, proposal };
}
