/**
 * Whole bundles pinned per tier. A change to any rendered byte shows up here as a diff;
 * regenerate with UPDATE_GOLDEN=1 after reviewing it.
 */
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { renderBundle } from "../../src/render/bundle.js";
import { splitDomains } from "../../src/spec/custom-domains.js";
import { toJson, toYamlStream } from "../../src/render/serialize.js";
import { fleet, platform, tenantFile } from "../support/fixtures.js";

const GOLDEN = resolve(import.meta.dirname, "../golden");

const tenants = [
  tenantFile("acme", { tier: "small", spec: { compliance: ["gdpr"] }, overrides: { app: { featureFlags: { newBilling: true } } } }),
  tenantFile("globex", {
    tier: "medium",
    domains: ["globex.apps.example.com", "shop.globex.com"],
    spec: { contacts: { email: "sre@globex.com", alertWebhookSecretRef: { name: "pager-webhook", key: "url" } } },
  }),
  tenantFile("initech", { tier: "large", spec: { version: "2.0.0-rc.1", access: { adminGroups: ["aad-group-1234"] } } }),
];

describe("golden bundles", () => {
  const ctx = platform();
  const resolved = fleet(ctx, tenants);
  test.each(resolved.map((t) => [t.tier.name, t] as const))("%s tier", async (tier, t) => {
    // globex has proven its custom domain (a DNS challenge), so its bundle serves both names.
    const proven = t.tenant.metadata.name === "globex" ? { ...t, domains: splitDomains(t.tenant.spec.domains, ctx.config.integrations.dns.zone, new Set(["shop.globex.com"])) } : t;
    const bundle = renderBundle(ctx.config, proven);
    const text = `${toYamlStream(bundle.objects)}---\n# terraform.tfvars.json\n${toJson(bundle.terraform.variables).replace(/^/gm, "# ")}`;
    const path = resolve(GOLDEN, `${tier}.yaml`);
    if (process.env.UPDATE_GOLDEN === "1") await writeFile(path, text);
    expect(text).toBe(await readFile(path, "utf8"));
  });
});

describe("YAML for YAML 1.1 readers", () => {
  test("strings that YAML 1.1 would read as booleans, numbers or dates stay strings", async () => {
    const { parse } = await import("yaml");
    const ctx = platform();
    const values = { A: "yes", B: "on", C: "no", D: "0755", E: "1e3", F: "2024-01-01", G: "~", H: "null" };
    const [t] = fleet(ctx, [tenantFile("acme", { overrides: { app: { env: values } } })]);
    if (!t) throw new Error("no tenant");
    const deployment = renderBundle(ctx.config, t).objects.find((o) => o.kind === "Deployment");
    const text = toYamlStream([deployment]);
    const back = parse(text, { version: "1.1" }) as { spec: { template: { spec: { containers: { env: { name: string; value?: unknown }[] }[] } } } };
    const env = Object.fromEntries((back.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    for (const [k, v] of Object.entries(values)) expect(env[k]).toBe(v);
  });
});
