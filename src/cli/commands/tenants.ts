/** Tenant lifecycle commands: onboard, update (one, files, --all), offboard, get, describe. */
import { cloudRetentionRepo, type RetainedCloud } from "../../store/cloud-retention-repo.js";
import { claimPolicy, isCustomDomain } from "../../spec/custom-domains.js";
import { domainChallengesRepo } from "../../store/domain-challenges-repo.js";
import { claimConflict, domainClaimsRepo } from "../../store/domain-claims.js";
import { ConflictError, InputError, InterruptedError, NotFoundError, WorkflowFailedError, type InputProblem } from "../../errors.js";
import type { TenantRecord, WorkflowRecord } from "../../store/index.js";
import { storeFailure } from "../../store/index.js";
import type { RunResult } from "../../workflows/engine/index.js";
import { onboardWorkflow } from "../../workflows/tenant/onboard.js";
import { formatAdvice, wasReady, wayForward } from "../../workflows/tenant/phases.js";
import { runTenantWorkflow } from "../../workflows/tenant/run-tenant-workflow.js";
import { resolveSpec, specName } from "../../workflows/tenant/services.js";
import { planUpdate, submitOffboard, submitOnboard, submitUpdate, type UpdatePlan } from "../../workflows/tenant/submit.js";
import { toJson, toYaml } from "../../render/serialize.js";
import { interruptibly, type CliIo } from "../io.js";
import { confirmByName } from "../confirm.js";
import { age, printResources, table as printTable, type Printable } from "../output.js";
import { progressPrinter } from "../progress.js";
import { namingFile, specFromFile, specsFromPaths } from "../spec-files.js";
import { openRuntime, type Runtime, type RuntimeOptions } from "../../app/runtime.js";
import type { GlobalOptions } from "../../app/load-files.js";
import { explainTenant } from "./explain.js";
import { askTenant } from "./onboard-prompts.js";

export interface OnboardOptions {
  tier?: string;
  domain?: string[];
  contact?: string;
  displayName?: string;
  file?: string;
  dryRun?: boolean;
  /** Onboard a name whose previous tenant is still retained: new cloud resources beside the kept ones. */
  reuseRetainedName?: boolean;
}

/** Kept here for the command modules that import them (rollout, cluster, diff); defined in ../output.ts and ../spec-files.ts. */
export const table = printTable;
export { specFromFile, specsFromPaths };

export function actor(io: CliIo): string {
  return io.env.LANDLORD_ACTOR ?? io.env.USER ?? "cli";
}

export async function withRuntime<T>(io: CliIo, global: GlobalOptions, fn: (rt: Runtime) => Promise<T>, steps?: () => number, options: RuntimeOptions = {}): Promise<T> {
  const rt = await openRuntime(io, global, steps ? progressPrinter(io, steps) : undefined, options);
  try {
    return await fn(rt);
  } catch (err) {
    // Driver errors (a full disk, a dropped connection) in words, with where and what to do.
    throw storeFailure(err, rt.store.location, "the store failed") ?? err;
  } finally {
    await rt.close();
  }
}

/** Read-only commands: the store is neither created nor locked (see openStore readOnly). */
export function withReadRuntime<T>(io: CliIo, global: GlobalOptions, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  return withRuntime(io, global, fn, undefined, { readOnly: true });
}

/** Turns a run's outcome into success or an error that says what happened and what works next. */
export function finishedOrThrow(result: RunResult, what: string, workflowId?: string): void {
  if (result.outcome === "busy") {
    const by = result.holder ? ` (${result.holder}${result.until ? `, lease until ${result.until.toISOString()}` : ""})` : "";
    throw new ConflictError(`${what} is being run by another Landlord process${by}; it continues there. If that process is gone, \`landlord workflows resume${workflowId ? ` ${workflowId}` : ""}\` takes over once its lease ends`);
  }
  if (result.outcome === "interrupted") {
    throw new InterruptedError(`${what} stopped at a step boundary; nothing is left half-done and the lease was released`, `landlord workflows resume${workflowId ? ` ${workflowId}` : ""}`);
  }
  if (result.outcome === "lease-lost") {
    throw new ConflictError(`${what}: another process took the workflow over; it continues there (landlord workflows list)`);
  }
  if (result.workflow.status !== "Succeeded") {
    const wf = result.workflow;
    throw new WorkflowFailedError(`${what} ${wf.status.toLowerCase()}: ${wf.error ?? "see the workflow's steps"}`, wf.id, wf.status === "Cancelled" ? "Cancelled" : "Failed");
  }
}

/** Adds the way forward to a failed tenant workflow's error. */
async function withAdvice(rt: Runtime, name: string, err: unknown): Promise<unknown> {
  if (!(err instanceof WorkflowFailedError)) return err;
  const t = await rt.store.tenants.get(name);
  if (!t) return err;
  return new WorkflowFailedError(`${err.message}\n${formatAdvice(await wayForward(rt.store, t))}`, err.workflowId, err.status, { cause: err });
}

export async function runAndReport(io: CliIo, rt: Runtime, wf: WorkflowRecord, what: string): Promise<void> {
  const result = await interruptibly(io, (signal) => runTenantWorkflow(rt.services, rt.engine, wf.id, undefined, signal ? { signal } : {}));
  try {
    finishedOrThrow(result, what, wf.id);
  } catch (err) {
    throw await withAdvice(rt, wf.tenantName, err);
  }
}

function flagSpec(name: string, opts: OnboardOptions): Record<string, unknown> {
  return {
    apiVersion: "landlord.dev/v1alpha1",
    kind: "Tenant",
    metadata: { name },
    spec: {
      displayName: opts.displayName ?? name,
      tier: opts.tier ?? "",
      domains: opts.domain ?? [],
      contacts: { email: opts.contact ?? "" },
    },
  };
}

/** -f and the flags that describe a tenant are two sources for one spec: refuse the mix instead of ignoring one. */
function conflictingFlags(name: string | undefined, opts: OnboardOptions, fileSpec: Record<string, unknown>): InputProblem[] {
  const problems: InputProblem[] = [];
  const fileName = specName(fileSpec);
  if (name !== undefined && name !== fileName) {
    problems.push({ path: "NAME", message: `'${name}' differs from metadata.name '${fileName}' in ${opts.file ?? "the file"}`, fix: "leave NAME out with -f, or make them the same" });
  }
  const flags = [
    ["--tier", opts.tier],
    ["--domain", opts.domain],
    ["--contact", opts.contact],
    ["--display-name", opts.displayName],
  ] as const;
  for (const [flag, value] of flags) {
    if (value !== undefined) problems.push({ path: flag, message: "given together with -f, whose spec already says it", fix: `change the file instead, or drop -f and pass the flags` });
  }
  return problems;
}

export async function onboardCommand(io: CliIo, global: GlobalOptions, name: string | undefined, opts: OnboardOptions): Promise<void> {
  let fileSpec: Record<string, unknown> | undefined;
  if (opts.file !== undefined) {
    fileSpec = await specFromFile(io, opts.file);
    const problems = conflictingFlags(name, opts, fileSpec);
    if (problems.length > 0) throw new InputError(problems);
  }
  let steps = 0;
  const started = Date.now();
  await withRuntime(
    io,
    global,
    async (rt) => {
      const complete = name !== undefined && opts.tier !== undefined && (opts.domain?.length ?? 0) > 0 && opts.contact !== undefined;
      const spec = fileSpec ?? (complete || !io.prompt ? flagSpec(name ?? "", opts) : await askTenant(io, rt, name, opts));
      if (!fileSpec && !io.prompt) {
        const missing: InputProblem[] = [];
        if (name === undefined) missing.push({ path: "NAME", message: "missing", fix: "pass the tenant name" });
        if (opts.tier === undefined) missing.push({ path: "--tier", message: "missing", fix: "pass --tier" });
        if ((opts.domain?.length ?? 0) === 0) missing.push({ path: "--domain", message: "missing", fix: "pass --domain (repeatable)" });
        if (opts.contact === undefined) missing.push({ path: "--contact", message: "missing", fix: "pass --contact" });
        if (missing.length > 0) throw new InputError(missing);
      }
      if (opts.dryRun === true) {
        await namingFile(spec, () => printOnboardPlan(io, rt, spec));
        return;
      }
      const wf = await namingFile(spec, () => submitOnboard(rt.services, rt.engine, spec, actor(io), new Date(), { reuseRetained: opts.reuseRetainedName === true }));
      steps = (await rt.store.workflows.steps(wf.id)).length;
      io.stderr(`onboarding ${wf.tenantName} (workflow ${wf.id})\n`);
      await runAndReport(io, rt, wf, `onboarding of ${wf.tenantName}`);
      await printSummary(io, rt, wf.tenantName, wf.id, Date.now() - started);
    },
    () => steps,
  );
}

async function printOnboardPlan(io: CliIo, rt: Runtime, spec: Record<string, unknown>): Promise<void> {
  const name = specName(spec);
  const existing = await rt.store.tenants.get(name);
  if (existing && existing.phase !== "Offboarded" && !(existing.phase === "Failed" && !(await wasReady(rt.store, existing)))) {
    throw new ConflictError(`tenant '${name}' already exists (phase ${existing.phase}).\n${formatAdvice(await wayForward(rt.store, existing))}`);
  }
  const placed = await rt.store.tenants.placedCapacity(name);
  const { freeCapacity } = await import("../../spec/capacity.js");
  const t = resolveSpec(rt.services, spec, { free: freeCapacity(rt.services.platform.config, placed) });
  // As the onboarding's own claim would judge them: a lapsed claim holds nothing.
  const claims = domainClaimsRepo(rt.store.db, claimPolicy(rt.services.platform.config));
  const taken = (await claims.list({ domains: t.tenant.spec.domains }, new Date())).filter((c) => c.tenantName !== name && c.status !== "Expired");
  if (taken.length > 0) throw claimConflict(taken);
  io.stdout(
    [
      `tenant ${name} would be onboarded (dry run: nothing was written)`,
      `  tier:       ${t.tier.name}`,
      `  cluster:    ${t.placement.cluster}${t.placement.nodePool ? `, node pool ${t.placement.nodePool}` : ""}`,
      `  namespace:  ${t.names.namespace}`,
      `  domains:    ${t.tenant.spec.domains.join(", ")}`,
      `  delivery:   ${rt.services.delivery.kind}`,
      `  steps:      ${onboardWorkflow(rt.services).stepNames.join(", ")}`,
      "",
    ].join("\n"),
  );
}

async function printSummary(io: CliIo, rt: Runtime, name: string, workflowId: string, elapsedMs: number): Promise<void> {
  const tenant = await rt.store.tenants.require(name);
  const steps = await rt.store.workflows.steps(workflowId);
  const out = (step: string) => steps.find((s) => s.name === step)?.output as Record<string, unknown> | undefined;
  const credentials = out("credentials") as { apiToken?: { file?: string }; kubeconfig?: { file?: string; expiresAt?: string; skipped?: string } } | undefined;
  const apply = out("apply") as { target?: string; delivery?: string } | undefined;
  const cloud = out("cloud-resources") as { skipped?: string } | undefined;
  // Custom domains are served only once their DNS challenge is verified (docs/adr/0017).
  const verified = await domainChallengesRepo(rt.store.db).verified(name);
  const zone = rt.services.platform.config.integrations.dns.zone;
  const pending = tenant.domains.filter((d) => isCustomDomain(d, zone) && !verified.has(d));
  const served = tenant.domains.filter((d) => !pending.includes(d));
  const lines = [
    ``,
    `tenant ${name} is ${tenant.phase} (${(elapsedMs / 1000).toFixed(2)} s)`,
    `  urls:        ${served.length > 0 ? served.map((d) => `https://${d}`).join(", ") : "-"}`,
    ...(pending.length > 0 ? [`  pending:     ${pending.join(", ")} (not served until proven: landlord domains ${name})`] : []),
    `  delivery:    ${apply?.delivery ?? "?"} -> ${apply?.target ?? "?"}`,
    `  cloud:       ${cloud?.skipped ?? "applied"}`,
    `  api token:   ${credentials?.apiToken?.file ?? "-"} (shown nowhere else; the store keeps only its hash)`,
    `  kubeconfig:  ${credentials?.kubeconfig?.file !== undefined ? `${credentials.kubeconfig.file} (expires ${credentials.kubeconfig.expiresAt ?? "?"})` : (credentials?.kubeconfig?.skipped ?? "-")}`,
    `  store:       ${rt.storeLabel}`,
  ];
  if (!rt.services.delivery.usesCluster) lines.push(`  note:        no cluster was used; the rendered objects are in ${apply?.target ?? "the delivery target"}`);
  io.stdout(`${lines.join("\n")}\n`);
}

export interface UpdateOptions {
  file?: string[];
  all?: boolean;
  dryRun?: boolean;
}

function planLine(p: UpdatePlan): string {
  if (p.changes.length > 0) return `${p.name}: ${p.changes.map((c) => c.path).join(", ")}`;
  if (p.platformChanged) return `${p.name}: landlord.yaml changed what it renders`;
  return `${p.name}: retry (the tenant is Failed)`;
}

/**
 * `landlord update NAME | -f FILE|DIR | --all`: one tenant from its stored spec (after
 * a landlord.yaml change, or to retry), the specs in files, or every live tenant. A plan
 * of what changes comes first; --dry-run stops there. Tenants are updated one after
 * another with progress; a failure is reported and the rest still run.
 */
export async function updateCommand(io: CliIo, global: GlobalOptions, name: string | undefined, opts: UpdateOptions): Promise<void> {
  const sources = [name !== undefined, (opts.file?.length ?? 0) > 0, opts.all === true].filter(Boolean).length;
  if (sources !== 1) {
    throw new InputError([{ path: "update", message: sources === 0 ? "nothing to update" : "NAME, -f and --all exclude each other", fix: "pass one of: a tenant NAME (its stored spec), -f FILE|DIR (new specs), or --all (every live tenant)" }]);
  }
  const fileSpecs = opts.file && opts.file.length > 0 ? await specsFromPaths(io, opts.file) : undefined;
  let steps = 0;
  await withRuntime(
    io,
    global,
    async (rt) => {
      let specs: Record<string, unknown>[];
      if (fileSpecs) specs = fileSpecs;
      else if (name !== undefined) specs = [(await rt.store.tenants.require(name)).spec];
      else specs = (await rt.store.tenants.list({ phases: ["Ready", "Failed"] })).map((t) => t.spec);
      const now = new Date();
      const plans: UpdatePlan[] = [];
      const refused: string[] = [];
      for (const spec of specs) {
        try {
          const plan = await namingFile(spec, () => planUpdate(rt.services, spec, now));
          if (plan) plans.push(plan);
        } catch (err) {
          // --all skips tenants that cannot be updated (a Failed onboarding) and says so; a named one is an error.
          if (opts.all !== true || !(err instanceof ConflictError)) throw err;
          refused.push(`${specName(spec)}: ${err.message.split("\n")[0] ?? ""}`);
        }
      }
      const total = specs.length;
      io.stdout(`${plans.length} of ${total} tenant${total === 1 ? "" : "s"} to update${opts.dryRun === true ? " (dry run: nothing was written)" : ""}\n`);
      for (const p of plans) io.stdout(`  ${planLine(p)}\n`);
      for (const r of refused) io.stdout(`  skipped ${r}\n`);
      if (plans.length === 0) {
        if (total === 1 && refused.length === 0) io.stdout("no change: the tenant already has this spec and its rendered objects are delivered\n");
        return;
      }
      if (opts.dryRun === true) return;
      const failures: string[] = [];
      for (const [i, plan] of plans.entries()) {
        const spec = specs.find((s) => specName(s) === plan.name) ?? {};
        const wf = await submitUpdate(rt.services, rt.engine, spec, actor(io), new Date());
        if (!wf) continue;
        steps = (await rt.store.workflows.steps(wf.id)).length;
        io.stderr(`[${i + 1}/${plans.length}] updating ${plan.name} (workflow ${wf.id})\n`);
        try {
          await runAndReport(io, rt, wf, `update of ${plan.name}`);
          io.stdout(`tenant ${plan.name} updated\n`);
        } catch (err) {
          if (plans.length === 1 || err instanceof InterruptedError) throw err;
          failures.push(`${plan.name}: ${err instanceof Error ? (err.message.split("\n")[0] ?? "") : String(err)} (landlord workflows describe ${wf.id})`);
        }
      }
      if (failures.length > 0) throw new ConflictError(`${failures.length} of ${plans.length} updates failed:\n  ${failures.join("\n  ")}`);
    },
    () => steps,
  );
}

export async function offboardCommand(io: CliIo, global: GlobalOptions, name: string, opts: { force: boolean; yes: boolean; dryRun?: boolean; backupConfirmed?: string[] }): Promise<void> {
  if (opts.force && !opts.yes && opts.dryRun !== true) {
    await confirmByName(io, name, { flag: "--force", destroys: "destroys the tenant's data without a retention window", question: `--force destroys ${name}'s data now, with no retention window.` });
  }
  let steps = 0;
  await withRuntime(
    io,
    global,
    async (rt) => {
      if (opts.dryRun === true) {
        const t = await rt.store.tenants.require(name);
        if (t.phase === "Offboarded") throw new ConflictError(`tenant '${name}' is already Offboarded`);
        io.stdout(`tenant ${name} (${t.phase}) would be offboarded (dry run: nothing was written): final backup, delete, wait until gone, ${opts.force ? "cloud resources destroyed now" : "cloud resources kept through the retention window"}, credentials revoked, name and domains (${t.domains.join(", ")}) released\n`);
        return;
      }
      const wf = await submitOffboard(rt.services, rt.engine, name, { actor: actor(io), force: opts.force, now: new Date(), confirmedBackups: opts.backupConfirmed ?? [] });
      steps = (await rt.store.workflows.steps(wf.id)).length;
      io.stderr(`offboarding ${name} (workflow ${wf.id})\n`);
      await runAndReport(io, rt, wf, `offboarding of ${name}`);
      const tenant = await rt.store.tenants.require(name);
      io.stdout(`tenant ${name} offboarded; name and domains released; data retained until ${tenant.retainUntil?.toISOString() ?? "now"}\n`);
    },
    () => steps,
  );
}

/** The Tenant as `get -o yaml|json` shows it: the stored spec with metadata and status. */
function tenantObject(t: TenantRecord): Record<string, unknown> {
  const spec = t.spec;
  const p = t.placement;
  return {
    ...spec,
    metadata: { ...spec.metadata, generation: t.generation, creationTimestamp: t.createdAt.toISOString() },
    status: {
      phase: t.phase,
      ...(p ? { cluster: p.cluster, ...(p.nodePool ? { nodePool: p.nodePool } : {}) } : {}),
      domains: [...t.domains],
      updated: t.updatedAt.toISOString(),
      ...(t.retainUntil ? { dataRetainedUntil: t.retainUntil.toISOString() } : {}),
    },
  };
}

const tenantPrintable = (now: Date): Printable<TenantRecord> => ({
  kind: "tenant",
  name: (t) => t.name,
  object: tenantObject,
  row: (t) => {
    const p = t.placement;
    return { NAME: t.name, TIER: t.spec.spec.tier, PHASE: t.phase, CLUSTER: p?.cluster ?? "-", DOMAINS: t.domains.join(","), GENERATION: String(t.generation), AGE: age(t.createdAt, now) };
  },
  columns: ["NAME", "TIER", "PHASE", "DOMAINS", "AGE"],
  wideColumns: ["NAME", "TIER", "PHASE", "CLUSTER", "DOMAINS", "GENERATION", "AGE"],
  none: "No tenants.",
});

/** `get tenants` and `get tenant NAME...`: the same shapes, one resource printed as itself. */
export async function getTenantsCommand(io: CliIo, global: GlobalOptions, opts: { output?: string; all?: boolean }, names: readonly string[] = []): Promise<void> {
  await withReadRuntime(io, global, async (rt) => {
    let tenants: TenantRecord[];
    if (names.length > 0) {
      tenants = [];
      for (const n of names) {
        const t = await rt.store.tenants.get(n);
        if (!t) throw new NotFoundError(`tenant '${n}' not found (landlord get tenants lists them; --all includes offboarded ones)`);
        tenants.push(t);
      }
    } else {
      tenants = (await rt.store.tenants.list()).filter((t) => opts.all === true || t.phase !== "Offboarded");
    }
    printResources(io, tenantPrintable(new Date()), tenants, opts.output, names.length === 1);
  });
}

function retainedView(r: RetainedCloud): Record<string, unknown> {
  return {
    incarnation: r.incarnation ?? "(first)",
    resourceGroup: r.variables.resource_group_name,
    purgeAfter: r.purgeAfter.toISOString(),
    purge: r.purgedAt ? `purged ${r.purgedAt.toISOString()}` : r.lastError ? `not yet: ${r.lastError} (last tried ${r.attemptedAt?.toISOString() ?? "?"}; landlord serve tries again every hour)` : "scheduled (landlord serve's purge worker)",
  };
}

export async function describeTenantCommand(io: CliIo, global: GlobalOptions, name: string, opts: { output?: string }): Promise<void> {
  await withReadRuntime(io, global, async (rt) => {
    const t = await rt.store.tenants.require(name);
    const workflows = await rt.store.workflows.list({ tenantName: name });
    const recorded = t.placement ?? undefined;
    let effective: unknown = "(spec no longer validates against landlord.yaml)";
    try {
      const resolved = resolveSpec(rt.services, t.spec, recorded ? { placement: recorded } : {});
      effective = Object.fromEntries(explainTenant(resolved).map((v) => [v.path, { value: v.value, from: v.source }]));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
    }
    const advice = await wayForward(rt.store, t);
    const retained = await cloudRetentionRepo(rt.store.db).list(name);
    const doc = {
      name: t.name,
      phase: t.phase,
      generation: t.generation,
      domains: t.domains,
      placement: t.placement,
      created: t.createdAt.toISOString(),
      updated: t.updatedAt.toISOString(),
      ...(t.retainUntil ? { dataRetainedUntil: t.retainUntil.toISOString() } : {}),
      // Each earlier incarnation whose data an offboarding kept, and where its purge stands.
      ...(retained.length > 0 ? { retainedCloud: retained.map(retainedView) } : {}),
      state: advice.state,
      next: advice.commands,
      spec: t.spec,
      effective,
      workflows: workflows.map((w) => ({ id: w.id, kind: w.kind, status: w.status, created: w.createdAt.toISOString(), ...(w.error ? { error: w.error } : {}) })),
    };
    io.stdout(opts.output === "json" ? toJson(doc) : toYaml(doc));
  });
}
