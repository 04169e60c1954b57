import { describe, expect, test } from "vitest";
import { renderBundle } from "../../src/render/bundle.js";
import type { KubeObject } from "../../src/render/object.js";
import { strictify } from "../../src/validate/crd.js";
import { validateObjects } from "../../src/validate/objects.js";
import { fleet, platform, sharedCrds, tenantFile } from "../support/fixtures.js";

function rendered(): KubeObject[] {
  const ctx = platform();
  const [t] = fleet(ctx, [tenantFile("acme", { tier: "large" })]);
  if (!t) throw new Error("no tenant");
  return structuredClone(renderBundle(ctx.config, t).objects) as KubeObject[];
}

function mutate(objects: KubeObject[], kind: string, change: (spec: Record<string, unknown>) => void): KubeObject[] {
  const o = objects.find((x) => x.kind === kind);
  if (!o) throw new Error(`no ${kind}`);
  change(o.spec as Record<string, unknown>);
  return objects;
}

describe("validation against the real schemas catches renderer bugs", () => {
  test("the CRDs of every custom resource Landlord renders are loaded", async () => {
    const crds = await sharedCrds();
    const custom = rendered().filter((o) => !["v1", "apps/v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1"].includes(o.apiVersion));
    expect(custom.length).toBeGreaterThanOrEqual(9);
    for (const o of custom) expect(crds.has(o.apiVersion, o.kind), `${o.apiVersion} ${o.kind}`).toBe(true);
  });

  type Spec = Record<string, unknown>;
  const cases: [string, string, (s: Spec) => void, RegExp][] = [
    ["an unknown field in a CNPG Cluster", "Cluster", (s) => { s.instancez = 3; }, /must NOT have additional properties 'instancez'/],
    ["a wrong enum in a Pooler", "Pooler", (s) => { s.type = "readwrite"; }, /allowed values/],
    ["a string where a ScheduledBackup wants an object", "ScheduledBackup", (s) => { s.cluster = "db"; }, /must be object/],
    ["a missing required issuerRef", "Certificate", (s) => { delete s.issuerRef; }, /required property 'issuerRef'/],
    ["an invalid matchType", "AlertmanagerConfig", (s) => { ((s.route as { matchers: Spec[] }).matchers[0] ?? {}).matchType = "=="; }, /allowed values/],
    ["a Deployment container without a name", "Deployment", (s) => { delete ((s.template as { spec: { containers: Spec[] } }).spec.containers[0] ?? {}).name; }, /name/],
    ["policyTypes that is not a list", "NetworkPolicy", (s) => { s.policyTypes = "Ingress"; }, /must be array/],
  ];
  test.each(cases)("%s", async (_name, kind, change, message) => {
    const violations = validateObjects(mutate(rendered(), kind, change), await sharedCrds());
    expect(violations.map((v) => v.message).join("\n")).toMatch(message);
  });

  test("invalid names and labels are caught even where no schema checks them", () => {
    const objects = rendered();
    const first = objects[0];
    if (!first) throw new Error("empty bundle");
    first.metadata.name = "Tenant_ACME";
    first.metadata.labels.bad = "x".repeat(64);
    const messages = validateObjects(objects).map((v) => v.message);
    expect(messages).toContain("metadata.name 'Tenant_ACME' is not a valid Namespace name");
    expect(messages.some((m) => m.startsWith("label bad="))).toBe(true);
  });

  test("strictify closes objects unless the schema preserves unknown fields", () => {
    const s = strictify({
      type: "object",
      properties: {
        a: { type: "object", properties: { b: { type: "string" } } },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { c: { type: "string" } } },
        map: { type: "object", additionalProperties: { type: "string" } },
      },
    });
    expect(s.additionalProperties).toBe(false);
    const props = s.properties as Record<string, Record<string, unknown>>;
    expect(props.a?.additionalProperties).toBe(false);
    expect(props.free?.additionalProperties).toBeUndefined();
    expect(props.map?.additionalProperties).toEqual({ type: "string" });
  });
});
