/**
 * `landlord audit`: the isolation checks and the cross-tenant reachability over every
 * tenant's bundle; exit 1 when anything fails. Text, JSON, or Prometheus text format (so
 * the "isolation incidents" figure can be scraped).
 */
import { auditBundles, type AuditReport } from "../../audit/checks.js";
import { bundleFor } from "../../io/package/render-package.js";
import { toJson } from "../../render/serialize.js";
import type { CliIo } from "../io.js";
import { loadWorkspace, type GlobalOptions } from "../../app/load-files.js";
import { table, withRuntime } from "./tenants.js";
import { attemptOptions, auditLive, type Finding, type LiveTenant } from "../../audit/live.js";
import { InputError, NotAllowedError } from "../../errors.js";
import { defaultGroups } from "../../render/kubernetes/rbac.js";
import { isPlacementRecord, storedTenant } from "../../workflows/tenant/services.js";
import { auditPackets, type OutsideTarget, type PacketAudit } from "../../audit/packets.js";
import type { Bundle } from "../../render/bundle.js";

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

/** `--outside HOST:PORT`: a listener outside the clusters that no tenant may reach. */
function outsideTargets(values: readonly string[]): OutsideTarget[] {
  return values.map((v, i) => {
    const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(v);
    if (m?.[1] === undefined || m[2] === undefined) throw new InputError([{ file: "(command line)", path: "--outside", message: `'${v}' is not IPV4:PORT`, fix: "write e.g. --outside 203.0.113.10:443 (a listener of yours outside the clusters)" }]);
    return { name: `outside-${String(i + 1)}`, ip: m[1], ports: [Number(m[2])] };
  });
}

function packetLines(cluster: string, p: PacketAudit): string {
  if (p.skipped !== undefined) return `${cluster}: packets not sent: ${p.skipped}\n`;
  const promised = new Map(p.promised.map((x) => [`${x.from} ${x.to} ${String(x.port)}`, x.allowed]));
  const rows = p.observed.map((o) => ({
    FROM: o.from,
    TO: o.to,
    PORT: String(o.port),
    POLICY: promised.get(`${o.from} ${o.to} ${String(o.port)}`) === true ? "allow" : "deny",
    PACKETS: o.allowed ? "through" : "dropped",
  }));
  const lines = [`${cluster}: ${String(p.observed.length)} paths tried with real packets, ${String(p.disagreements.length)} disagree with the NetworkPolicies`, table(rows, ["FROM", "TO", "PORT", "POLICY", "PACKETS"]).trimEnd()];
  for (const d of p.disagreements) lines.push(`DISAGREE: ${d.from} -> ${d.to} port ${String(d.port)}: the policies ${d.promised ? "allow" : "deny"} it, packets were ${d.observed ? "let through" : "dropped"}`);
  return `${lines.join("\n")}\n`;
}

async function liveAudit(io: CliIo, global: GlobalOptions, output: string | undefined, outside: readonly string[]): Promise<number> {
  const targets = outsideTargets(outside);
  return withRuntime(io, global, async (rt) => {
    const d = rt.services.delivery;
    if (!d.cluster) throw new NotAllowedError(`audit --live asks the clusters: set delivery.mode: kubernetes (delivery.mode is ${d.kind})`);
    const byCluster = new Map<string, { tenants: LiveTenant[]; bundles: Bundle[] }>();
    for (const record of await rt.store.tenants.list()) {
      if (record.phase === "Offboarded" || !isPlacementRecord(record.placement)) continue;
      const { tenant: t, bundle } = await storedTenant(rt.services, record);
      const entry = byCluster.get(t.placement.cluster) ?? { tenants: [], bundles: [] };
      entry.tenants.push({ name: t.tenant.metadata.name, namespace: t.names.namespace, adminGroups: defaultGroups(t).admins, domains: t.tenant.spec.domains });
      entry.bundles.push(bundle);
      byCluster.set(t.placement.cluster, entry);
    }
    const findings: Finding[] = [];
    const packets = new Map<string, PacketAudit>();
    for (const [cluster, { tenants, bundles }] of byCluster) {
      const kc = d.cluster.applierFor(cluster).client.kc;
      const progress = (l: string): void => {
        io.stderr(`${cluster} ${l}\n`);
      };
      findings.push(...(await auditLive(kc, tenants, attemptOptions(rt.services.platform.config), progress)));
      packets.set(cluster, await auditPackets(kc, bundles, rt.services.platform.config, { outside: targets, onProgress: progress }));
    }
    const violations = findings.filter((f) => f.violation);
    const disagreeing = [...packets.values()].reduce((n, p) => n + p.disagreements.length, 0);
    if (output === "json") io.stdout(toJson({ findings, violations: violations.length, packets: Object.fromEntries(packets), disagreements: disagreeing }));
    else if (output === "prometheus") {
      io.stdout(`# HELP landlord_isolation_incidents Requests the API servers allowed across tenant boundaries (live audit).\n# TYPE landlord_isolation_incidents gauge\nlandlord_isolation_incidents ${String(violations.length)}\n`);
      io.stdout(`# HELP landlord_isolation_packet_disagreements Paths where real packets and the NetworkPolicies disagree (live audit).\n# TYPE landlord_isolation_packet_disagreements gauge\nlandlord_isolation_packet_disagreements ${String(disagreeing)}\n`);
    } else {
      const tenants = [...new Set(findings.map((f) => f.actor))];
      const rows = tenants.map((t) => {
        const mine = findings.filter((f) => f.actor === t);
        return { TENANT: t, "ACCESS REVIEWS": String(mine.filter((f) => f.what.startsWith("access review")).length), ATTEMPTS: String(mine.filter((f) => f.what.startsWith("attempt")).length), ALLOWED: String(mine.filter((f) => f.violation).length) };
      });
      io.stdout(rows.length === 0 ? "No tenants.\n" : table(rows, ["TENANT", "ACCESS REVIEWS", "ATTEMPTS", "ALLOWED"]));
      for (const v of violations) io.stdout(`VIOLATION: ${v.actor} -> ${v.target}: ${v.what}\n`);
      io.stdout(`live audit: ${String(findings.length)} checks, ${String(violations.length)} allowed that must be refused\n`);
      for (const [cluster, p] of packets) io.stdout(packetLines(cluster, p));
    }
    return violations.length === 0 && disagreeing === 0 ? 0 : 1;
  });
}

export async function auditCommand(io: CliIo, global: GlobalOptions, opts: { file?: string[]; output?: string; live?: boolean; outside?: string[] }): Promise<number> {
  if (opts.outside !== undefined && opts.outside.length > 0 && opts.live !== true) throw new InputError([{ file: "(command line)", path: "--outside", message: "--outside is for the live audit", fix: "add --live: landlord audit --live --outside IP:PORT" }]);
  if (opts.live === true) return liveAudit(io, global, opts.output, opts.outside ?? []);
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
