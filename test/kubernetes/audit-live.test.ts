/**
 * `landlord audit --live` on the real API server: ten tenants, every ordered pair asked
 * through SubjectAccessReviews and refused attempts as each tenant's admin group; then a
 * deliberately broken binding is found.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLive, type LiveTenant } from "../../src/audit/live.js";
import { KubeClient } from "../../src/delivery/kubernetes/client.js";
import { tenantDoc } from "../support/fixtures.js";
import { finishedStatus, onboard } from "../workflows/tenant/support/harness.js";
import { admin, liveHarness, uniqueName, type LiveHarness } from "./support/live.js";

const names = Array.from({ length: 10 }, (_, i) => uniqueName(`au${String(i)}`));
const tenants: LiveTenant[] = names.map((n) => ({ name: n, namespace: `tenant-${n}`, adminGroups: [`landlord:tenant:${n}:admins`], domains: [`${n}.apps.example.com`] }));
let h: LiveHarness;

beforeAll(async () => {
  h = await liveHarness();
  for (const n of names) expect(finishedStatus((await onboard(h, tenantDoc(n))).result), n).toBe("Succeeded");
}, 600_000);

afterAll(async () => {
  await h.close();
});

describe("live isolation audit", () => {
  it("finds nothing across ten tenants, and finds a deliberately broken binding", async () => {
    const { kc } = admin();
    const findings = await auditLive(kc, tenants);
    const reviews = findings.filter((f) => f.what.startsWith("access review"));
    const attempts = findings.filter((f) => f.what.startsWith("attempt"));
    expect(reviews.length).toBeGreaterThan(10 * 9 * 50);
    expect(attempts).toHaveLength(10 * 13);
    expect(findings.filter((f) => f.violation)).toEqual([]);

    // Tenant 0's admins bound to tenant 1's admin role: the audit must see it from both angles.
    const client = new KubeClient(kc, kc.getCurrentContext());
    const [a, b] = tenants as [LiveTenant, LiveTenant];
    await client.send({
      method: "POST",
      path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${b.namespace}/rolebindings`,
      body: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "mistake" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "tenant-admin" }, subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: a.adminGroups[0] }] },
    });
    client.close();
    const broken = (await auditLive(kc, [a, b])).filter((f) => f.violation);
    expect(broken.some((f) => f.actor === a.name && f.target === b.name && f.what === "access review: list pods")).toBe(true);
    expect(broken.some((f) => f.actor === a.name && f.what === `attempt: read pods of ${b.name}`)).toBe(true);
    expect(broken.every((f) => f.actor === a.name && f.target === b.name)).toBe(true);
  });
});
