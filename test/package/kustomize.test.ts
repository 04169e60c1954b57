/**
 * A Kustomize base as the app package: built by the kubectl inside the control plane's
 * multi-call binary (`controlplane kubectl kustomize`), tag set to the tenant's version,
 * the same guardrails on the output.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { controlPlaneBinary } from "../../src/devcluster/binary.js";
import { InputError } from "../../src/errors.js";
import { renderTenantBundle } from "../../src/io/package/render-package.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { platform } from "../support/fixtures.js";
import { REPO, tenants, must } from "./support.js";

const kustomizePlatform = (values = "") =>
  platform(
    PLATFORM_TEMPLATE.replace(/\n {2}app:\n/, `\n  app:\n${values}`) +
      `
app:
  package:
    kustomize: { path: test/package/fixtures/kustomize-base }
    expose: { service: web, port: http }
`,
  );

beforeAll(async () => {
  // CI exports LANDLORD_CONTROLPLANE_BIN; otherwise this builds (or finds) the cached binary.
  process.env.LANDLORD_CONTROLPLANE_BIN = await controlPlaneBinary();
}, 60 * 60_000);

describe("a Kustomize base as the app package", () => {
  it("builds per tenant with the tenant's version as the image tag, in its namespace", async () => {
    const ctx = kustomizePlatform("    values: { replicas: [{ name: web, count: 2 }] }\n");
    const [t] = tenants(ctx, [["acme", { tier: "small" }]]);
    const b = await renderTenantBundle(ctx.config, must(t), { baseDir: REPO });
    const web = b.app?.objects.find((o) => o.kind === "Deployment");
    expect(b.app?.origin.display).toBe("kustomize base test/package/fixtures/kustomize-base");
    expect(web?.metadata.namespace).toBe("tenant-acme");
    expect(JSON.stringify(web)).toContain(`"image":"registry.example.com/saas/app:${must(t).version}"`);
    expect((web?.spec as { replicas: number }).replicas).toBe(2);
  });

  it("refuses Kustomization fields that could read beyond the base, and checks the output like a chart's", async () => {
    const ctx = kustomizePlatform("    values: { resources: [https://evil.example.com/base] }\n");
    const [t] = tenants(ctx, [["acme", { tier: "small" }]]);
    await expect(renderTenantBundle(ctx.config, must(t), { baseDir: REPO })).rejects.toThrow(/app\.values\.resources: a Kustomize package takes only images, replicas, patches/);
    const hostile = kustomizePlatform(`    values:
      patches:
        - target: { kind: Deployment, name: web }
          patch: |
            - op: add
              path: /spec/template/spec/hostNetwork
              value: true
`);
    const [u] = tenants(hostile, [["acme", { tier: "small" }]]);
    const err = await renderTenantBundle(hostile.config, must(u), { baseDir: REPO }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain("kustomize base test/package/fixtures/kustomize-base: Deployment/web spec.template.spec.hostNetwork: tenant pods may not use the node's network");
  });
});
