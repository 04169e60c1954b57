/** Shared by the package tests: the init platform with the example chart as its app package. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { defaultCacheDir, helmBinary, type HelmTools } from "../../src/io/package/helm.js";
import { platform, tenantFile, fleet, type TenantOptions } from "../support/fixtures.js";
import type { PlatformContext } from "../../src/spec/platform.js";
import type { ResolvedTenant } from "../../src/spec/resolve.js";

export const REPO = resolve(import.meta.dirname, "../..");
export const CHART = resolve(REPO, "examples/chart");

/** app.package block (YAML, top level) for the example chart; `extra` lines are added inside package. */
export function packageBlock(extra = ""): string {
  return `
app:
  package:
    helm:
      chart: ${CHART}
      version: 0.3.0
    expose: { service: web, port: http }
${extra}`;
}

/** Values the example chart gets in every tier (three layers: defaults here). */
export const DEFAULT_VALUES = `
    values:
      web: { minReplicas: 2, maxReplicas: 3 }
`;

/** landlord.yaml text: `template` with defaults.app.values and the app.package block. */
export function packagePlatformText(extra = "", template = PLATFORM_TEMPLATE): string {
  // defaults.app.values goes inside the defaults.app block of the template.
  return template.replace(/\n {2}app:\n/, `\n  app:${DEFAULT_VALUES.replace(/^\n/, "\n")}`) + packageBlock(extra);
}

export function packagePlatform(extra = "", template = PLATFORM_TEMPLATE): PlatformContext {
  return platform(packagePlatformText(extra, template));
}

export function tenants(ctx: PlatformContext, specs: [string, TenantOptions][]): ResolvedTenant[] {
  return fleet(ctx, specs.map(([name, o]) => tenantFile(name, o)));
}

let tools: Promise<HelmTools> | undefined;
/** The real helm binary (LANDLORD_HELM_BIN, else built by tools/helm/build.sh) with a cache of the test's own. */
export function helmTools(): Promise<HelmTools> {
  tools ??= helmBinary().then((bin) => ({ bin, cacheDir: resolve(defaultCacheDir(), "test") }));
  return tools;
}

export const haveChart = existsSync(resolve(CHART, "Chart.yaml"));

/** The value, or a test failure naming what was missing (tests index fixtures they built). */
export function must<T>(v: T | undefined | null, what = "fixture"): T {
  if (v === undefined || v === null) throw new Error(`${what} missing`);
  return v;
}
