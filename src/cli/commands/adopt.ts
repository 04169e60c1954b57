/**
 * `landlord adopt NAMESPACE`: takes a hand-made deployment over as a tenant. With
 * --dry-run it prints what it found, the tenant spec it proposes and the plan, and changes
 * nothing; without, it runs the adopt workflow with progress (docs/adr/0037).
 */
import { writeFile } from "node:fs/promises";
import { proposalView, proposeAdoption, startAdoption, type AdoptionProposal, type AdoptRequest } from "../../app/adopt.js";
import type { GlobalOptions } from "../../app/load-files.js";
import { InputError } from "../../errors.js";
import { toJson, toYaml } from "../../render/serialize.js";
import type { CliIo } from "../io.js";
import { table } from "../output.js";
import { actor, runAndReport, withReadRuntime, withRuntime } from "./tenants.js";

export interface AdoptOptions {
  readonly name?: string;
  readonly tier?: string;
  readonly email?: string;
  readonly domain?: string[];
  readonly cluster?: string;
  readonly databaseSecret?: string;
  readonly terraformState?: string;
  readonly dryRun?: boolean;
  readonly output?: "table" | "yaml" | "json";
  /** Write the proposed tenant spec to this file (with --dry-run). */
  readonly write?: string;
}

function request(namespace: string, o: AdoptOptions): AdoptRequest {
  return { namespace, name: o.name, tier: o.tier, email: o.email, domains: o.domain, cluster: o.cluster, databaseSecret: o.databaseSecret, terraformState: o.terraformState };
}

/** The proposed spec as a tenant file; an existing file is never overwritten. */
async function writeSpec(file: string, spec: Record<string, unknown>): Promise<void> {
  try {
    await writeFile(file, toYaml(spec), { flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    throw new InputError([{ path: "--write", message: `${file} exists`, fix: "name a new file, or remove it first (it is never overwritten)" }], { cause: err });
  }
}

function printPlan(io: CliIo, p: AdoptionProposal): void {
  const db = p.found.database;
  io.stdout(`found in ${p.found.cluster}/${p.found.namespace}: ${String(p.found.workloads.length)} workloads, ${String(p.found.ingresses.length)} ingresses, database ${db ? `${db.name} (${db.kind === "cloudnative-pg" ? "CloudNativePG" : "PostgreSQL workload"}, ${db.host}:${String(db.port)}/${db.database} as ${db.user})` : "none"}, ${String(p.found.cloud.length)} cloud resources\n\n`);
  io.stdout(table(p.plan.map((i) => ({ WHAT: i.what, ACTION: i.action, HOW: i.how })), ["WHAT", "ACTION", "HOW"]));
  io.stdout(`\nproposed tenant spec:\n${toYaml(p.spec)}`);
}

export async function adoptCommand(io: CliIo, global: GlobalOptions, namespace: string, opts: AdoptOptions): Promise<void> {
  const req = request(namespace, opts);
  if (opts.dryRun === true) {
    await withReadRuntime(io, global, async (rt) => {
      const p = await proposeAdoption(rt, req);
      if (opts.write !== undefined && p.problems.length === 0) await writeSpec(opts.write, p.spec);
      if (opts.output === "json" || opts.output === "yaml") {
        const view = proposalView(p);
        io.stdout(opts.output === "json" ? toJson(view) : toYaml(view));
      } else {
        printPlan(io, p);
      }
      if (p.problems.length > 0) throw new InputError(p.problems);
      io.stderr(`dry run: nothing was changed; run the same command without --dry-run to adopt\n`);
    });
    return;
  }
  let steps = 0;
  await withRuntime(
    io,
    global,
    async (rt) => {
      const started = await startAdoption(rt, req, actor(io), new Date());
      if (started.kind === "already-adopted") {
        io.stdout(`${namespace} was adopted as tenant ${started.workflow.tenantName} by workflow ${started.workflow.id}; nothing to do\n`);
        return;
      }
      printPlan(io, started.proposal);
      steps = (await rt.store.workflows.steps(started.workflow.id)).length;
      io.stderr(`adopting ${namespace} as ${started.workflow.tenantName} (workflow ${started.workflow.id})\n`);
      await runAndReport(io, rt, started.workflow, `adoption of ${namespace}`);
      const t = await rt.store.tenants.require(started.workflow.tenantName);
      io.stdout(`tenant ${t.name} is ${t.phase}; ${namespace} no longer serves its hostnames and is left running for the way back (landlord workflows describe ${started.workflow.id})\n`);
    },
    () => steps,
  );
}
