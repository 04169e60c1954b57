/**
 * Issue 24, item 5: the Kubernetes version of dedicated clusters comes from landlord.yaml's
 * platform.kubernetesVersion unless the tier pins one, and `init` writes a supported one.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { InputError } from "../../src/errors.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { renderBundle } from "../../src/render/bundle.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";
import { platformWith } from "../support/platform-variants.js";

function dedicatedCluster(text: string, tier = "large") {
  const ctx = platform(text);
  const [t] = fleet(ctx, [tenantFile("acme", { tier })]);
  if (!t) throw new Error("no tenant");
  return renderBundle(ctx.config, t).terraform.variables.dedicated_cluster;
}

describe("kubernetes_version of a dedicated cluster", () => {
  it("init writes a platform default AKS supports, and the large tier does not pin its own", () => {
    const written = parse(PLATFORM_TEMPLATE) as { platform: { kubernetesVersion?: string }; tiers: { large: { cluster: Record<string, unknown> } } };
    expect(written.platform.kubernetesVersion).toBe("1.33");
    expect(written.tiers.large.cluster).not.toHaveProperty("kubernetesVersion");
    expect(PLATFORM_TEMPLATE).not.toMatch(/"1\.30"/);
  });

  it("defaults to platform.kubernetesVersion when the tier pins none", () => {
    expect(dedicatedCluster(PLATFORM_TEMPLATE)).toMatchObject({ enabled: true, kubernetes_version: "1.33" });
    expect(dedicatedCluster(platformWith(["platform", "kubernetesVersion"], "1.34"))).toMatchObject({ kubernetes_version: "1.34" });
  });

  it("a version the tier pins wins over the platform's", () => {
    expect(dedicatedCluster(platformWith(["tiers", "large", "cluster", "kubernetesVersion"], "1.32.4"))).toMatchObject({ kubernetes_version: "1.32.4" });
  });

  it("with neither, AKS's default (\"\"); tiers without a cluster carry none", () => {
    expect(dedicatedCluster(platformWith(["platform", "kubernetesVersion"], undefined))).toMatchObject({ kubernetes_version: "" });
    expect(dedicatedCluster(PLATFORM_TEMPLATE, "small")).toMatchObject({ enabled: false, kubernetes_version: "" });
  });

  it("refuses a platform version that is not a Kubernetes minor or patch version", () => {
    try {
      platform(platformWith(["platform", "kubernetesVersion"], "v1.33"));
      expect.unreachable();
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      expect(err.problems.map((p) => `${p.path}: ${p.message}`)).toEqual(["platform.kubernetesVersion: kubernetesVersion is a minor version, or an exact patch version"]);
    }
  });
});
