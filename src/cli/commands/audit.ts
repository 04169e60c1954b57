/**
 * `landlord audit`: the isolation checks and the cross-tenant reachability over every
 * tenant's bundle; exit 1 when anything fails. Text, JSON, or Prometheus text format (so
 * the "isolation incidents" figure can be scraped).
 */
import { auditBundles, type AuditReport } from "../../audit/checks.js";
import { bundleFor } from "../../io/package/render-package.js";
import { toJson } from "../../render/serialize.js";
import type { CliIo } from "../io.js";
import { loadWorkspace, type GlobalOptions } from "../load-files.js";
import { table, withRuntime } from "./tenants.js";
import { auditLive, type Finding, type LiveTenant } from "../../audit/live.js";
import { KubernetesDelivery } from "../../delivery/kubernetes/kubernetes-delivery.js";
import { NotAllowedError } from "../../errors.js";
import { defaultGroups } from "../../render/kubernetes/rbac.js";
import { isPlacementRecord, resolveSpec } from "../../workflows/tenant/services.js";

function prometheusText(r: AuditReport): string {
  const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
  const lines = [
    "# HELP landlord_audit_check_passed 1 when the isolation check passes for the tenant.",
    "# TYPE landlord_audit_check_passed gauge",
    ...r.checks.map((c) => `landlord_audit_check_passed{tenant="${esc(c.tenant)}",check="${esc(c.id)}"} ${c.pass ? "1" : "0"}`),
    "# HELP landlord_isolation_cross_tenant_paths Network paths allowed from one tenant's pods to another's.",
    "# TYPE landlord_isolation_cross_tenant_paths gauge",
    `landlord_isolation_cross_tenant_paths ${String(r.paths.filter((p) => p.crossTenant && p.allowed).length)}`,
    "# HELP landlord_isolation_failures Failed checks plus cross-tenant paths.",
    "# TYPE landlord_isolation_failures gauge",
    `landlord_isolation_failures ${String(r.failures)}`,
  ];
  return `${lines.join("\n")}\n`;
}

async function liveAudit(io: CliIo, global: GlobalOptions, output: string | undefined): Promise<number> {
  return withRuntime(io, global, async (rt) => {
    const d = rt.services.delivery;
    if (!(d instanceof KubernetesDelivery)) throw new NotAllowedError(`audit --live asks the clusters: set delivery.mode: kubernetes (delivery.mode is ${d.kind})`);
    const byCluster = new Map<string, LiveTenant[]>();
    for (const record of await rt.store.tenants.list()) {
      if (record.phase === "Offboarded" || !isPlacementRecord(record.placement)) continue;
      const t = resolveSpec(rt.services, record.spec, { placement: record.placement });
      const list = byCluster.get(t.placement.cluster) ?? [];
      list.push({ name: t.tenant.metadata.name, namespace: t.names.namespace, adminGroups: defaultGroups(t).admins, domains: t.tenant.spec.domains });
      byCluster.set(t.placement.cluster, list);
    }
    const findings: Finding[] = [];
    for (const [cluster, tenants] of byCluster) {
      findings.push(...(await auditLive(d.applierFor(cluster).client.kc, tenants, (l) => { io.stderr(`${cluster} ${l}\n`); })));
    }
    const violations = findings.filter((f) => f.violation);
    if (output === "json") io.stdout(toJson({ findings, violations: violations.length }));
    else if (output === "prometheus") {
      io.stdout(`# HELP landlord_isolation_incidents Requests the API servers allowed across tenant boundaries (live audit).\n# TYPE landlord_isolation_incidents gauge\nlandlord_isolation_incidents ${String(violations.length)}\n`);
    } else {
      const tenants = [...new Set(findings.map((f) => f.actor))];
      const rows = tenants.map((t) => {
        const mine = findings.filter((f) => f.actor === t);
        return { TENANT: t, "ACCESS REVIEWS": String(mine.filter((f) => f.what.startsWith("access review")).length), ATTEMPTS: String(mine.filter((f) => f.what.startsWith("attempt")).length), ALLOWED: String(mine.filter((f) => f.violation).length) };
      });
      io.stdout(rows.length === 0 ? "No tenants.\n" : table(rows, ["TENANT", "ACCESS REVIEWS", "ATTEMPTS", "ALLOWED"]));
      for (const v of violations) io.stdout(`VIOLATION: ${v.actor} -> ${v.target}: ${v.what}\n`);
      io.stdout(`live audit: ${String(findings.length)} checks, ${String(violations.length)} allowed that must be refused\n`);
    }
    return violations.length === 0 ? 0 : 1;
  });
}

export async function auditCommand(io: CliIo, global: GlobalOptions, opts: { file?: string[]; output?: string; live?: boolean }): Promise<number> {
  if (opts.live === true) return liveAudit(io, global, opts.output);
  const ws = await loadWorkspace(io, global, opts.file);
  const bundles = await Promise.all(ws.tenants.map((t) => bundleFor(ws.platform, t)));
  const report = auditBundles(bundles, ws.platform.config);
  const cross = report.paths.filter((p) => p.crossTenant);
  const open = cross.filter((p) => p.allowed);
  if (opts.output === "json") io.stdout(toJson(report));
  else if (opts.output === "prometheus") io.stdout(prometheusText(report));
  else {
    const rows = report.checks.map((c) => ({ TENANT: c.tenant, CHECK: c.id, RESULT: c.pass ? "pass" : "FAIL", DETAIL: c.detail, ...(c.pass ? {} : { FIX: c.fix }) }));
    io.stdout(table(rows, ["TENANT", "CHECK", "RESULT", "DETAIL", "FIX"]));
    io.stdout(`\nnetwork reachability: ${String(cross.length)} cross-tenant (source, destination, port) combinations checked, ${String(open.length)} open\n`);
    if (open.length > 0) io.stdout(table(open.map((p) => ({ FROM: p.from, TO: p.to, PORT: String(p.port), RESULT: "FAIL" })), ["FROM", "TO", "PORT", "RESULT"]));
    const inside = report.paths.filter((p) => !p.crossTenant && p.allowed).length;
    io.stdout(`within tenants: ${String(inside)} paths open (app, database and jobs of one tenant)\n`);
    io.stdout(report.failures === 0 ? `audit passed: ${String(bundles.length)} tenant(s), ${String(report.checks.length)} checks\n` : `audit FAILED: ${String(report.failures)} failure(s)\n`);
  }
  return report.failures === 0 ? 0 : 1;
}
