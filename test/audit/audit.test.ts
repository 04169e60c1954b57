/** `landlord audit` on rendered bundles: a clean fleet passes, each deliberate break is found. */
import { describe, expect, it } from "vitest";
import { auditBundles } from "../../src/audit/checks.js";
import { matches } from "../../src/audit/reachability.js";
import { renderBundle, type Bundle } from "../../src/render/bundle.js";
import type { KubeObject } from "../../src/render/object.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";

const ctx = platform();
const tiers = ["small", "medium", "large"];
const tenants = fleet(ctx, Array.from({ length: 10 }, (_, i) => tenantFile(`t${String(i)}`, { tier: tiers[i % 3] ?? "small" })));
const clean = (): Bundle[] => tenants.map((t) => renderBundle(ctx.config, t));

function withObjects(b: Bundle, edit: (objects: KubeObject[]) => KubeObject[]): Bundle {
  return { ...b, objects: edit([...b.objects]) };
}

describe("landlord audit", () => {
  it("passes a clean fleet of ten tenants with no path between them", () => {
    const r = auditBundles(clean(), ctx.config);
    expect(r.failures).toBe(0);
    expect(r.checks).toHaveLength(10 * 19);
    const cross = r.paths.filter((p) => p.crossTenant);
    expect(cross.length).toBeGreaterThan(300);
    expect(cross.filter((p) => p.allowed)).toEqual([]);
    // The model is not vacuous: inside a tenant the app reaches its database.
    expect(r.paths).toContainEqual({ from: "t0/app", to: "t0/database", port: 5432, allowed: true, crossTenant: false });
  });

  it("finds a policy that lets every namespace in", () => {
    const bundles = clean();
    bundles[3] = withObjects(bundles[3] as Bundle, (objects) => [
      ...objects,
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "oops", namespace: "tenant-t3", labels: {} }, spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: {} }] }] } },
    ]);
    const r = auditBundles(bundles, ctx.config);
    const open = r.paths.filter((p) => p.crossTenant && p.allowed);
    // An open door alone is no path: every other tenant's default deny still blocks its egress.
    expect(open).toEqual([]);
    // With an egress hole on the other side as well, the path opens and is reported.
    bundles[5] = withObjects(bundles[5] as Bundle, (objects) => [
      ...objects,
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "out", namespace: "tenant-t5", labels: {} }, spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{}] } },
    ]);
    const r2 = auditBundles(bundles, ctx.config);
    const open2 = r2.paths.filter((p) => p.crossTenant && p.allowed);
    expect(open2).toContainEqual({ from: "t5/job", to: "t3/database", port: 5432, allowed: true, crossTenant: true });
    expect(open2.every((p) => p.from.startsWith("t5/") && p.to.startsWith("t3/"))).toBe(true);
    // The open door lets the monitoring namespace past the metrics ports too, which LL-NET-2 reports.
    expect(r2.checks.filter((c) => !c.pass).map((c) => `${c.tenant} ${c.id}`)).toEqual(["t3 LL-NET-2"]);
    expect(r2.failures).toBe(open2.length + 1);
  });

  it("fails a missing default deny, a system group binding and a role that edits its quota", () => {
    const bundles = clean();
    bundles[0] = withObjects(bundles[0] as Bundle, (objects) => objects.filter((o) => o.metadata.name !== "default-deny"));
    bundles[1] = withObjects(bundles[1] as Bundle, (objects) =>
      objects.map((o) => (o.kind === "RoleBinding" && o.metadata.name === "tenant-viewer" ? { ...o, subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:authenticated" }] } : o)),
    );
    bundles[2] = withObjects(bundles[2] as Bundle, (objects) =>
      objects.map((o) => (o.kind === "Role" && o.metadata.name === "tenant-admin" ? { ...o, rules: [...(o.rules as object[]), { apiGroups: [""], resources: ["resourcequotas"], verbs: ["patch"] }] } : o)),
    );
    const failed = auditBundles(bundles, ctx.config).checks.filter((c) => !c.pass).map((c) => `${c.tenant} ${c.id}: ${c.detail}`);
    expect(failed).toEqual(["t0 LL-NET-1: no default-deny policy", "t1 LL-RBAC-2: RoleBinding tenant-viewer binds system:authenticated", "t2 LL-RBAC-1: Role tenant-admin may write resourcequotas"]);
  });

  it("finds a monitoring allowance that opens a port other than the pod's metrics port (class: metrics port on a platform port)", () => {
    const bundles = clean();
    // As a bundle rendered before the fix: the app's metrics port on 5432, and one scrape allowance for every pod.
    bundles[4] = withObjects(bundles[4] as Bundle, (objects) =>
      objects
        .filter((o) => !(o.kind === "NetworkPolicy" && o.metadata.name.startsWith("allow-monitoring-scrape")))
        .map((o) => (o.kind === "Deployment" ? (JSON.parse(JSON.stringify(o).replace('"name":"metrics","containerPort":9090', '"name":"metrics","containerPort":5432')) as KubeObject) : o))
        .concat([
          {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name: "allow-monitoring-scrape", namespace: "tenant-t4", labels: {} },
            spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 5432 }, { protocol: "TCP", port: 9187 }] }] },
          },
        ]),
    );
    const failed = auditBundles(bundles, ctx.config).checks.filter((c) => !c.pass).map((c) => `${c.tenant} ${c.id}: ${c.detail}`);
    expect(failed).toEqual(["t4 LL-NET-2: monitoring reaches t4/database:5432"]);
  });

  it("flags each class of isolation round three on a fleet seeded with one of each (issue 23)", () => {
    const bundles = clean();
    const edit = (i: number, f: (o: KubeObject) => KubeObject, extra: KubeObject[] = []) => {
      bundles[i] = withObjects(bundles[i] as Bundle, (objects) => [...objects.map(f), ...extra]);
    };
    const patch = (o: KubeObject, kind: string, change: (o: Record<string, unknown>) => void): KubeObject => {
      if (o.kind !== kind) return o;
      const copy = JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
      change(copy);
      return copy as unknown as KubeObject;
    };
    const container = (o: Record<string, unknown>) => ((o.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0] ?? {});
    const job = (name: string, ns: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: "batch/v1", kind: "Job", metadata: { name, namespace: ns, labels: {} }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "registry.example.com/saas/app:1", imagePullPolicy: "Always" }], ...spec } } } });
    // class 1: a repository nobody listed, on a host that is listed; and a cached image run unpulled.
    edit(0, (o) => patch(o, "Deployment", (d) => (container(d).image = "ghcr.io/attacker/app:1")));
    edit(1, (o) => patch(o, "Deployment", (d) => (container(d).imagePullPolicy = "IfNotPresent")));
    // class 2: the system pool's toleration, in a chart's Job.
    edit(2, (o) => o, [job("sys", "tenant-t2", { tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }] })]);
    // class 8: an inline claim without a size.
    edit(3, (o) => o, [job("scratch", "tenant-t3", { volumes: [{ name: "s", ephemeral: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: {} } } } }] })]);
    // class 9: the admin role reads Secrets while readSecrets is off.
    edit(4, (o) => patch(o, "Role", (r) => { if ((r.metadata as { name: string }).name === "tenant-admin") (r.rules as unknown[]).push({ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }); }));
    // class 4: served on the portal's host.
    edit(5, (o) => patch(o, "Ingress", (i) => ((i.spec as { rules: { host: string }[] }).rules[0] = { ...((i.spec as { rules: { host: string }[] }).rules[0] ?? { host: "" }), host: "portal.apps.example.com" })));
    // class 5: ten years of backups on small, and a base backup every second.
    edit(6, (o) => patch(o, "ObjectStore", (c) => ((c.spec as Record<string, unknown>).retentionPolicy = "3650d")));
    edit(9, (o) => patch(o, "ScheduledBackup", (b) => ((b.spec as Record<string, unknown>).schedule = "* * * * * *")));
    // class 7: t7 bills as tenant t8.
    edit(7, (o) => patch(o, "Namespace", (n) => (((n.metadata as { labels: Record<string, string> }).labels)["landlord.dev/customer"] = "t8")));
    const failed = auditBundles(bundles, ctx.config).checks.filter((c) => !c.pass).map((c) => `${c.tenant} ${c.id}: ${c.detail}`);
    expect(failed).toEqual([
      "t0 LL-IMG-1: not allowed: ghcr.io/attacker/app:1",
      "t1 LL-IMG-2: may run a cached image unpulled: Deployment/app container app",
      "t2 LL-SCHED-2: Job/sys tolerates CriticalAddonsOnly",
      "t3 LL-VOL-1: Job/scratch volume s: an inline claim without a size",
      "t4 LL-SEC-1: Role tenant-admin grants get on secrets",
      "t5 LL-ING-1: Ingress app serves portal.apps.example.com",
      "t5 LL-HOST-1: serves portal.apps.example.com, a reserved host",
      "t6 LL-BAK-1: keeps backups 3650 days, tier 'small' allows 14",
      "t7 LL-BILL-1: bills as 't8', as tenant 't8' does (costs, invoices and Azure tags would merge)",
      "t8 LL-BILL-1: bills as 't8', as tenant 't7' does (costs, invoices and Azure tags would merge)",
      "t9 LL-BAK-1: ScheduledBackup db-daily runs every 1s, tier 'small' at most every 1d",
    ]);
    // A host-wide allow-list entry is itself the hole, whatever the images are today.
    const broad = platform(PLATFORM_TEMPLATE.replace("  ceilingExceptions: []", "  ceilingExceptions: []\n  allowedRegistries: [registry.example.com/saas/app, ghcr.io]")).config;
    expect(auditBundles(clean().slice(0, 1), broad).checks.filter((c) => !c.pass).map((c) => `${c.id}: ${c.detail}`)).toEqual(["LL-IMG-1: policy.allowedRegistries admits every repository of ghcr.io"]);
    // exec for tenant admins reads the app's DATABASE_URL: readSecrets: false would be a promise not kept.
    const exec = platform(PLATFORM_TEMPLATE.replace("  ceilingExceptions: []", "  ceilingExceptions: []\n  tenantAdmin: { exec: true }")).config;
    expect(auditBundles(clean().slice(0, 1), exec).checks.filter((c) => !c.pass).map((c) => c.id)).toEqual(["LL-SEC-1"]);
  });

  it("reads label selectors as the API server does", () => {
    expect(matches({ matchExpressions: [{ key: "a", operator: "In", values: ["1"] }] }, { a: "1" })).toBe(true);
    expect(matches({ matchExpressions: [{ key: "a", operator: "NotIn", values: ["1"] }] }, {})).toBe(true);
    expect(matches({ matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, { a: "" })).toBe(false);
    expect(matches({ matchLabels: { a: "1" } }, { a: "2" })).toBe(false);
    expect(matches({}, { anything: "x" })).toBe(true);
  });
});
