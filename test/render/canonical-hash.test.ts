/**
 * The bundle hash depends on content, not on spelling: a tenant spec whose maps list
 * their keys in another order (labels, env, feature flags, database parameters...)
 * renders the same YAML and must give the same hash; any real change gives another.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { stringify } from "yaml";
import { bundleHash, renderBundle } from "../../src/render/bundle.js";
import { canonicalHash } from "../../src/render/canonical-hash.js";
import { toYamlStream } from "../../src/render/serialize.js";
import { fleet, platform, raw, tenantDoc } from "../support/fixtures.js";

const ctx = platform();

/** A spec with a user map at every place one is allowed. */
function spec(): Record<string, unknown> {
  const doc = tenantDoc("acme", {
    tier: "medium",
    domains: ["acme.apps.example.com", "shop.acme.com"],
    overrides: {
      app: {
        env: { LOG_LEVEL: "debug", REGION_HINT: "eu", TIMEOUT: "30s", MODE: "on", ZONE: "0755" },
        featureFlags: { beta: true, newBilling: "yes", limit: 3, darkMode: false },
        resources: { requests: { memory: "512Mi", cpu: "250m" } },
        probes: { readiness: { periodSeconds: 5, path: "/ready" } },
      },
      database: { parameters: { max_connections: "200", "shared_buffers": "256MB", work_mem: "8MB" } },
    },
    spec: {
      compliance: ["gdpr", "soc2"],
      maintenanceWindow: { start: "02:00", days: ["sat", "sun"], durationMinutes: 60 },
      access: { viewerGroups: ["readers"], adminGroups: ["admins"] },
    },
  });
  doc.metadata = { name: "acme", labels: { "example.com/team": "billing", "example.com/cost-center": "42", env: "prod" }, annotations: { "example.com/owner": "jane", "example.com/ticket": "OPS-1" } };
  return doc;
}

/** The parts of spec() that the changes below touch. */
interface SpecShape {
  metadata: { labels: Record<string, string> };
  spec: {
    displayName: string;
    overrides: { app: { env: Record<string, string>; featureFlags: Record<string, unknown> }; database: { parameters: Record<string, string> } };
  };
}

function render(doc: unknown) {
  const [t] = fleet(ctx, [raw("tenants/acme.yaml", stringify(doc))]);
  if (!t) throw new Error("no tenant");
  const bundle = renderBundle(ctx.config, t);
  return { hash: bundleHash(bundle), yaml: toYamlStream(bundle.objects) };
}

/** The same value with the keys of every map in an order fast-check picks; lists keep theirs. */
function reordered(value: unknown): fc.Arbitrary<unknown> {
  if (Array.isArray(value)) return fc.tuple(...value.map(reordered));
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    const n = entries.length;
    return fc
      .shuffledSubarray(entries, { minLength: n, maxLength: n })
      .chain((shuffled) => fc.tuple(...shuffled.map(([k, v]) => reordered(v).map((r) => [k, r] as const))))
      .map((pairs) => Object.fromEntries(pairs));
  }
  return fc.constant(value);
}

describe("bundle hash", () => {
  const base = spec();
  const expected = render(base);

  test("is the same for every key order of the spec, and so is the YAML", () => {
    let differentText = 0;
    fc.assert(
      fc.property(reordered(base), (doc) => {
        if (stringify(doc) !== stringify(base)) differentText++;
        const got = render(doc);
        expect(got.yaml).toBe(expected.yaml);
        expect(got.hash).toBe(expected.hash);
      }),
      { numRuns: 40 },
    );
    // The property saw specs that really were spelled differently.
    expect(differentText).toBeGreaterThan(30);
  });

  test("changes with any real change of content", () => {
    const changes: ((d: SpecShape) => void)[] = [
      (d) => (d.metadata.labels.env = "staging"),
      (d) => (d.spec.overrides.app.env.TIMEOUT = "31s"),
      (d) => (d.spec.overrides.app.featureFlags.beta = false),
      (d) => (d.spec.overrides.database.parameters.work_mem = "16MB"),
      (d) => (d.spec.displayName = "Acme Corp"),
    ];
    for (const change of changes) {
      const doc = structuredClone(base) as unknown as SpecShape;
      change(doc);
      const got = render(doc);
      expect(got.hash).not.toBe(expected.hash);
      expect(got.yaml).not.toBe(expected.yaml);
    }
  });
});

describe("canonicalHash", () => {
  test("ignores key order at every level, not list order", () => {
    expect(canonicalHash({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(canonicalHash({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }));
    expect(canonicalHash({ a: [1, 2] })).not.toBe(canonicalHash({ a: [2, 1] }));
    expect(canonicalHash({ a: 1, b: undefined })).toBe(canonicalHash({ a: 1 }));
    expect(canonicalHash({ a: "1" })).not.toBe(canonicalHash({ a: 1 }));
  });

  test("is the sha256 hex of the JSON with sorted keys", () => {
    expect(canonicalHash({ b: 1, a: { d: 2, c: 3 } })).toBe(createHash("sha256").update('{"a":{"c":3,"d":2},"b":1}').digest("hex"));
  });
});
