/**
 * The example chart (examples/chart) rendered per tenant by the real Helm binary, for the
 * three tiers; the built-in app unchanged; refusals that name the chart, object and field.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { renderTenantBundle } from "../../src/io/package/render-package.js";
import type { HelmTools } from "../../src/io/package/helm.js";
import { bundleHash, renderBundle } from "../../src/render/bundle.js";
import { toYamlStream } from "../../src/render/serialize.js";
import { explainTenant } from "../../src/cli/commands/explain.js";
import { landlordValueRows } from "../../src/render/package/values.js";
import { platform } from "../support/fixtures.js";
import { helmTools, packagePlatform, REPO, tenants, must } from "./support.js";

let helm: HelmTools;
beforeAll(async () => {
  // The first build of tools/helm takes minutes; CI builds it before the tests (LANDLORD_HELM_BIN).
  helm = await helmTools();
}, 30 * 60_000);

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  }
  throw new Error("expected an InputError");
}

describe("an app package rendered per tenant", () => {
  const ctx = packagePlatform();
  const [small, medium, large] = tenants(ctx, [
    ["acme", { tier: "small" }],
    ["bolt", { tier: "medium", overrides: { app: { values: { web: { maxReplicas: 5 } } } } }],
    ["crux", { tier: "large" }],
  ]);

  it("renders the example chart for the three tiers: two Deployments, a CronJob, a migration Job", async () => {
    for (const t of [small, medium, large]) {
      if (!t) throw new Error("fixture");
      const b = await renderTenantBundle(ctx.config, t, { baseDir: REPO, helm });
      const ns = t.names.namespace;
      const kinds = b.app?.objects.map((o) => `${o.kind}/${o.metadata.name}`);
      expect(kinds).toEqual(["ConfigMap/shop-config", "Job/migrate", "Service/web", "Deployment/web", "Deployment/worker", "CronJob/cleanup", "HorizontalPodAutoscaler/web", "PodDisruptionBudget/web"]);
      expect(b.app?.migrations).toEqual(["migrate"]);
      expect(b.app?.origin.display).toBe("chart example-shop 0.3.0 (" + `${REPO}/examples/chart)`);
      for (const o of b.app?.objects ?? []) {
        expect(o.metadata.namespace).toBe(ns);
        expect(o.metadata.labels).toMatchObject({ "app.kubernetes.io/managed-by": "landlord", "landlord.dev/tenant": t.tenant.metadata.name, "landlord.dev/tier": t.tier.name });
      }
      // The built-in app's workload is gone; the platform's objects stay.
      expect(b.objects.find((o) => o.kind === "Deployment" && o.metadata.name === "app")).toBeUndefined();
      for (const k of ["Namespace", "ResourceQuota", "LimitRange", "Cluster", "Certificate", "Ingress"]) expect(b.objects.some((o) => o.kind === k)).toBe(true);
      const ingress = b.objects.find((o) => o.kind === "Ingress");
      expect(JSON.stringify(ingress?.spec)).toContain('"service":{"name":"web","port":{"name":"http"}}');
      const policy = b.objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.name === "allow-from-ingress-controller");
      expect(policy?.spec).toMatchObject({ podSelector: { matchLabels: { "app.kubernetes.io/name": "shop-web" }, matchExpressions: [{ key: "cnpg.io/cluster", operator: "DoesNotExist" }] } });
      // The image tag is the tenant's version, the database Secret the tenant's own.
      const web = b.objects.find((o) => o.kind === "Deployment" && o.metadata.name === "web");
      expect(JSON.stringify(web)).toContain(`"image":"registry.example.com/saas/app:${t.version}"`);
      expect(JSON.stringify(web)).toContain('"secretKeyRef":{"name":"db-app","key":"uri"}');
    }
    // The medium tier runs on the tenant's own node pool: selector and toleration from the values.
    const b = await renderTenantBundle(ctx.config, medium ?? must(small), { baseDir: REPO, helm });
    const web = b.objects.find((o) => o.kind === "Deployment" && o.metadata.name === "web") as { spec: { template: { spec: Record<string, unknown> } } } | undefined;
    expect(web?.spec.template.spec.nodeSelector).toEqual({ "landlord.dev/tenant": "bolt" });
    expect(web?.spec.template.spec.tolerations).toEqual([{ key: "landlord.dev/tenant", operator: "Equal", value: "bolt", effect: "NoSchedule" }]);
    const hpa = b.objects.find((o) => o.kind === "HorizontalPodAutoscaler");
    expect((hpa?.spec as { maxReplicas: number }).maxReplicas).toBe(5);
  });

  it("is byte-stable: the same input gives the same bundle", async () => {
    const t = must(small);
    const a = await renderTenantBundle(ctx.config, t, { baseDir: REPO, helm });
    const b = await renderTenantBundle(ctx.config, t, { baseDir: REPO, helm });
    expect(toYamlStream(a.objects)).toBe(toYamlStream(b.objects));
    expect(bundleHash(a)).toBe(bundleHash(b));
  });

  it("leaves the built-in app as it was when no package is configured", async () => {
    const plain = platform();
    const [t] = tenants(plain, [["acme", { tier: "small" }]]);
    const viaPackagePath = await renderTenantBundle(plain.config, must(t), { baseDir: REPO, helm });
    expect(toYamlStream(viaPackagePath.objects)).toBe(toYamlStream(renderBundle(plain.config, must(t)).objects));
    expect(viaPackagePath.app).toBeUndefined();
  });

  it("refuses renderBundle without the package when landlord.yaml names one", () => {
    expect(() => renderBundle(ctx.config, must(small))).toThrow(/names an app package \(app.package\), and this code path renders only the built-in app/);
  });

  it("explains where every value came from: layers for app.values, Landlord for app.values.landlord", () => {
    const rows = explainTenant(must(medium));
    expect(rows.find((r) => r.path === "app.values.web.maxReplicas")).toMatchObject({ value: 5, source: "tenant" });
    expect(rows.find((r) => r.path === "app.values.web.minReplicas")).toMatchObject({ value: 2, source: "defaults" });
    const landlord = landlordValueRows({ t: must(medium), platform: ctx.config, cloud: {} });
    expect(landlord.find((r) => r.path === "app.values.landlord.namespace")).toMatchObject({ value: "tenant-bolt", source: "landlord (derived from metadata.name)" });
    expect(landlord.find((r) => r.path === "app.values.landlord.nodeSelector.landlord.dev/tenant")).toMatchObject({ value: "bolt" });
    expect(landlord.find((r) => r.path === "app.values.landlord.version")?.source).toMatch(/^landlord \(app\.version/);
    expect(landlord.find((r) => r.path === "app.values.landlord.database.secretName")).toMatchObject({ value: "db-app" });
  });
});

describe("refusals name the chart, the object and the field", () => {
  const ctx = packagePlatform();
  const render = (overrides: Record<string, unknown>, tier = "small") => {
    const [t] = tenants(ctx, [["evil", { tier, overrides: { app: { values: overrides } } }]]);
    return renderTenantBundle(ctx.config, must(t), { baseDir: REPO, helm });
  };

  it("a ClusterRole", async () => {
    const msg = await refusal(render({ clusterReader: true }));
    expect(msg).toContain("chart example-shop 0.3.0");
    expect(msg).toContain("example-shop/templates/cluster-reader.yaml: ClusterRole/tenant-evil-node-reader: cluster-scoped objects are refused");
  });

  it("a hostPath volume", async () => {
    const msg = await refusal(render({ web: { extraVolumes: [{ name: "host", hostPath: { path: "/var/run" } }] } }));
    expect(msg).toContain("example-shop/templates/web.yaml: Deployment/web spec.template.spec.volumes[1].hostPath: tenant pods may not mount hostPath volumes");
  });

  it("more than the quota at maximum scale", async () => {
    const msg = await refusal(render({ web: { maxReplicas: 12, resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "512Mi" } } } }));
    expect(msg).toContain("example-shop/templates/web.yaml: Deployment/web spec.template.spec.containers[*].resources: at its peak the package needs memory requests of 8032Mi, above the tenant's quota of 6Gi: Deployment/web (13 pods: HPA maxReplicas 12 + 1 surge) 6656Mi, the tenant's database (with its backup sidecar) and pooler 1152Mi, Deployment/worker (2 pods: replicas 1 + 1 surge) 128Mi, Job/migrate (1 pod: parallelism) 64Mi, CronJob/cleanup (1 pod per run, one run at a time) 32Mi");
    expect(msg).toMatch(/cpu requests of 4010m, above the tenant's quota of 3/);
  });

  it("values the chart's own templates reject, with helm's message", async () => {
    const msg = await refusal(render({ web: { resources: "lots" } }));
    expect(msg).toMatch(/^chart example-shop 0\.3\.0 .*: app\.values: helm template failed: .*/);
  });

  it("objects the Kubernetes schema rejects, before anything is applied", async () => {
    const msg = await refusal(render({ web: { port: "eighty" } }));
    expect(msg).toMatch(/chart example-shop 0\.3\.0 .*: app\.values: helm template failed: .*'\/web\/port': got string, want integer/);
    // Past the chart's own values schema, the rendered object is checked against Kubernetes'.
    const bad = await refusal(render({ web: { extraVolumes: [{ emptyDir: {} }] } }));
    expect(bad).toMatch(/^chart example-shop 0\.3\.0 .*: apps\/v1 Deployment tenant-evil\/web: does not match the Kubernetes schema: \/spec\/template\/spec\/volumes\/1: must have required property name/);
  });

  it("a tenant version that names no chart, when the rollout moves chart versions", async () => {
    const moving = packagePlatform().config;
    const pkg = must(moving.app).package;
    const byChart = { ...moving, app: { package: { ...pkg, helm: { ...must(pkg.helm), tenantVersion: "chart" as const } } } };
    const [ok, ahead] = tenants(ctx, [["acme", { spec: { version: "0.3.0" } }], ["bolt", { spec: { version: "0.4.0" } }]]);
    expect((await renderTenantBundle(byChart, must(ok), { baseDir: REPO, helm })).app?.origin.helm?.version).toBe("0.3.0");
    expect(await refusal(renderTenantBundle(byChart, must(ahead), { baseDir: REPO, helm }))).toContain("app.package.helm.version: the chart at");
  });

  it("a local chart at another version than the pin", async () => {
    const other = packagePlatform().config;
    const pkg = must(other.app).package;
    const pinned = { ...other, app: { package: { ...pkg, helm: { ...must(pkg.helm), version: "0.4.0" } } } };
    const [t] = tenants(ctx, [["acme", {}]]);
    expect(await refusal(renderTenantBundle(pinned, must(t), { baseDir: REPO, helm }))).toContain("app.package.helm.version: the chart at");
  });
});
