/**
 * Commands that talk to the clusters (delivery.mode kubernetes): apply, status, reconcile,
 * bootstrap.
 */
import { NotAllowedError } from "../../errors.js";
import type { ClusterAccess } from "../../delivery/cluster-access.js";
import { kubernetesOf } from "../../app/cluster-delivery.js";
import { objectStatuses, type ObjectStatus } from "../../app/tenant-status.js";
import type { ObjectOutcome } from "../../delivery/kubernetes/applier.js";
import type { Bundle } from "../../render/bundle.js";
import { bundleFor } from "../../io/package/render-package.js";
import { toJson, toYaml, toYamlStream } from "../../render/serialize.js";
import { clusterBootstrap } from "../../render/platform/bootstrap.js";
import { clusterIssuerProblems } from "../../audit/cluster-issuer.js";
import { KubeApiError } from "../../delivery/kubernetes/errors.js";
import type { TenantRecord } from "../../store/index.js";
import { runTenantWorkflow } from "../../workflows/tenant/run-tenant-workflow.js";
import { resolveSpec, storedTenant } from "../../workflows/tenant/services.js";
import { submitOnboard, submitUpdate } from "../../workflows/tenant/submit.js";
import { interruptibly, type CliIo } from "../io.js";
import type { Runtime } from "../../app/runtime.js";
import { loadWorkspace, type GlobalOptions } from "../../app/load-files.js";
import { actor, finishedOrThrow, table, withRuntime } from "./tenants.js";

/** The bundle of a stored tenant, at its recorded placement. */
async function storedBundle(rt: Runtime, record: TenantRecord): Promise<Bundle> {
  return (await storedTenant(rt.services, record)).bundle;
}

function outcomeLine(tenant: string, o: ObjectOutcome, suffix = ""): string {
  const drift = o.drift ? ` (${o.drift.path} was changed by hand)` : "";
  const note = o.note !== undefined ? ` (${o.note})` : "";
  return `${tenant}: ${o.object} ${o.action}${drift}${suffix}${note}\n`;
}

export async function applyCommand(io: CliIo, global: GlobalOptions, opts: { file?: string[]; dryRun?: string }): Promise<void> {
  const dryRun = opts.dryRun ?? "none";
  if (!["none", "server"].includes(dryRun)) throw new NotAllowedError(`--dry-run=${dryRun} is not supported; use --dry-run=server (or leave it out)`);
  // Every file is validated, fleet-wide, before anything is applied.
  const ws = await loadWorkspace(io, global, opts.file);
  let steps = 9;
  await withRuntime(
    io,
    global,
    async (rt) => {
      const k = kubernetesOf(rt);
      // Every tenant's cluster must be reachable through the kubeconfig before anything is submitted.
      for (const t of ws.tenants) k.applierFor(t.placement.cluster);
      for (const t of ws.tenants) {
        const name = t.tenant.metadata.name;
        const record = await rt.store.tenants.get(name);
        const live = record !== undefined && record.phase !== "Offboarded";
        if (dryRun === "server") {
          // A delivered tenant's new spec renders as its update would (its domains, incarnation, cloud outputs).
          const bundle = live ? (await storedTenant(rt.services, record, t.tenant)).bundle : await bundleFor(rt.services.platform, resolveSpec(rt.services, t.tenant));
          const report = await k.applyBundle(bundle, { dryRun: true });
          for (const o of report.outcomes) io.stdout(outcomeLine(name, o, " (server dry run)"));
          continue;
        }
        const spec = t.tenant as unknown as Record<string, unknown>;
        const wf = live ? await submitUpdate(rt.services, rt.engine, spec, actor(io), new Date()) : await submitOnboard(rt.services, rt.engine, spec, actor(io), new Date());
        if (wf) {
          steps = (await rt.store.workflows.steps(wf.id)).length;
          io.stderr(`${wf.kind === "onboard" ? "onboarding" : "updating"} ${name} (workflow ${wf.id})\n`);
          // Ctrl-C stops at a step boundary and names the workflow to resume.
          const result = await interruptibly(io, (signal) => runTenantWorkflow(rt.services, rt.engine, wf.id, undefined, signal ? { signal } : {}));
          finishedOrThrow(result, `${wf.kind} of ${name}`, wf.id);
          io.stdout(`${name}: ${wf.kind === "onboard" ? "onboarded" : "updated"}\n`);
          continue;
        }
        const report = await k.applyBundle(await storedBundle(rt, await rt.store.tenants.require(name)));
        const changed = report.outcomes.filter((o) => o.action !== "unchanged");
        for (const o of changed) io.stdout(outcomeLine(name, o));
        io.stdout(`${name}: unchanged spec; ${String(changed.length)} object(s) repaired, ${String(report.writes)} writes\n`);
      }
    },
    () => steps,
  );
}

export async function reconcileCommand(io: CliIo, global: GlobalOptions, opts: { tenant?: string; dryRun?: string }): Promise<void> {
  const dryRun = opts.dryRun === "server";
  await withRuntime(io, global, async (rt) => {
    const k = kubernetesOf(rt);
    const tenants = (await rt.store.tenants.list({ phases: ["Ready"] })).filter((t) => opts.tenant === undefined || t.name === opts.tenant);
    let writes = 0;
    let repaired = 0;
    const started = Date.now();
    for (const [i, record] of tenants.entries()) {
      const report = await k.applyBundle(await storedBundle(rt, record), dryRun ? { dryRun: true } : {});
      writes += report.writes;
      for (const o of report.outcomes) {
        if (o.action === "unchanged") continue;
        repaired++;
        io.stdout(outcomeLine(record.name, o, dryRun ? " (server dry run)" : ""));
      }
      io.stderr(`[${String(i + 1)}/${String(tenants.length)}] ${record.name}: ${String(report.writes)} writes\n`);
    }
    io.stdout(`reconciled ${String(tenants.length)} tenant(s) in ${((Date.now() - started) / 1000).toFixed(1)} s: ${String(repaired)} object(s) changed, ${String(writes)} writes\n`);
  });
}

export async function statusCommand(io: CliIo, global: GlobalOptions, name: string | undefined, opts: { output?: string }): Promise<void> {
  await withRuntime(io, global, async (rt) => {
    const k = kubernetesOf(rt);
    const records = (await rt.store.tenants.list()).filter((t) => t.phase !== "Offboarded" && (name === undefined || t.name === name));
    if (name !== undefined && records.length === 0) await rt.store.tenants.require(name);
    const docs: { tenant: string; phase: string; cluster: string; objects: ObjectStatus[] }[] = [];
    for (const record of records) {
      const bundle = await storedBundle(rt, record);
      const objects = await objectStatuses(k, bundle);
      docs.push({ tenant: record.name, phase: record.phase, cluster: bundle.placement.cluster, objects });
    }
    if (opts.output === "json") io.stdout(toJson({ apiVersion: "v1", kind: "List", items: docs }));
    else if (opts.output === "yaml") io.stdout(toYaml(docs));
    else {
      const rows = docs.flatMap((d) =>
        d.objects.map((o) => ({
          TENANT: d.tenant,
          OBJECT: o.object,
          APPLIED: o.applied ? "yes" : "no",
          READY: o.ready === undefined ? "-" : o.ready ? "yes" : "no",
          DRIFT: o.drift ?? "-",
          REASON: o.reason ?? "",
        })),
      );
      io.stdout(rows.length === 0 ? "No tenants.\n" : table(rows, ["TENANT", "OBJECT", "APPLIED", "READY", "DRIFT", "REASON"]));
    }
  });
}

/**
 * The cluster bootstrap (admission guardrails) for every cluster of the registry and every
 * dedicated cluster of a stored tenant; printed with -o yaml (for GitOps), else applied.
 */
/** What stops the operator's ClusterIssuer from issuing in tenant namespaces; read only. */
async function issuerWarnings(k: ClusterAccess, cluster: string, name: string): Promise<string[]> {
  try {
    const issuer = await k.applierFor(cluster).client.send<unknown>({ method: "GET", path: `/apis/cert-manager.io/v1/clusterissuers/${name}` });
    return clusterIssuerProblems(issuer, name);
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return [`ClusterIssuer ${name} (integrations.certManager.clusterIssuer) does not exist: tenant certificates cannot issue until it does (fix: create it with an ACME solver whose http01.ingress.serviceType is ClusterIP)`];
    throw err;
  }
}

export async function bootstrapCommand(io: CliIo, global: GlobalOptions, opts: { cluster?: string; dryRun?: string; output?: string }): Promise<void> {
  await withRuntime(io, global, async (rt) => {
    const config = rt.services.platform.config;
    const objects = clusterBootstrap(config);
    if (opts.output === "yaml") {
      io.stdout(toYamlStream(objects));
      return;
    }
    const k = kubernetesOf(rt);
    const dedicated = (await rt.store.tenants.list())
      .flatMap((t) => (t.phase !== "Offboarded" && t.placement?.dedicatedCluster === true ? [t.placement.cluster] : []));
    const clusters = [...new Set([...config.clusters.map((c) => c.name), ...dedicated])].filter((c) => opts.cluster === undefined || c === opts.cluster);
    if (clusters.length === 0) throw new NotAllowedError(`no cluster named ${opts.cluster ?? ""} in landlord.yaml or among the dedicated clusters of stored tenants`);
    const dryRun = opts.dryRun === "server";
    for (const cluster of clusters) {
      const report = await k.bootstrap(cluster, objects, dryRun);
      for (const o of report.outcomes) if (o.action !== "unchanged") io.stdout(outcomeLine(cluster, o, dryRun ? " (server dry run)" : ""));
      io.stdout(`${cluster}: bootstrap ${dryRun ? "checked" : "applied"} (${String(report.outcomes.length)} objects, ${String(report.writes)} writes)\n`);
      for (const warning of await issuerWarnings(k, cluster, config.integrations.certManager.clusterIssuer)) io.stderr(`warning: ${cluster}: ${warning}\n`);
    }
  });
}
