/** `landlord audit` on rendered bundles: a clean fleet passes, each deliberate break is found. */
import { describe, expect, it } from "vitest";
import { auditBundles } from "../../src/audit/checks.js";
import { matches } from "../../src/audit/reachability.js";
import { renderBundle, type Bundle } from "../../src/render/bundle.js";
import type { KubeObject } from "../../src/render/object.js";
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
    expect(r.checks).toHaveLength(10 * 12);
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

  it("reads label selectors as the API server does", () => {
    expect(matches({ matchExpressions: [{ key: "a", operator: "In", values: ["1"] }] }, { a: "1" })).toBe(true);
    expect(matches({ matchExpressions: [{ key: "a", operator: "NotIn", values: ["1"] }] }, {})).toBe(true);
    expect(matches({ matchExpressions: [{ key: "a", operator: "DoesNotExist" }] }, { a: "" })).toBe(false);
    expect(matches({ matchLabels: { a: "1" } }, { a: "2" })).toBe(false);
    expect(matches({}, { anything: "x" })).toBe(true);
  });
});
