/**
 * Renders N tenants (default 10,000; first argument overrides) through the whole pipeline
 * (decode YAML, validate, merge, guardrails, fleet checks, render) and prints tenants per
 * second, against a baseline measured in the same run: serialising the very same objects
 * to YAML, which any tool that writes manifests must do at least.
 */
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { PLATFORM_TEMPLATE } from "../src/init/templates.js";
import { renderBundle, type Bundle } from "../src/render/bundle.js";
import { toYamlStream } from "../src/render/serialize.js";
import { loadFleet, loadPlatform } from "../src/spec/fleet.js";
import type { RawFile } from "../src/spec/documents.js";

const count = Number(process.argv[2] ?? 10_000);
const FLOOR_SECONDS = 10;
const tiers = ["small", "small", "small", "medium", "large"] as const;
const encoder = new TextEncoder();

function tenantFiles(n: number): RawFile[] {
  return Array.from({ length: n }, (_, i) => {
    const name = `customer-${i.toString(36)}`;
    const doc = {
      apiVersion: "landlord.dev/v1alpha1",
      kind: "Tenant",
      metadata: { name },
      spec: {
        displayName: `Customer ${i}`,
        tier: tiers[i % tiers.length],
        domains: [`${name}.apps.example.com`],
        contacts: { email: `ops@${name}.example.com` },
        compliance: i % 3 === 0 ? ["gdpr"] : [],
        overrides: { app: { env: { LOG_LEVEL: i % 2 === 0 ? "info" : "debug" }, featureFlags: { beta: i % 7 === 0 } } },
      },
    };
    return { file: `tenants/${name}.yaml`, bytes: encoder.encode(stringify(doc)) };
  });
}

function time<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

const files = tenantFiles(count);
const ctx = loadPlatform({ file: "landlord.yaml", bytes: encoder.encode(PLATFORM_TEMPLATE) });

// Warm up the JIT on a slice so both sides are measured hot.
for (const t of loadFleet(ctx, files.slice(0, 200))) toYamlStream(renderBundle(ctx.config, t).objects);

const resolved = time(() => loadFleet(ctx, files));
const rendered = time(() => resolved.value.map((t): Bundle => renderBundle(ctx.config, t)));
const serialised = time(() => rendered.value.reduce((n, b) => n + toYamlStream(b.objects).length, 0));

const pipelineMs = resolved.ms + rendered.ms;
const objects = rendered.value.reduce((n, b) => n + b.objects.length, 0);
const perSecond = (count / pipelineMs) * 1000;
const line = (label: string, value: string): void => {
  console.log(`${label.padEnd(44)} ${value}`);
};
line("tenants", String(count));
line("objects rendered", String(objects));
line("validate + merge + guardrails + fleet checks", `${resolved.ms.toFixed(0)} ms`);
line("render bundles (objects + terraform inputs)", `${rendered.ms.toFixed(0)} ms`);
line("baseline: serialise same objects to YAML", `${serialised.ms.toFixed(0)} ms (${(serialised.value / 1e6).toFixed(1)} MB)`);
line("tenants per second (validate + render)", perSecond.toFixed(0));
line("ratio render / YAML serialisation", (rendered.ms / serialised.ms).toFixed(3));
line("ratio validate+render / YAML serialisation", (pipelineMs / serialised.ms).toFixed(3));
const pass = pipelineMs / 1000 < (FLOOR_SECONDS * count) / 10_000;
line(`floor: ${count} tenants under ${((FLOOR_SECONDS * count) / 10_000).toFixed(1)} s`, pass ? `met (${(pipelineMs / 1000).toFixed(2)} s)` : `MISSED (${(pipelineMs / 1000).toFixed(2)} s)`);
process.exitCode = pass ? 0 : 1;
