/** Tenant lifecycle commands: onboard, update, offboard, get, describe. */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ConflictError, InputError, NotAllowedError } from "../../errors.js";
import { toJson, toYaml } from "../../render/serialize.js";
import { decodeYaml } from "../../spec/documents.js";
import { explainTenant } from "./explain.js";
import type { TenantRecord } from "../../store/index.js";
import type { RunResult } from "../../workflows/engine/index.js";
import { runTenantWorkflow } from "../../workflows/tenant/run.js";
import { isPlacementRecord, resolveSpec } from "../../workflows/tenant/services.js";
import { submitOffboard, submitOnboard, submitUpdate } from "../../workflows/tenant/submit.js";
import type { CliIo } from "../io.js";
import { progressPrinter } from "../progress.js";
import { openRuntime, type Runtime } from "../tenant-services.js";
import type { GlobalOptions } from "../workspace.js";

export interface OnboardOptions {
  tier?: string;
  domain?: string[];
  contact?: string;
  displayName?: string;
  file?: string;
}

export function actor(io: CliIo): string {
  return io.env.LANDLORD_ACTOR ?? io.env.USER ?? "cli";
}

async function ask(io: CliIo, value: string | undefined, question: string, flag: string): Promise<string> {
  if (value !== undefined && value !== "") return value;
  if (io.prompt) {
    const answer = await io.prompt(question);
    if (answer !== "") return answer;
  }
  throw new InputError([{ path: flag, message: "missing", fix: `pass ${flag}` }]);
}

export async function specFromFile(io: CliIo, file: string): Promise<Record<string, unknown>> {
  const path = resolve(io.cwd, file);
  const bytes = await readFile(path).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new InputError([{ file, path: "", message: "no such file", fix: "check the path given with -f" }]);
    throw err;
  });
  const decoded = decodeYaml(file, new Uint8Array(bytes));
  if (!decoded.ok) throw new InputError(decoded.problems);
  const [doc] = decoded.documents;
  if (decoded.documents.length !== 1 || typeof doc?.value !== "object" || doc.value === null) {
    throw new InputError([{ file, path: "", message: "expected exactly one Tenant document", fix: "put one tenant in the file" }]);
  }
  return doc.value as Record<string, unknown>;
}

export async function withRuntime<T>(io: CliIo, global: GlobalOptions, fn: (rt: Runtime) => Promise<T>, steps?: () => number): Promise<T> {
  const rt = await openRuntime(io, global, steps ? progressPrinter(io, steps) : undefined);
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

export function finishedOrThrow(result: RunResult, what: string): void {
  if (result.outcome === "busy") throw new ConflictError(`${what} is being run by another Landlord process`);
  if (result.outcome !== "finished") throw new ConflictError(`${what} stopped (${result.outcome}); resume it with \`landlord workflows resume\``);
  if (result.workflow.status !== "Succeeded") {
    throw new ConflictError(`${what} ${result.workflow.status.toLowerCase()}: ${result.workflow.error ?? "see landlord workflows describe"}\n  details: landlord workflows describe ${result.workflow.id}; after fixing the cause, run the same command again`);
  }
}

export async function onboardCommand(io: CliIo, global: GlobalOptions, name: string | undefined, opts: OnboardOptions): Promise<void> {
  const spec = opts.file
    ? await specFromFile(io, opts.file)
    : {
        apiVersion: "landlord.dev/v1alpha1",
        kind: "Tenant",
        metadata: { name: await ask(io, name, "Tenant name: ", "NAME") },
        spec: {
          displayName: opts.displayName ?? name ?? "",
          tier: await ask(io, opts.tier, "Tier (small, medium, large): ", "--tier"),
          domains: opts.domain && opts.domain.length > 0 ? opts.domain : [await ask(io, undefined, "Domain: ", "--domain")],
          contacts: { email: await ask(io, opts.contact, "Contact email: ", "--contact") },
        },
      };
  const meta = spec.metadata as { name?: string };
  const specBody = spec.spec as { displayName?: string };
  if (specBody.displayName === "") specBody.displayName = meta.name ?? "";
  let steps = 9;
  const started = Date.now();
  await withRuntime(
    io,
    global,
    async (rt) => {
      const wf = await submitOnboard(rt.services, rt.engine, spec, actor(io), new Date());
      steps = (await rt.store.workflows.steps(wf.id)).length;
      io.stderr(`onboarding ${wf.tenantName} (workflow ${wf.id})\n`);
      const result = await runTenantWorkflow(rt.services, rt.engine, wf.id);
      finishedOrThrow(result, `onboarding of ${wf.tenantName}`);
      await printSummary(io, rt, wf.tenantName, wf.id, Date.now() - started);
    },
    () => steps,
  );
}

async function printSummary(io: CliIo, rt: Runtime, name: string, workflowId: string, elapsedMs: number): Promise<void> {
  const tenant = await rt.store.tenants.require(name);
  const steps = await rt.store.workflows.steps(workflowId);
  const out = (step: string) => steps.find((s) => s.name === step)?.output as Record<string, unknown> | undefined;
  const credentials = out("credentials") as { apiToken?: { file?: string }; kubeconfig?: { file?: string; expiresAt?: string; skipped?: string } } | undefined;
  const apply = out("apply") as { target?: string; delivery?: string } | undefined;
  const cloud = out("cloud-resources") as { skipped?: string } | undefined;
  const lines = [
    ``,
    `tenant ${name} is ${tenant.phase} (${(elapsedMs / 1000).toFixed(2)} s)`,
    `  urls:        ${tenant.domains.map((d) => `https://${d}`).join(", ")}`,
    `  delivery:    ${apply?.delivery ?? "?"} -> ${apply?.target ?? "?"}`,
    `  cloud:       ${cloud?.skipped ?? "applied"}`,
    `  api token:   ${credentials?.apiToken?.file ?? "-"} (shown nowhere else; the store keeps only its hash)`,
    `  kubeconfig:  ${credentials?.kubeconfig?.file !== undefined ? `${credentials.kubeconfig.file} (expires ${credentials.kubeconfig.expiresAt ?? "?"})` : (credentials?.kubeconfig?.skipped ?? "-")}`,
    `  store:       ${rt.storeLabel}`,
  ];
  if (!rt.services.delivery.usesCluster) lines.push(`  note:        no cluster was used; the rendered objects are in ${apply?.target ?? "the delivery target"}`);
  io.stdout(`${lines.join("\n")}\n`);
}

export async function updateCommand(io: CliIo, global: GlobalOptions, opts: { file: string }): Promise<void> {
  const spec = await specFromFile(io, opts.file);
  let steps = 6;
  await withRuntime(
    io,
    global,
    async (rt) => {
      const wf = await submitUpdate(rt.services, rt.engine, spec, actor(io), new Date());
      if (!wf) {
        io.stdout("no change: the tenant already has this spec\n");
        return;
      }
      steps = (await rt.store.workflows.steps(wf.id)).length;
      io.stderr(`updating ${wf.tenantName} (workflow ${wf.id})\n`);
      finishedOrThrow(await runTenantWorkflow(rt.services, rt.engine, wf.id), `update of ${wf.tenantName}`);
      io.stdout(`tenant ${wf.tenantName} updated\n`);
    },
    () => steps,
  );
}

export async function offboardCommand(io: CliIo, global: GlobalOptions, name: string, opts: { force: boolean; yes: boolean }): Promise<void> {
  if (opts.force && !opts.yes) {
    if (!io.prompt) throw new NotAllowedError("--force destroys the tenant's data without a retention window; add --yes to confirm when not at a terminal");
    const answer = await io.prompt(`--force destroys ${name}'s data now, with no retention window. Type the tenant name to confirm: `);
    if (answer !== name) throw new NotAllowedError("confirmation did not match; nothing was done");
  }
  let steps = 6;
  await withRuntime(
    io,
    global,
    async (rt) => {
      const wf = await submitOffboard(rt.services, rt.engine, name, { actor: actor(io), force: opts.force, now: new Date() });
      steps = (await rt.store.workflows.steps(wf.id)).length;
      io.stderr(`offboarding ${name} (workflow ${wf.id})\n`);
      finishedOrThrow(await runTenantWorkflow(rt.services, rt.engine, wf.id), `offboarding of ${name}`);
      const tenant = await rt.store.tenants.require(name);
      io.stdout(`tenant ${name} offboarded; name and domains released; data retained until ${tenant.retainUntil?.toISOString() ?? "now"}\n`);
    },
    () => steps,
  );
}

function row(t: TenantRecord): Record<string, string> {
  const p = isPlacementRecord(t.placement) ? t.placement : undefined;
  const tier = (t.spec as { spec?: { tier?: string } }).spec?.tier ?? "?";
  return { NAME: t.name, TIER: tier, PHASE: t.phase, CLUSTER: p?.cluster ?? "-", DOMAINS: t.domains.join(","), GENERATION: String(t.generation), AGE: t.createdAt.toISOString() };
}

export function table(rows: Record<string, string>[], columns: string[]): string {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]) => `${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("   ").trimEnd()}\n`;
  return line(columns) + rows.map((r) => line(columns.map((c) => r[c] ?? ""))).join("");
}

export async function getTenantsCommand(io: CliIo, global: GlobalOptions, opts: { output?: string; all?: boolean }): Promise<void> {
  await withRuntime(io, global, async (rt) => {
    const tenants = (await rt.store.tenants.list()).filter((t) => opts.all === true || t.phase !== "Offboarded");
    if (opts.output === "json") io.stdout(toJson({ apiVersion: "v1", kind: "List", items: tenants.map((t) => t.spec) }));
    else if (opts.output === "yaml") io.stdout(tenants.map((t) => toYaml(t.spec)).join("---\n"));
    else {
      const cols = opts.output === "wide" ? ["NAME", "TIER", "PHASE", "CLUSTER", "DOMAINS", "GENERATION", "AGE"] : ["NAME", "TIER", "PHASE", "DOMAINS"];
      io.stdout(tenants.length === 0 ? "No tenants.\n" : table(tenants.map(row), cols));
    }
  });
}

export async function describeTenantCommand(io: CliIo, global: GlobalOptions, name: string, opts: { output?: string }): Promise<void> {
  await withRuntime(io, global, async (rt) => {
    const t = await rt.store.tenants.require(name);
    const workflows = await rt.store.workflows.list({ tenantName: name });
    const recorded = isPlacementRecord(t.placement) ? t.placement : undefined;
    let effective: unknown = "(spec no longer validates against landlord.yaml)";
    try {
      const resolved = resolveSpec(rt.services, t.spec, recorded ? { placement: recorded } : {});
      effective = Object.fromEntries(explainTenant(resolved).map((v) => [v.path, { value: v.value, from: v.source }]));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
    }
    const doc = {
      name: t.name,
      phase: t.phase,
      generation: t.generation,
      domains: t.domains,
      placement: t.placement,
      created: t.createdAt.toISOString(),
      updated: t.updatedAt.toISOString(),
      ...(t.retainUntil ? { dataRetainedUntil: t.retainUntil.toISOString() } : {}),
      spec: t.spec,
      effective,
      workflows: workflows.map((w) => ({ id: w.id, kind: w.kind, status: w.status, created: w.createdAt.toISOString(), ...(w.error ? { error: w.error } : {}) })),
    };
    io.stdout(opts.output === "json" ? toJson(doc) : toYaml(doc));
  });
}
